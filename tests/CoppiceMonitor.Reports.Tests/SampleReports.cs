using CoppiceMonitor.Storage.Reporting;
using CoppiceMonitor.Visits;
using CoppiceMonitor.Reports.Model;

namespace CoppiceMonitor.Reports.Tests;

/// <summary>A small school with two line managers, used by the rendering and delivery tests.</summary>
internal static class SampleReports
{
    public static readonly ReportPeriod Week = new(new DateOnly(2026, 9, 7), new DateOnly(2026, 9, 13));

    public static readonly DateTime GeneratedUtc = new(2026, 9, 14, 6, 0, 0, DateTimeKind.Utc);

    public const string SpecialSiteName = "mind-health-support.example";

    public static ReportSchool School { get; } = new(
        "coppice-primary",
        "Coppice Primary School",
        TimeZoneInfo.FindSystemTimeZoneById("Europe/London"),
        ExcessiveMinutesPerDay: 60,
        Headteacher: new Recipient("HT01", "Helen Green", "head@coppice.test"));

    public static IReadOnlyList<StaffRecord> Staff { get; } =
    [
        new("HT01", "Helen Green", "head@coppice.test", null, StaffRoles.None),
        new("LM01", "Priya Shah", "priya.shah@coppice.test", "HT01", StaffRoles.None),
        new("LM02", "Dan Okafor", "dan.okafor@coppice.test", "HT01", StaffRoles.None),
        new("T001", "Tom O'Brien & <Co>", "tom@coppice.test", "LM01", StaffRoles.None),
        new("T002", "Amy Lee", "amy@coppice.test", "LM01", StaffRoles.None),
        new("T003", "Raj Patel", "raj@coppice.test", "LM02", StaffRoles.None),
    ];

    public static IReadOnlyList<StaffDailyUsage> Usage { get; } =
    [
        Row("T001", "Facebook", 7, total: 25.25, directed: 10, brk: 15.25),
        Row("T001", "Facebook", 8, total: 70, directed: 0, brk: 20, nonDirected: 30, outside: 20),
        Row("T001", "TikTok", 8, total: 5.04, directed: 5.04),
        Row("T001", "Instagram", 9, total: 12.35, outside: 12.35),
        Row("T001", SpecialSiteName, 9, total: 9, brk: 9, category: "Health"),
        Row("T002", "X", 10, total: 30, work: 30, nonDirected: 30),
        Row("T002", "LinkedIn", 11, total: 4.95, brk: 4.95),
        Row("T003", "Facebook", 7, total: 90, directed: 45, brk: 20, nonDirected: 25),
        Row("T003", "Snapchat", 12, total: 14, outside: 14),
    ];

    public static IReadOnlyList<StaffDailyUsage> PreviousUsage { get; } =
    [
        new("T001", "Facebook", "SocialMedia", new DateOnly(2026, 9, 1), 40, 0, 40, 0, 0, 0, 0),
        new("T003", "Facebook", "SocialMedia", new DateOnly(2026, 9, 2), 200, 0, 0, 0, 200, 0, 0),
    ];

    public static IReadOnlyList<AnonymousServiceTotal> Anonymous { get; } =
    [
        new("TikTok", "Pupil", 340.5, 41),
        new("YouTube", "Guest", 55, 3),
        new("Instagram", "Unknown device", 22.5, 2),
    ];

    public static CoverageSummary Coverage { get; } = new(
        AttributedMinutes: 260,
        AnonymousMinutes: 418,
        UnknownDeviceMinutes: 22.5,
        EncryptedClientHelloMinutes: 30,
        DnsOverHttpsMinutes: 12);

    public static IReadOnlyList<LineManagerReport> LineManagerReports() =>
        ReportBuilder.BuildLineManagerReports(School, Week, Staff, Usage, PreviousUsage, GeneratedUtc);

    public static HeadteacherReport HeadteacherReport() =>
        ReportBuilder.BuildHeadteacherReport(School, School.Headteacher!, new ReportPeriod(new DateOnly(2026, 9, 1), new DateOnly(2026, 9, 30)), Staff, Usage, PreviousUsage, Anonymous, Coverage, GeneratedUtc);

    private static StaffDailyUsage Row(
        string staff,
        string service,
        int day,
        double total,
        double directed = 0,
        double brk = 0,
        double nonDirected = 0,
        double outside = 0,
        double work = 0,
        string category = "SocialMedia") =>
        new(staff, service, category, new DateOnly(2026, 9, day), total, directed, brk, nonDirected, outside, work, 0);
}
