using CoppiceMonitor.Reports.Model;

namespace CoppiceMonitor.Reports.Rendering;

/// <summary>Renders a report model into the HTML body, text alternative, CSV attachment and chart one recipient gets.</summary>
public static class ReportRenderer
{
    public static RenderedReport Render(LineManagerReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var previousLabel = PreviousLabel(report.Period);
        return Rendered(ReportKind.LineManager, report.School, report.Period, report.Recipient,
            $"Weekly social-media summary for your team, {ReportFormat.ShortDay(report.Period.From)} to {ReportFormat.ShortDay(report.Period.To)} {report.Period.To.Year}",
            HtmlReportWriter.LineManager(report, previousLabel),
            TextReportWriter.LineManager(report, previousLabel),
            CsvReportWriter.Write(report.Rows),
            ReportChartRenderer.Render(report.Period, report.Rows, report.School.ExcessiveMinutesPerDay, "Your team: personal minutes per day"));
    }

    public static RenderedReport Render(HeadteacherReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var previousLabel = PreviousLabel(report.Period);
        return Rendered(ReportKind.Headteacher, report.School, report.Period, report.Recipient,
            $"Monthly social-media summary, {ReportFormat.PeriodText(report.Period)}",
            HtmlReportWriter.Headteacher(report, previousLabel),
            TextReportWriter.Headteacher(report, previousLabel),
            CsvReportWriter.Write(report.Rows),
            ReportChartRenderer.Render(report.Period, report.SchoolDaily, thresholdMinutes: null, "All staff: personal minutes per day"));
    }

    private static RenderedReport Rendered(ReportKind kind, ReportSchool school, ReportPeriod period, Recipient recipient,
        string subject, string html, string text, byte[] csv, byte[] chartPng) =>
        new(kind, school.SchoolId, period, recipient.StaffId, recipient.DisplayName, recipient.Email, subject, html, text, csv, chartPng);

    private static string PreviousLabel(ReportPeriod period) => period.Days switch
    {
        7 => "previous week",
        >= 28 and <= 31 => "previous month",
        _ => "previous period",
    };
}
