using CoppiceMonitor.Storage.Reporting;
using CoppiceMonitor.Visits;

namespace CoppiceMonitor.Reports.Model;

/// <summary>
/// Turns aggregates into report models. Pure: no I/O, so the arithmetic (excessive days, directed-time minutes, change
/// against the previous period, who belongs to which manager) is tested without a database.
/// </summary>
public static class ReportBuilder
{
    /// <summary>
    /// One report per line manager who has at least one direct report; each holds only that manager's own staff
    /// (policy 10.2). Managers without an email address get nothing (they cannot be sent anything).
    /// </summary>
    public static IReadOnlyList<LineManagerReport> BuildLineManagerReports(
        ReportSchool school,
        ReportPeriod period,
        IReadOnlyList<StaffRecord> staff,
        IReadOnlyList<StaffDailyUsage> usage,
        IReadOnlyList<StaffDailyUsage> previousUsage,
        DateTime generatedUtc)
    {
        ArgumentNullException.ThrowIfNull(school);
        ArgumentNullException.ThrowIfNull(staff);
        var byId = staff.ToDictionary(s => s.StaffId, StringComparer.Ordinal);
        var rows = Sanitise(usage).ToLookup(r => r.StaffId, StringComparer.Ordinal);
        var previousRows = Sanitise(previousUsage);
        var previous = previousRows.ToLookup(r => r.StaffId, StringComparer.Ordinal);

        var reports = new List<LineManagerReport>();
        foreach (var team in staff.Where(s => s.LineManagerId is not null)
                     .GroupBy(s => s.LineManagerId!, StringComparer.Ordinal)
                     .OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            if (!byId.TryGetValue(team.Key, out var manager) || string.IsNullOrWhiteSpace(manager.Email))
            {
                continue;
            }

            var people = team
                .Where(member => member.StaffId != manager.StaffId)
                .OrderBy(member => member.DisplayName, StringComparer.CurrentCultureIgnoreCase)
                .Select(member => Summarise(member, period, school.ExcessiveMinutesPerDay, rows[member.StaffId].ToList(), previousRows.Count == 0 ? null : previous[member.StaffId].ToList()))
                .ToList();
            if (people.Count == 0)
            {
                continue;
            }

            var teamIds = people.Select(p => p.StaffId).ToHashSet(StringComparer.Ordinal);
            var teamRows = OrderRows(rows.Where(g => teamIds.Contains(g.Key)).SelectMany(g => g));
            reports.Add(new LineManagerReport(
                school,
                new Recipient(manager.StaffId, manager.DisplayName, manager.Email),
                period,
                people,
                teamRows,
                generatedUtc));
        }

        return reports;
    }

    public static HeadteacherReport BuildHeadteacherReport(
        ReportSchool school,
        Recipient recipient,
        ReportPeriod period,
        IReadOnlyList<StaffRecord> staff,
        IReadOnlyList<StaffDailyUsage> usage,
        IReadOnlyList<StaffDailyUsage> previousUsage,
        IReadOnlyList<AnonymousServiceTotal> anonymous,
        CoverageSummary coverage,
        DateTime generatedUtc,
        double attentionDirectedMinutes = 0)
    {
        ArgumentNullException.ThrowIfNull(school);
        ArgumentNullException.ThrowIfNull(staff);
        var rows = Sanitise(usage);
        var previousRows = Sanitise(previousUsage);
        var byId = staff.ToDictionary(s => s.StaffId, StringComparer.Ordinal);
        var rowsByStaff = rows.ToLookup(r => r.StaffId, StringComparer.Ordinal);
        var previousByStaff = previousRows.ToLookup(r => r.StaffId, StringComparer.Ordinal);

        var flagged = new List<FlaggedStaff>();
        foreach (var member in staff.OrderBy(s => s.DisplayName, StringComparer.CurrentCultureIgnoreCase))
        {
            var summary = Summarise(member, period, school.ExcessiveMinutesPerDay, rowsByStaff[member.StaffId].ToList(), previousRows.Count == 0 ? null : previousByStaff[member.StaffId].ToList());
            // Only people over the daily limit, or with directed-time minutes (as shown, whole) above the school's
            // threshold (Reports:AttentionDirectedMinutes); a figure the table would print as 0 never names anyone.
            var directedShown = Rendering.ReportFormat.WholeMinutes(summary.MinutesDirectedPersonal);
            if (summary.ExcessiveDays.Count > 0 || (directedShown > 0 && directedShown > attentionDirectedMinutes))
            {
                var managerName = member.LineManagerId is not null && byId.TryGetValue(member.LineManagerId, out var m) ? m.DisplayName : null;
                var overLimit = summary.ByDay.Where(d => d.IsExcessive).Sum(d => d.MinutesPersonal - school.ExcessiveMinutesPerDay);
                flagged.Add(new FlaggedStaff(member.StaffId, member.DisplayName, managerName, summary.MinutesDirectedPersonal, summary.ExcessiveDays.Count, summary.MinutesPersonal)
                {
                    Severity = summary.MinutesDirectedPersonal + overLimit,
                });
            }
        }

        // Most serious first: minutes in directed time plus minutes over the limit on the days over it.
        flagged = [.. flagged.OrderByDescending(f => f.Severity).ThenBy(f => f.DisplayName, StringComparer.CurrentCultureIgnoreCase)];

        var flaggedIds = flagged.Select(f => f.StaffId).ToHashSet(StringComparer.Ordinal);
        return new HeadteacherReport(
            school,
            recipient,
            period,
            StaffCount: staff.Count,
            StaffWithUse: rows.Where(r => r.MinutesTotal > 0).Select(r => r.StaffId).Distinct(StringComparer.Ordinal).Count(),
            MinutesPersonal: rows.Sum(r => r.MinutesPersonal),
            MinutesDirectedPersonal: rows.Sum(r => r.MinutesDirectedPersonal),
            MinutesWorkUse: rows.Sum(r => r.MinutesWorkUse),
            PreviousMinutesPersonal: previousRows.Count == 0 ? null : previousRows.Sum(r => r.MinutesPersonal),
            StaffByService: ByService(rows),
            ByDay: period.Dates.Select(d => new DayTotal(d, rows.Where(r => r.Date == d).Sum(r => r.MinutesPersonal), false)).ToList(),
            Anonymous: anonymous
                .Where(a => !IsSpecialLabel(a.Service))
                .OrderByDescending(a => a.Minutes)
                .ThenBy(a => a.Service, StringComparer.Ordinal)
                .ToList(),
            Flagged: flagged,
            Coverage: coverage,
            Rows: OrderRows(rows.Where(r => flaggedIds.Contains(r.StaffId))),
            SchoolDaily: OrderRows(rows.GroupBy(r => (r.Service, r.Category, r.Date)).Select(g => new StaffDailyUsage(
                string.Empty,
                g.Key.Service,
                g.Key.Category,
                g.Key.Date,
                g.Sum(r => r.MinutesTotal),
                g.Sum(r => r.MinutesDirected),
                g.Sum(r => r.MinutesBreak),
                g.Sum(r => r.MinutesNonDirected),
                g.Sum(r => r.MinutesOutsideHours),
                g.Sum(r => r.MinutesWorkUse),
                g.Sum(r => r.MinutesDirectedWorkUse)))),
            GeneratedUtc: generatedUtc);
    }

