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
            Subject: $"{ReportFormat.Title(report.Period, "social-media summary")} for your team, {SubjectDates(report.Period)}",
            Html: HtmlReportWriter.LineManager(report, previousLabel),
            Text: TextReportWriter.LineManager(report, previousLabel),
            Csv: CsvReportWriter.Write(report.Rows, report.People.ToDictionary(p => p.StaffId, p => p.DisplayName, StringComparer.Ordinal)),
            ChartPng: ReportChartRenderer.RenderPeople(report.Period, report.People, report.School.ExcessiveMinutesPerDay, "Personal minutes per person and day, against the daily limit"));
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
            Subject: $"{ReportFormat.Title(report.Period, "social-media summary")} for {report.School.Name}, {SubjectDates(report.Period)}",
            Html: HtmlReportWriter.Headteacher(report, previousLabel),
            Text: TextReportWriter.Headteacher(report, previousLabel),
            Csv: CsvReportWriter.Write(report.Rows, report.Flagged.ToDictionary(f => f.StaffId, f => f.DisplayName, StringComparer.Ordinal)),
            ChartPng: ReportChartRenderer.Render(report.Period, report.SchoolDaily, "All staff: personal minutes per day"));
    }

    private static string SubjectDates(ReportPeriod period) => period.Kind switch
    {
        ReportPeriodKind.Day => ReportFormat.ShortDay(period.From) + " " + period.From.Year,
        ReportPeriodKind.Month => period.From.ToString("MMMM yyyy", System.Globalization.CultureInfo.InvariantCulture),
        _ => $"{ReportFormat.ShortDay(period.From)} to {ReportFormat.ShortDay(period.To)} {period.To.Year}",
    };

    private static string PreviousLabel(ReportPeriod period) => "previous " + period.Noun;

}
