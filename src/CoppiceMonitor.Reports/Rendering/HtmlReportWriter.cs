using System.Net;
using System.Text;
using CoppiceMonitor.Reports.Model;

namespace CoppiceMonitor.Reports.Rendering;

/// <summary>
/// HTML email bodies that survive Outlook's Word engine and Gmail's sanitiser: one 640 px layout table, every style
/// inline, no scripts, no external resources except the chart by cid:. Every piece of data passes through
/// <see cref="WebUtility.HtmlEncode(string)"/>.
/// </summary>
public static class HtmlReportWriter
{
    private const string Font = "font-family:Arial,Helvetica,sans-serif;";
    private const string Text = Font + "font-size:14px;line-height:20px;color:#222222;";
    private const string Small = Font + "font-size:12px;line-height:17px;color:#555555;";
    private const string H2 = Font + "font-size:17px;line-height:22px;color:#1f4e3d;font-weight:bold;margin:24px 0 8px 0;";
    private const string Th = Font + "font-size:12px;line-height:16px;color:#ffffff;background-color:#1f4e3d;font-weight:bold;padding:6px 8px;border:1px solid #1f4e3d;";
    // Data cells are most of a report's bytes (Gmail clips past 102 KB): short font stack, no line-height, 3-digit colours.
    private const string Td = "font-family:Arial,sans-serif;font-size:13px;color:#222;padding:4px 6px;border:1px solid #d0d7d4;";
    private const string Flag = "background-color:#fde9e7;color:#8a1c10;font-weight:bold;";

    public static string LineManager(LineManagerReport report, string previousLabel)
    {
        ArgumentNullException.ThrowIfNull(report);
        var html = new StringBuilder();
        var threshold = report.School.ExcessiveMinutesPerDay;
        Open(html, $"Social-media summary for {report.Recipient.DisplayName}'s team", report.School.Name, report.Period);
        Paragraph(html, $"Dear {report.Recipient.DisplayName},");
        Paragraph(html, ReportReading.LineManagerIntro(report));

        Heading(html, "At a glance");
        TableOpen(html, "Person", "Personal minutes", $"In directed time (8.6.2)", "In breaks", "Other non-directed", $"Days over {threshold} min (9.1)", "Work use (5)", "Change vs " + previousLabel);
        foreach (var person in report.People)
        {
            html.Append("<tr>");
            Cell(html, person.DisplayName, bold: true);
            NumberCell(html, ReportFormat.Minutes(person.MinutesPersonal));
            NumberCell(html, ReportFormat.Minutes(person.MinutesDirectedPersonal), person.MinutesDirectedPersonal > 0);
            NumberCell(html, ReportFormat.Minutes(person.MinutesBreak));
            NumberCell(html, ReportFormat.Minutes(person.MinutesNonDirected));
            NumberCell(html, person.ExcessiveDays.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), person.ExcessiveDays.Count > 0);
            NumberCell(html, ReportFormat.Minutes(person.MinutesWorkUse));
            NumberCell(html, person.Change is { } change ? ReportFormat.SignedMinutes(change) : ReportFormat.NoPreviousData(report.Period));
            html.Append("</tr>");
        }

        TableClose(html);

        Heading(html, "What the figures mean");
        html.Append("<ul style=\"").Append(Text).Append("margin:0 0 0 18px;padding:0;\">");
        foreach (var person in report.People)
        {
            html.Append("<li style=\"margin:0 0 6px 0;\">")
                .Append(Encode(string.Join(" ", ReportReading.PersonSentences(person, threshold, previousLabel))))
                .Append("</li>");
        }

        html.Append("</ul>");
        Paragraph(html, ReportReading.TeamConclusion(report));

        Heading(html, "Minutes per day");
        Chart(html, $"Bar chart: each person's personal social-media minutes per day, beside the daily limit of {threshold} minutes per person.");

        // Gmail clips an HTML part over 102 KB. The per-person tables are the bulk: people with a concern come first,
        // and a table that would take the email past the budget is left to the attached CSV, saying so.
        var omitted = 0;
        foreach (var person in report.People.Where(p => p.ByService.Count > 0).OrderBy(p => p.HasConcern ? 0 : 1))
        {
            var table = new StringBuilder();
            PersonTable(table, report, person);
            if (Encoding.UTF8.GetByteCount(html.ToString()) + Encoding.UTF8.GetByteCount(table.ToString()) > PersonTablesBudgetBytes)
            {
                omitted++;
                continue;
            }

            html.Append(table);
        }

