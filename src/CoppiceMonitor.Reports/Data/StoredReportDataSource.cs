using CoppiceMonitor.Reports.Model;
using CoppiceMonitor.Storage.Reporting;
using CoppiceMonitor.Visits;

namespace CoppiceMonitor.Reports.Data;

/// <summary>
/// The product's <see cref="IReportDataSource"/>: Storage's <see cref="ReportQueries"/> (SQL aggregates on the reporting
/// role) joined with the "Schools" configuration for each school's zone and excessive-use threshold.
/// </summary>
public sealed class StoredReportDataSource(ReportQueries queries, IReadOnlyList<SchoolOptions> schoolSettings) : IReportDataSource
{
    /// <summary>
    /// Schools from the database, with the zone and excessive-use threshold from the "Schools" configuration; the
    /// headteacher is the staff member with the Headteacher role (the lowest staff id if several).
    /// </summary>
    public async Task<IReadOnlyList<ReportSchool>> GetSchoolsAsync(CancellationToken cancellationToken)
    {
        var schools = new List<ReportSchool>();
        foreach (var row in await queries.GetSchoolsAsync(cancellationToken).ConfigureAwait(false))
        {
            var settings = schoolSettings.FirstOrDefault(s => string.Equals(s.Id, row.SchoolId, StringComparison.Ordinal));
            schools.Add(new ReportSchool(
                row.SchoolId,
                row.Name,
                TimeZoneInfo.FindSystemTimeZoneById(settings?.TimeZone ?? row.TimeZone),
                settings?.ExcessiveMinutesPerDay ?? 60,
                row.HeadteacherStaffId is null ? null : new Recipient(row.HeadteacherStaffId, row.HeadteacherName!, row.HeadteacherEmail!)));
        }

        return schools;
    }

    public Task<IReadOnlyList<StaffRecord>> GetStaffAsync(string schoolId, CancellationToken cancellationToken) =>
        queries.GetStaffAsync(schoolId, cancellationToken);

    public Task<IReadOnlyList<StaffDailyUsage>> GetStaffUsageAsync(
        ReportSchool school,
        ReportPeriod period,
        IReadOnlyCollection<string> categories,
        IReadOnlyCollection<string>? staffIds,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(school);
        var (startUtc, endUtc) = period.ToUtcRange(school.TimeZone);
        return queries.GetStaffUsageAsync(school.SchoolId, school.TimeZone, startUtc, endUtc, categories, staffIds, cancellationToken);
    }

    public async Task<IReadOnlyList<AnonymousServiceTotal>> GetAnonymousUsageAsync(
        ReportSchool school,
        ReportPeriod period,
        IReadOnlyCollection<string> categories,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(school);
        var rows = await queries.GetAnonymousUsageAsync(school.SchoolId, period.From, period.To, categories, cancellationToken).ConfigureAwait(false);
        return [.. rows.Select(r => new AnonymousServiceTotal(ReportCategories.DisplayService(r.Service, r.Category), DeviceGroup(r.Kind), r.Minutes, r.Devices))];
    }

    public Task<CoverageSummary> GetCoverageAsync(ReportSchool school, ReportPeriod period, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(school);
        var (startUtc, endUtc) = period.ToUtcRange(school.TimeZone);
        return queries.GetCoverageAsync(school.SchoolId, startUtc, endUtc, period.From, period.To,
            ReportCategories.Hidden, ReportCategories.EncryptedDns, cancellationToken);
    }

    /// <summary>anonymous_usage.kind: DeviceKind as a number, -1 for a device not in the registry.</summary>
    public static string DeviceGroup(short kind) => kind switch
    {
        -1 => "Unknown device",
        (short)DeviceKind.Staff => "Staff device, unassigned",
        (short)DeviceKind.Shared => "Shared device",
        (short)DeviceKind.Pupil => "Pupil",
        (short)DeviceKind.Guest => "Guest",
        _ => "Other",
    };
}
