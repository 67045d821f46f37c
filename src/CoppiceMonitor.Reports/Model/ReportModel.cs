using CoppiceMonitor.Storage.Reporting;

namespace CoppiceMonitor.Reports.Model;

/// <summary>A school as the reports see it: its zone for local dates and its excessive-use threshold (policy 9.1).</summary>
public sealed record ReportSchool(
    string SchoolId,
    string Name,
    TimeZoneInfo TimeZone,
    int ExcessiveMinutesPerDay,
    Recipient? Headteacher);

/// <summary>Someone a report is addressed to.</summary>
public sealed record Recipient(string? StaffId, string DisplayName, string Email);

/// <summary>Minutes of one service over the period, for a person or the school.</summary>
public sealed record ServiceTotal(string Service, double MinutesPersonal, double MinutesDirectedPersonal, double MinutesWorkUse);

/// <summary>Minutes per local date (personal use), so a chart or a table can show the shape of the week.</summary>
public sealed record DayTotal(DateOnly Date, double MinutesPersonal, bool IsExcessive);

/// <summary>What one line manager is told about one person of their team for the period.</summary>
public sealed record PersonSummary(
    string StaffId,
    string DisplayName,
    double MinutesPersonal,
    double MinutesDirectedPersonal,
    double MinutesWorkUse,
    double? PreviousMinutesPersonal,
    IReadOnlyList<DateOnly> ExcessiveDays,
    IReadOnlyList<ServiceTotal> ByService,
    IReadOnlyList<DayTotal> ByDay)
{
    /// <summary>Minutes in breaks and lunch (all use: the calendar buckets are not split by work use).</summary>
    public double MinutesBreak { get; init; }

    /// <summary>Minutes in non-directed time on the timetable and outside school hours (all use).</summary>
    public double MinutesNonDirected { get; init; }

    public bool HasConcern => MinutesDirectedPersonal > 0 || ExcessiveDays.Count > 0;

    /// <summary>Change in personal minutes against the previous period; null when there is nothing to compare.</summary>
    public double? Change => PreviousMinutesPersonal is { } previous ? MinutesPersonal - previous : null;
}

/// <summary>A line manager's weekly report (policy 10.2): only their own staff, summaries only.</summary>
public sealed record LineManagerReport(
    ReportSchool School,
    Recipient Recipient,
    ReportPeriod Period,
    IReadOnlyList<PersonSummary> People,
    IReadOnlyList<StaffDailyUsage> Rows,
    DateTime GeneratedUtc);

/// <summary>Anonymous (never attributed) minutes: pupils, guests and devices not in the registry.</summary>
public sealed record AnonymousServiceTotal(string Service, string DeviceGroup, double Minutes, int Devices);

/// <summary>A member of staff the headteacher should know about: directed-time use or excessive days.</summary>
public sealed record FlaggedStaff(
    string StaffId,
    string DisplayName,
    string? LineManagerName,
    double MinutesDirectedPersonal,
    int ExcessiveDays,
    double MinutesPersonal)
{
    /// <summary>What the attention list is sorted by: directed-time minutes plus minutes over the limit on excessive days.</summary>
    public double Severity { get; init; }
}

/// <summary>
/// The headteacher's monthly summary: school totals, anonymous totals, flagged staff, coverage. <see cref="Rows"/>
/// holds only the flagged staff (the CSV); <see cref="SchoolDaily"/> is all staff summed per service and date with
/// no staff id (the chart).
/// </summary>
public sealed record HeadteacherReport(
    ReportSchool School,
    Recipient Recipient,
    ReportPeriod Period,
    int StaffCount,
    int StaffWithUse,
    double MinutesPersonal,
    double MinutesDirectedPersonal,
    double MinutesWorkUse,
    double? PreviousMinutesPersonal,
    IReadOnlyList<ServiceTotal> StaffByService,
    IReadOnlyList<DayTotal> ByDay,
    IReadOnlyList<AnonymousServiceTotal> Anonymous,
    IReadOnlyList<FlaggedStaff> Flagged,
    CoverageSummary Coverage,
    IReadOnlyList<StaffDailyUsage> Rows,
    IReadOnlyList<StaffDailyUsage> SchoolDaily,
    DateTime GeneratedUtc);
