using CoppiceMonitor.Storage.Reporting;
using CoppiceMonitor.Reports.Model;

namespace CoppiceMonitor.Reports.Rendering;

/// <summary>
/// The plain-English reading of the figures, shared by the HTML and text renderings so both say the same thing.
/// Every sentence names the policy section it refers to; none names a site or a visit.
/// </summary>
public static class ReportReading
{
    public const string ScopeSection = "10.2";
    public const string WorkUseSection = "5";
    public const string DirectedTimeSection = "8.6.2";
    public const string ExcessiveUseSection = "9.1";
    public const string SpecialCategorySection = "10.3";

    public static string LineManagerIntro(LineManagerReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var count = report.People.Count;
        return $"This is the {SummaryName(report.Period)} of social-media use on the school's staff network by the {count} " +
               $"{(count == 1 ? "person" : "people")} you line-manage, as section {ScopeSection} of the social-media policy " +
               "provides. It shows totals only: no individual visits, pages or messages, and nothing at all from the special " +
               $"categories of section {SpecialCategorySection} (health, religion, politics, trade unions, sexual orientation).";
    }

    /// <summary>One sentence per person, in the order of the table.</summary>
    public static IReadOnlyList<string> PersonSentences(PersonSummary person, int excessiveMinutesPerDay, string previousLabel)
    {
        ArgumentNullException.ThrowIfNull(person);
        var sentences = new List<string>();
        if (person.MinutesPersonal <= 0 && person.MinutesWorkUse <= 0)
        {
            sentences.Add($"{person.DisplayName}: no social-media use was recorded.");
            return sentences;
        }

        var parts = new List<string> { $"{person.DisplayName} used social media for {ReportFormat.Minutes(person.MinutesPersonal)} minutes" };
        if (person.MinutesDirectedPersonal > 0)
        {
            parts.Add($"{ReportFormat.Minutes(person.MinutesDirectedPersonal)} of them in directed time, when pupils are present " +
                      $"(section {DirectedTimeSection} asks staff not to use personal social media then)");
        }
        else
        {
            parts.Add("none of it in directed time");
        }

        sentences.Add(string.Join(", ", parts) + ".");
        if (ReportFormat.WholeMinutes(person.MinutesBreak + person.MinutesNonDirected) > 0)
        {
            sentences.Add($"Of all the minutes recorded, {ReportFormat.Minutes(person.MinutesBreak)} were in breaks and lunch and " +
                          $"{ReportFormat.Minutes(person.MinutesNonDirected)} at other non-directed times, when personal use is allowed.");
        }

        if (person.ExcessiveDays.Count > 0)
        {
            var days = string.Join(", ", person.ExcessiveDays.Select(ReportFormat.ShortDay));
            sentences.Add($"On {person.ExcessiveDays.Count} {(person.ExcessiveDays.Count == 1 ? "day" : "days")} ({days}) the total was over " +
                          $"the school's limit of {excessiveMinutesPerDay} minutes a day (section {ExcessiveUseSection}).");
        }

        if (person.MinutesWorkUse > 0)
        {
            sentences.Add($"{ReportFormat.Minutes(person.MinutesWorkUse)} minutes were on accounts authorised for school work under " +
                          $"section {WorkUseSection}; they are shown apart and count towards neither concern.");
        }

        if (person.Change is { } change)
        {
            sentences.Add(ReportFormat.WholeMinutes(change) == 0
                ? $"That is about the same as the {previousLabel}."
                : $"That is {ReportFormat.Minutes(Math.Abs(change))} minutes {(change > 0 ? "more" : "less")} than the {previousLabel}.");
        }
        else
        {
            // Nothing was recorded at all in the previous period: a rise "from zero" would be a false trend.
            sentences.Add($"There is no data for the {previousLabel} to compare with.");
        }

        return sentences;
    }

    public static string TeamConclusion(LineManagerReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return report.People.Any(p => p.HasConcern)
            ? "A figure here is a prompt for a conversation, not proof of misconduct: a shared device, a lesson that used a " +
              "service, or a timetable change can all explain it. Talk to the person first."
            : $"Nobody in your team used personal social media in directed time (section {DirectedTimeSection}) or went over the " +
              $"daily limit (section {ExcessiveUseSection}). Nothing needs doing.";
    }

