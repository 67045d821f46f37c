using System.Globalization;
using System.Text;
using CoppiceMonitor.Reports.Model;

namespace CoppiceMonitor.Reports.Rendering;

/// <summary>The plain-text alternative: the same content as the HTML, laid out for a fixed-width reader.</summary>
public static class TextReportWriter
{
    public static string LineManager(LineManagerReport report, string previousLabel)
    {
        ArgumentNullException.ThrowIfNull(report);
        var text = new StringBuilder();
        var threshold = report.School.ExcessiveMinutesPerDay;
        Title(text, $"Social-media summary for {report.Recipient.DisplayName}'s team", report.School.Name, report.Period);
        text.Append("Dear ").Append(report.Recipient.DisplayName).AppendLine(",").AppendLine();
        Wrap(text, ReportReading.LineManagerIntro(report));

        Heading(text, "At a glance");
        Table(
            text,
            ["Person", "Personal min", "Directed (8.6.2)", "Breaks", "Other", $"Days > {threshold} (9.1)", "Work use (5)", "Change"],
            report.People.Select(p => new[]
            {
                p.DisplayName,
                ReportFormat.Minutes(p.MinutesPersonal),
                ReportFormat.Minutes(p.MinutesDirectedPersonal),
                ReportFormat.Minutes(p.MinutesBreak),
                ReportFormat.Minutes(p.MinutesNonDirected),
                p.ExcessiveDays.Count.ToString(CultureInfo.InvariantCulture),
                ReportFormat.Minutes(p.MinutesWorkUse),
                p.Change is { } change ? ReportFormat.SignedMinutes(change) : ReportFormat.NoPreviousData(report.Period),
            }));

        Heading(text, "What the figures mean");
        foreach (var person in report.People)
        {
            Wrap(text, "- " + string.Join(" ", ReportReading.PersonSentences(person, threshold, previousLabel)), "  ");
        }

        text.AppendLine();
        Wrap(text, ReportReading.TeamConclusion(report));

        foreach (var person in report.People.Where(p => p.ByService.Count > 0))
        {
            var columns = ReportFormat.Columns(report.Period);
            Heading(text, person.DisplayName + (columns.Count == report.Period.Days ? ": minutes by service and day" : ": minutes by service and week"));
            var rows = report.Rows.Where(r => r.StaffId == person.StaffId).ToList();
            Table(
                text,
                ["Service", .. columns.Select(c => c.Label), "Total", "Directed", "Work"],
                person.ByService.Select(s => (string[])
                [
                    s.Service,
                    .. columns.Select(c => rows.Where(r => r.Service == s.Service && r.Date >= c.From && r.Date <= c.To).Sum(r => r.MinutesPersonal) is var m && ReportFormat.WholeMinutes(m) > 0 ? ReportFormat.Minutes(m) : "."),
                    ReportFormat.Minutes(s.MinutesPersonal),
                    ReportFormat.Minutes(s.MinutesDirectedPersonal),
                    ReportFormat.Minutes(s.MinutesWorkUse),
                ]));
        }

        Footer(text, threshold, report.Period, report.GeneratedUtc, "The attached usage.csv has the same figures per person, service and day.");
        return text.ToString();
    }

