using CoppiceMonitor.Storage.Reporting;
using CoppiceMonitor.Visits;
using CoppiceMonitor.Reports.Model;

namespace CoppiceMonitor.Reports.Data;

/// <summary>
/// The aggregates a report is built from. Implementations run SQL aggregates in the database (visit-level rows never
/// leave it); <see cref="PostgresReportDataSource"/> is the product's.
/// </summary>
public interface IReportDataSource
{
    /// <summary>The schools to report on, with their zone, threshold and headteacher.</summary>
    Task<IReadOnlyList<ReportSchool>> GetSchoolsAsync(CancellationToken cancellationToken);

    Task<IReadOnlyList<StaffRecord>> GetStaffAsync(string schoolId, CancellationToken cancellationToken);

    /// <summary>
    /// Minutes per person, service and local date for the given categories (e.g. SocialMedia), optionally only for
    /// the given staff ids.
    /// </summary>
    Task<IReadOnlyList<StaffDailyUsage>> GetStaffUsageAsync(
        ReportSchool school,
        ReportPeriod period,
        IReadOnlyCollection<string> categories,
        IReadOnlyCollection<string>? staffIds,
        CancellationToken cancellationToken);

    Task<IReadOnlyList<AnonymousServiceTotal>> GetAnonymousUsageAsync(
        ReportSchool school,
        ReportPeriod period,
        IReadOnlyCollection<string> categories,
        CancellationToken cancellationToken);

    Task<CoverageSummary> GetCoverageAsync(ReportSchool school, ReportPeriod period, CancellationToken cancellationToken);
}