    public static IReadOnlyList<(string Term, string Meaning)> Definitions(int excessiveMinutesPerDay, ReportPeriod period) =>
    [
        ("Minutes", "Time with active connections to the service from a device registered to the person, rounded to whole minutes. " +
                    "A page left open in the background with no traffic does not count."),
        ("Directed time", $"Lesson time on the school timetable when pupils are present (section {DirectedTimeSection}). " +
                          "Breaks and lunch, and other non-directed time (before and after lessons, outside school hours), are shown " +
                          "beside it; those two columns count all recorded minutes, work use included."),
        ("Days over the limit", $"Days on which personal use came to more than {excessiveMinutesPerDay} minutes (section {ExcessiveUseSection})."),
        ("Work use", $"Use of a service the person is authorised to use for school work, such as the school's own account (section {WorkUseSection})."),
        ("Change", (period.Kind == ReportPeriodKind.Range
                       ? "Personal minutes compared with the period of the same length just before this one."
                       : $"Personal minutes compared with the previous {period.Noun}.") + " Where nothing at all " +
                   "was recorded then (monitoring had not started or was off), the report says there is no data rather than showing a rise."),
    ];

    /// <summary>"weekly summary", "monthly summary", or "summary for 8 to 10 September" for any other range.</summary>
    public static string SummaryName(ReportPeriod period) =>
        ReportFormat.PeriodAdjective(period) is { Length: > 0 } adjective
            ? adjective.ToLowerInvariant() + " summary"
            : "summary for " + ReportFormat.PeriodText(period);

    public const string RaisingConcernHeading = "If something here worries you";

    public const string HeadteacherClosingHeading = "What you can do";

    /// <summary>The headteacher's own closing: they are not a line manager, and they are the one who can open an investigation.</summary>
    public static IReadOnlyList<string> HeadteacherClosing() =>
    [
        "The people named above are named to their own line managers too; the first step under section 11 is an informal " +
        "conversation with their line manager, not a letter from you.",
        "Where a concern remains, section 12 lets you or HR open an investigation. Only an investigation releases visit-level " +
        "detail, and every view of it is recorded in the audit log.",
        "Anonymous pupil and guest figures are for planning the network and lessons, never for tracing a person.",
        "Do not forward this email or its attachment; it contains personal data about staff.",
    ];

    public static IReadOnlyList<string> RaisingConcern() =>
    [
        "Speak to the member of staff informally first, as section 11 of the policy sets out; most questions are answered that way.",
        "If the concern remains, follow the procedure in section 12: contact the headteacher or HR, who can open an investigation. " +
        "Visit-level detail is only released through an investigation, and every view of it is recorded.",
        "Do not forward this email or its attachment; it contains personal data about your team.",
    ];

    public static string HeadteacherIntro(HeadteacherReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return $"This is the {SummaryName(report.Period)} of social-media use on the school's networks. It covers {report.StaffCount} registered staff " +
               $"({report.StaffWithUse} with any recorded use), pupils and guests. Staff are named only where a figure needs attention " +
               $"(directed time, section {DirectedTimeSection}, or days over the limit, section {ExcessiveUseSection}); pupil and guest " +
               "devices are never attributed to a person.";
    }

    public static string CoverageReading(CoverageSummary coverage)
    {
        ArgumentNullException.ThrowIfNull(coverage);
        return $"{ReportFormat.Percent(coverage.UnattributedShare)} of the observed minutes came from devices that are not in the registry, so " +
               $"nobody can be named for them, and {ReportFormat.Percent(coverage.UnnamedShare)} could not be named because the site was hidden " +
               $"(Encrypted Client Hello: {ReportFormat.Minutes(coverage.EncryptedClientHelloMinutes)} minutes; DNS-over-HTTPS: " +
               $"{ReportFormat.Minutes(coverage.DnsOverHttpsMinutes)} minutes). " +
               "Use through these blind spots does not appear in the figures above: a low figure is not proof of no use. " +
               "Registering staff devices and blocking DNS-over-HTTPS on the staff network reduce them.";
    }
}