    public static string Headteacher(HeadteacherReport report, string previousLabel)
    {
        ArgumentNullException.ThrowIfNull(report);
        var text = new StringBuilder();
        var threshold = report.School.ExcessiveMinutesPerDay;
        Title(text, ReportFormat.Title(report.Period, "social-media summary"), report.School.Name, report.Period);
        text.Append("Dear ").Append(report.Recipient.DisplayName).AppendLine(",").AppendLine();
        Wrap(text, ReportReading.HeadteacherIntro(report));

        Heading(text, "Staff totals");
        Table(
            text,
            ["Figure", "Value"],
            [
                ["Registered staff", report.StaffCount.ToString(CultureInfo.InvariantCulture)],
                ["Staff with any recorded use", report.StaffWithUse.ToString(CultureInfo.InvariantCulture)],
                ["Personal minutes", ReportFormat.Minutes(report.MinutesPersonal)],
                ["Of which in directed time (8.6.2)", ReportFormat.Minutes(report.MinutesDirectedPersonal)],
                ["Work use (5)", ReportFormat.Minutes(report.MinutesWorkUse)],
                ["Change vs " + previousLabel, report.PreviousMinutesPersonal is { } p ? ReportFormat.SignedMinutes(report.MinutesPersonal - p) : ReportFormat.NoPreviousData(report.Period)],
            ]);

        if (report.StaffByService.Count > 0)
        {
            Heading(text, "Staff use by service");
            Table(
                text,
                ["Service", "Personal", "Directed", "Work use"],
                report.StaffByService.Select(s => new[] { s.Service, ReportFormat.Minutes(s.MinutesPersonal), ReportFormat.Minutes(s.MinutesDirectedPersonal), ReportFormat.Minutes(s.MinutesWorkUse) }));
        }

        Heading(text, "Staff whose figures need attention");
        if (report.Flagged.Count == 0)
        {
            Wrap(text, $"Nobody used personal social media in directed time (section 8.6.2) or went over {threshold} minutes on any day (section 9.1).");
        }
        else
        {
            Table(
                text,
                ["Person", "Line manager", "Directed (8.6.2)", $"Days > {threshold} (9.1)", "Personal"],
                report.Flagged.Select(f => new[]
                {
                    f.DisplayName, f.LineManagerName ?? "-", ReportFormat.Minutes(f.MinutesDirectedPersonal),
                    f.ExcessiveDays.ToString(CultureInfo.InvariantCulture), ReportFormat.Minutes(f.MinutesPersonal),
                }));
        }

        Heading(text, "Pupils and guests (anonymous)");
        if (report.Anonymous.Count == 0)
        {
            Wrap(text, "No pupil, guest or unregistered-device use of these services was seen.");
        }
        else
        {
            Table(
                text,
                ["Service", "Devices of", "Minutes", "Devices"],
                report.Anonymous.Select(a => new[] { a.Service, a.DeviceGroup, ReportFormat.Minutes(a.Minutes), a.Devices.ToString(CultureInfo.InvariantCulture) }));
        }

        Heading(text, "What the monitoring could not see");
        Wrap(text, ReportReading.CoverageReading(report.Coverage));

        Footer(text, threshold, report.Period, report.GeneratedUtc, "The attached usage.csv lists the named staff's figures per service and day.",
            ReportReading.HeadteacherClosingHeading, ReportReading.HeadteacherClosing());
        return text.ToString();
    }

    private static void Title(StringBuilder text, string title, string school, ReportPeriod period)
    {
        text.AppendLine(title).AppendLine(new string('=', title.Length))
            .Append(school).AppendLine(" - CoppiceMonitor")
            .AppendLine(ReportFormat.PeriodText(period)).AppendLine();
    }

    private static void Heading(StringBuilder text, string heading) =>
        text.AppendLine().AppendLine(heading).AppendLine(new string('-', heading.Length));

    private static void Footer(StringBuilder text, int threshold, ReportPeriod period, DateTime generatedUtc, string attachmentNote) =>
        Footer(text, threshold, period, generatedUtc, attachmentNote, ReportReading.RaisingConcernHeading, ReportReading.RaisingConcern());

    private static void Footer(StringBuilder text, int threshold, ReportPeriod period, DateTime generatedUtc, string attachmentNote, string closingHeading, IReadOnlyList<string> closing)
    {
        Heading(text, "How to read these figures");
        foreach (var (term, meaning) in ReportReading.Definitions(threshold, period))
        {
            Wrap(text, $"{term}: {meaning}", "  ");
        }

        Heading(text, closingHeading);
        foreach (var line in closing)
        {
            Wrap(text, "- " + line, "  ");
        }

        text.AppendLine();
        Wrap(text, attachmentNote + $" Generated {generatedUtc.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC by CoppiceMonitor. Figures are estimates from network traffic.");
    }

    private static void Table(StringBuilder text, string[] headers, IEnumerable<string[]> rows)
    {
        var all = new List<string[]> { headers };
        all.AddRange(rows);
        var widths = Enumerable.Range(0, headers.Length).Select(c => all.Max(r => r[c].Length)).ToArray();
        foreach (var row in all)
        {
            for (var c = 0; c < row.Length; c++)
            {
                text.Append(c == 0 ? row[c].PadRight(widths[c]) : row[c].PadLeft(widths[c]));
                text.Append(c == row.Length - 1 ? string.Empty : "  ");
            }

            text.AppendLine();
            if (ReferenceEquals(row, headers))
            {
                text.AppendLine(string.Join("  ", widths.Select(w => new string('-', w))));
            }
        }
    }

    private static void Wrap(StringBuilder text, string paragraph, string continuation = "")
    {
        const int width = 76;
        var line = new StringBuilder();
        foreach (var word in paragraph.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > width)
            {
                text.AppendLine(line.ToString());
                line.Clear().Append(continuation);
            }

            if (line.Length > 0 && line.ToString() != continuation)
            {
                line.Append(' ');
            }

            line.Append(word);
        }

        if (line.Length > 0)
        {
            text.AppendLine(line.ToString());
        }
    }
}
