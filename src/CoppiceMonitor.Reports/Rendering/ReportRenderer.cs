using CoppiceMonitor.Reports.Model;

namespace CoppiceMonitor.Reports.Rendering;

/// <summary>Renders a report model into the HTML body, text alternative, CSV attachment and chart one recipient gets.</summary>
public static class ReportRenderer
{
    public static RenderedReport Render(LineManagerReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var previousLabel = PreviousLabel(report.Period);
        return new RenderedReport(
            ReportKind.LineManager,
            report.School.SchoolId,
            report.Period,
            report.Recipient.StaffId,
            report.Recipient.DisplayName,
            report.Recipient.Email,
            Subject: $"Weekly social-media summary for your team, {ReportFormat.ShortDay(report.Period.From)} to {ReportFormat.ShortDay(report.Period.To)} {report.Period.To.Year}",
            Html: HtmlReportWriter.LineManager(report, previousLabel),
            Text: TextReportWriter.LineManager(report, previousLabel),
            Csv: CsvReportWriter.Write(report.Rows),
            ChartPng: ReportChartRenderer.Render(report.Period, report.Rows, report.School.ExcessiveMinutesPerDay, "Your team: personal minutes per day"));
    }

    public static RenderedReport Render(HeadteacherReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var previousLabel = PreviousLabel(report.Period);
        return new RenderedReport(
            ReportKind.Headteacher,
            report.School.SchoolId,
            report.Period,
            report.Recipient.StaffId,
            report.Recipient.DisplayName,
            report.Recipient.Email,
            Subject: $"Monthly social-media summary, {ReportFormat.PeriodText(report.Period)}",
            Html: HtmlReportWriter.Headteacher(report, previousLabel),
            Text: TextReportWriter.Headteacher(report, previousLabel),
            Csv: CsvReportWriter.Write(report.Rows),
            ChartPng: ReportChartRenderer.Render(report.Period, report.SchoolDaily, thresholdMinutes: null, "All staff: personal minutes per day"));
    }

    private static string PreviousLabel(ReportPeriod period) => period.Days switch
    {
        7 => "previous week",
        >= 28 and <= 31 => "previous month",
        _ => "previous period",
    };

}