    /// <summary>
    /// The figures for one person. Excessive days (policy 9.1) count personal minutes on a local date above the
    /// school's threshold; work use under section 5 is reported apart and never counts towards either concern.
    /// <paramref name="previousRows"/> is null when the previous period holds no data at all (monitoring had not
    /// started, or was off): then there is nothing to compare, and the report must not show the whole figure as a rise.
    /// </summary>
    public static PersonSummary Summarise(
        StaffRecord member,
        ReportPeriod period,
        int excessiveMinutesPerDay,
        IReadOnlyList<StaffDailyUsage> rows,
        IReadOnlyList<StaffDailyUsage>? previousRows)
    {
        ArgumentNullException.ThrowIfNull(member);
        ArgumentNullException.ThrowIfNull(rows);
        var byDay = period.Dates
            .Select(date =>
            {
                var minutes = rows.Where(r => r.Date == date).Sum(r => r.MinutesPersonal);
                return new DayTotal(date, minutes, minutes > excessiveMinutesPerDay);
            })
            .ToList();

        return new PersonSummary(
            member.StaffId,
            member.DisplayName,
            MinutesPersonal: rows.Sum(r => r.MinutesPersonal),
            MinutesDirectedPersonal: rows.Sum(r => r.MinutesDirectedPersonal),
            MinutesWorkUse: rows.Sum(r => r.MinutesWorkUse),
            PreviousMinutesPersonal: previousRows?.Sum(r => r.MinutesPersonal),
            ExcessiveDays: byDay.Where(d => d.IsExcessive).Select(d => d.Date).ToList(),
            ByService: ByService(rows),
            ByDay: byDay)
        {
            MinutesBreak = rows.Sum(r => r.MinutesBreak),
            MinutesNonDirected = rows.Sum(r => r.MinutesNonDirected + r.MinutesOutsideHours),
        };
    }

    /// <summary>Services with personal use; one whose personal minutes show as 0 gets no row (it would read as a figure).</summary>
    private static List<ServiceTotal> ByService(IEnumerable<StaffDailyUsage> rows) =>
        rows.GroupBy(r => r.Service, StringComparer.Ordinal)
            .Select(g => new ServiceTotal(g.Key, g.Sum(r => r.MinutesPersonal), g.Sum(r => r.MinutesDirectedPersonal), g.Sum(r => r.MinutesWorkUse)))
            .Where(s => Rendering.ReportFormat.WholeMinutes(s.MinutesPersonal) > 0)
            .OrderByDescending(s => s.MinutesPersonal + s.MinutesWorkUse)
            .ThenBy(s => s.Service, StringComparer.Ordinal)
            .ToList();

    private static List<StaffDailyUsage> OrderRows(IEnumerable<StaffDailyUsage> rows) =>
        rows.OrderBy(r => r.StaffId, StringComparer.Ordinal)
            .ThenBy(r => r.Service, StringComparer.Ordinal)
            .ThenBy(r => r.Date)
            .ToList();

    /// <summary>
    /// Policy 10.3: special categories never reach a routine report, whatever categories were asked for: no row, chart
    /// bar or total (a per-person "[Health site]" row would tell a line manager that the person visited a health site).
    /// They stay in storage, reachable only through an investigation.
    /// </summary>
    private static List<StaffDailyUsage> Sanitise(IEnumerable<StaffDailyUsage> rows) =>
        [.. rows.Where(r => !ReportCategories.IsSpecial(r.Category))];

    private static bool IsSpecialLabel(string service) =>
        ReportCategories.IsSpecial(service)
        || (service.StartsWith('[') && service.EndsWith(" site]", StringComparison.Ordinal) && ReportCategories.IsSpecial(service[1..^6]));
}