        if (omitted > 0)
        {
            Paragraph(html, $"To keep this email small enough to open in full, the tables of {omitted} more {(omitted == 1 ? "person" : "people")} " +
                            "are not shown here; their figures per service and day are in the attached usage.csv.");
        }

        Definitions(html, threshold, report.Period);
        RaisingConcern(html);
        Close(html, report.GeneratedUtc, "The attached usage.csv has the same figures per person, service and day.");
        return html.ToString();
    }

    public static string Headteacher(HeadteacherReport report, string previousLabel)
    {
        ArgumentNullException.ThrowIfNull(report);
        var html = new StringBuilder();
        var threshold = report.School.ExcessiveMinutesPerDay;
        Open(html, ReportFormat.Title(report.Period, "social-media summary"), report.School.Name, report.Period);
        Paragraph(html, $"Dear {report.Recipient.DisplayName},");
        Paragraph(html, ReportReading.HeadteacherIntro(report));

        Heading(html, "Staff totals");
        TableOpen(html, "Figure", "Value");
        Row(html, "Registered staff", report.StaffCount.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Row(html, "Staff with any recorded use", report.StaffWithUse.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Row(html, "Personal minutes", ReportFormat.Minutes(report.MinutesPersonal));
        Row(html, "Of which in directed time (8.6.2)", ReportFormat.Minutes(report.MinutesDirectedPersonal), report.MinutesDirectedPersonal > 0);
        Row(html, "Work use (5)", ReportFormat.Minutes(report.MinutesWorkUse));
        Row(html, "Change vs " + previousLabel, report.PreviousMinutesPersonal is { } previous ? ReportFormat.SignedMinutes(report.MinutesPersonal - previous) : ReportFormat.NoPreviousData(report.Period));
        TableClose(html);

        Chart(html, "Bar chart of staff personal social-media minutes per day, stacked by service.");

        if (report.StaffByService.Count > 0)
        {
            Heading(html, "Staff use by service");
            TableOpen(html, "Service", "Personal minutes", "In directed time", "Work use");
            foreach (var service in report.StaffByService)
            {
                html.Append("<tr>");
                Cell(html, service.Service, bold: true);
                NumberCell(html, ReportFormat.Minutes(service.MinutesPersonal));
                NumberCell(html, ReportFormat.Minutes(service.MinutesDirectedPersonal), service.MinutesDirectedPersonal > 0);
                NumberCell(html, ReportFormat.Minutes(service.MinutesWorkUse));
                html.Append("</tr>");
            }

            TableClose(html);
        }

        Heading(html, "Staff whose figures need attention");
        if (report.Flagged.Count == 0)
        {
            Paragraph(html, $"Nobody used personal social media in directed time (section 8.6.2) or went over {threshold} minutes on any day (section 9.1).");
        }
        else
        {
            TableOpen(html, 2, "Person", "Line manager", "Directed-time minutes (8.6.2)", $"Days over {threshold} min (9.1)", "Personal minutes");
            foreach (var person in report.Flagged)
            {
                html.Append("<tr>");
                Cell(html, person.DisplayName, bold: true);
                Cell(html, person.LineManagerName ?? "\u2013");
                NumberCell(html, ReportFormat.Minutes(person.MinutesDirectedPersonal), person.MinutesDirectedPersonal > 0);
                NumberCell(html, person.ExcessiveDays.ToString(System.Globalization.CultureInfo.InvariantCulture), person.ExcessiveDays > 0);
                NumberCell(html, ReportFormat.Minutes(person.MinutesPersonal));
                html.Append("</tr>");
            }

            TableClose(html);
            Paragraph(html, "Sorted with the most serious first. Their line managers have had the detail for their own teams. The attached usage.csv has their figures per service and day.");
        }

        Heading(html, "Pupils and guests (anonymous)");
        if (report.Anonymous.Count == 0)
        {
            Paragraph(html, "No pupil, guest or unregistered-device use of these services was seen.");
        }
        else
        {
            TableOpen(html, 2, "Service", "Devices of", "Minutes", "Devices");
            foreach (var row in report.Anonymous)
            {
                html.Append("<tr>");
                Cell(html, row.Service, bold: true);
                Cell(html, row.DeviceGroup);
                NumberCell(html, ReportFormat.Minutes(row.Minutes));
                NumberCell(html, row.Devices.ToString(System.Globalization.CultureInfo.InvariantCulture));
                html.Append("</tr>");
            }

            TableClose(html);
        }

        Heading(html, "What the monitoring could not see");
        TableOpen(html, "Blind spot", "Amount");
        Row(html, "Minutes from unregistered devices", ReportFormat.Minutes(report.Coverage.UnknownDeviceMinutes) + " (" + ReportFormat.Percent(report.Coverage.UnattributedShare) + ")", report.Coverage.UnattributedShare > 0.1);
        Row(html, "Minutes with the site hidden by Encrypted Client Hello", ReportFormat.Minutes(report.Coverage.EncryptedClientHelloMinutes));
        Row(html, "Minutes on DNS-over-HTTPS resolvers", ReportFormat.Minutes(report.Coverage.DnsOverHttpsMinutes));
        Row(html, "Share of minutes that could not be named", ReportFormat.Percent(report.Coverage.UnnamedShare), report.Coverage.UnnamedShare > 0.1);
        TableClose(html);
        Paragraph(html, ReportReading.CoverageReading(report.Coverage));

        Definitions(html, threshold, report.Period);
        BulletSection(html, ReportReading.HeadteacherClosingHeading, ReportReading.HeadteacherClosing());
        Close(html, report.GeneratedUtc, "The attached usage.csv lists the named staff's figures per service and day.");
        return html.ToString();
    }

    private static string Encode(string text) => WebUtility.HtmlEncode(text);

    private static void Open(StringBuilder html, string title, string schoolName, ReportPeriod period)
    {
        html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">")
            .Append("<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">")
            .Append("<title>").Append(Encode(title)).Append("</title></head>")
            .Append("<body style=\"margin:0;padding:0;background-color:#f3f5f4;\">")
            .Append("<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" bgcolor=\"#f3f5f4\" style=\"background-color:#f3f5f4;\"><tr><td align=\"center\" style=\"padding:16px 8px;\">")
            .Append("<table role=\"presentation\" width=\"640\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" bgcolor=\"#ffffff\" style=\"width:640px;max-width:640px;background-color:#ffffff;border:1px solid #d0d7d4;\">")
            .Append("<tr><td bgcolor=\"#1f4e3d\" style=\"background-color:#1f4e3d;padding:16px 24px;\">")
            .Append("<div style=\"").Append(Font).Append("font-size:12px;line-height:16px;color:#cfe3da;\">")
            .Append(Encode(schoolName)).Append(" \u00b7 CoppiceMonitor</div>")
            .Append("<div style=\"").Append(Font).Append("font-size:21px;line-height:28px;color:#ffffff;font-weight:bold;\">")
            .Append(Encode(title)).Append("</div>")
            .Append("<div style=\"").Append(Font).Append("font-size:13px;line-height:18px;color:#ffffff;\">")
            .Append(Encode(ReportFormat.PeriodText(period))).Append("</div>")
            .Append("</td></tr><tr><td style=\"padding:8px 24px 24px 24px;\">");
    }

    private static void Close(StringBuilder html, DateTime generatedUtc, string attachmentNote)
    {
        html.Append("<p style=\"").Append(Small).Append("margin:24px 0 0 0;border-top:1px solid #d0d7d4;padding-top:12px;\">")
            .Append(Encode(attachmentNote)).Append(' ')
            .Append(Encode($"Generated {generatedUtc:yyyy-MM-dd HH:mm} UTC by CoppiceMonitor. Figures are estimates from network traffic."))
            .Append("</p></td></tr></table></td></tr></table></body></html>");
    }

    /// <summary>Room for the body before the closing sections (about 10 KB), under Gmail's 102 KB clipping point.</summary>
    private const int PersonTablesBudgetBytes = 86 * 1024;

    /// <summary>One person's minutes by service: a column per day for a week, per week (from its first day) for longer.</summary>
    private static void PersonTable(StringBuilder html, LineManagerReport report, PersonSummary person)
    {
        var columns = ReportFormat.Columns(report.Period);
        Heading(html, person.DisplayName + (columns.Count == report.Period.Days ? ": by service and day" : ": by service and week"));
        TableOpen(html, ["Service", .. columns.Select(c => c.Label), "Total", "Directed", "Work use"]);
        var rows = report.Rows.Where(r => r.StaffId == person.StaffId).ToList();
        foreach (var service in person.ByService)
        {
            html.Append("<tr>");
            Cell(html, service.Service, bold: true);
            foreach (var column in columns)
            {
                var minutes = rows.Where(r => r.Service == service.Service && r.Date >= column.From && r.Date <= column.To).Sum(r => r.MinutesPersonal);
                NumberCell(html, ReportFormat.WholeMinutes(minutes) > 0 ? ReportFormat.Minutes(minutes) : "\u00b7");
            }

            NumberCell(html, ReportFormat.Minutes(service.MinutesPersonal));
            NumberCell(html, ReportFormat.Minutes(service.MinutesDirectedPersonal), service.MinutesDirectedPersonal > 0);
            NumberCell(html, ReportFormat.Minutes(service.MinutesWorkUse));
            html.Append("</tr>");
        }

        html.Append("<tr>");
        Cell(html, columns.Count == report.Period.Days ? "Day total" : "Week total", bold: true);
        foreach (var column in columns)
        {
            var days = person.ByDay.Where(d => d.Date >= column.From && d.Date <= column.To).ToList();
            NumberCell(html, ReportFormat.Minutes(days.Sum(d => d.MinutesPersonal)), days.Any(d => d.IsExcessive));
        }

        NumberCell(html, ReportFormat.Minutes(person.MinutesPersonal));
        NumberCell(html, ReportFormat.Minutes(person.MinutesDirectedPersonal), person.MinutesDirectedPersonal > 0);
        NumberCell(html, ReportFormat.Minutes(person.MinutesWorkUse));
        html.Append("</tr>");
        TableClose(html);
    }

    private static void Heading(StringBuilder html, string text) =>
        html.Append("<h2 style=\"").Append(H2).Append("\">").Append(Encode(text)).Append("</h2>");

    private static void Paragraph(StringBuilder html, string text) =>
        html.Append("<p style=\"").Append(Text).Append("margin:0 0 12px 0;\">").Append(Encode(text)).Append("</p>");

    private static void Chart(StringBuilder html, string alt) =>
        html.Append("<p style=\"margin:12px 0;\"><img src=\"cid:").Append(RenderedReport.ChartContentId)
            .Append("\" width=\"").Append(ReportChartRenderer.Width).Append("\" height=\"").Append(ReportChartRenderer.Height)
            .Append("\" alt=\"").Append(Encode(alt)).Append("\" style=\"display:block;width:100%;max-width:592px;height:auto;border:0;\"></p>");

    private static void TableOpen(StringBuilder html, params string[] headers) => TableOpen(html, 1, headers);

    /// <summary>The first <paramref name="textColumns"/> columns hold text (left), the rest numbers (right).</summary>
    private static void TableOpen(StringBuilder html, int textColumns, params string[] headers)
    {
        html.Append("<table role=\"table\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" style=\"border-collapse:collapse;width:100%;margin:0 0 8px 0;\"><tr>");
        for (var i = 0; i < headers.Length; i++)
        {
            var align = i < textColumns ? "left" : "right";
            html.Append("<th align=\"").Append(align).Append("\" style=\"").Append(Th)
                .Append("text-align:").Append(align).Append(";\">").Append(Encode(headers[i])).Append("</th>");
        }

        html.Append("</tr>");
    }

    private static void TableClose(StringBuilder html) => html.Append("</table>");

    private static void Cell(StringBuilder html, string text, bool bold = false) =>
        html.Append("<td align=\"left\" style=\"").Append(Td).Append(bold ? "font-weight:bold;" : string.Empty).Append("\">")
            .Append(Encode(text)).Append("</td>");

    private static void NumberCell(StringBuilder html, string text, bool flagged = false) =>
        html.Append("<td align=\"right\" style=\"").Append(Td).Append("white-space:nowrap;")
            .Append(flagged ? Flag : string.Empty).Append("\">").Append(Encode(text)).Append("</td>");

    private static void Row(StringBuilder html, string label, string value, bool flagged = false)
    {
        html.Append("<tr>");
        Cell(html, label);
        NumberCell(html, value, flagged);
        html.Append("</tr>");
    }

    private static void Definitions(StringBuilder html, int threshold, ReportPeriod period)
    {
        Heading(html, "How to read these figures");
        html.Append("<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\">");
        foreach (var (term, meaning) in ReportReading.Definitions(threshold, period))
        {
            html.Append("<tr><td valign=\"top\" style=\"").Append(Small).Append("font-weight:bold;padding:3px 12px 3px 0;width:130px;\">")
                .Append(Encode(term)).Append("</td><td valign=\"top\" style=\"").Append(Small).Append("padding:3px 0;\">")
                .Append(Encode(meaning)).Append("</td></tr>");
        }

        html.Append("</table>");
    }

    private static void RaisingConcern(StringBuilder html) =>
        BulletSection(html, ReportReading.RaisingConcernHeading, ReportReading.RaisingConcern());

    private static void BulletSection(StringBuilder html, string heading, IReadOnlyList<string> lines)
    {
        Heading(html, heading);
        html.Append("<ul style=\"").Append(Text).Append("margin:0 0 0 18px;padding:0;\">");
        foreach (var line in lines)
        {
            html.Append("<li style=\"margin:0 0 6px 0;\">").Append(Encode(line)).Append("</li>");
        }

        html.Append("</ul>");
    }
}
