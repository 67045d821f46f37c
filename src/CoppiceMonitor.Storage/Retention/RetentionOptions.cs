using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace CoppiceMonitor.Storage.Retention;

/// <summary>Retention windows of one school (policy 10.4); null = the global default.</summary>
public sealed class RetentionWindows
{
    [Range(1, 3650)] public int? ObservationsDays { get; set; }
    [Range(1, 3650)] public int? VisitsDays { get; set; }
    [Range(1, 3650)] public int? DhcpLeasesDays { get; set; }
    [Range(1, 3650)] public int? AnonymousUsageDays { get; set; }
    [Range(1, 3650)] public int? ReportRunsDays { get; set; }
}

/// <summary>Configuration section "Retention": how long each table keeps rows, per table and per school.</summary>
public sealed class RetentionOptions
{
    public const string SectionName = "Retention";

    /// <summary>Raw observations (evidence, re-processing).</summary>
    [Range(1, 3650)] public int ObservationsDays { get; set; } = 14;

    /// <summary>Visit-level detail.</summary>
    [Range(1, 3650)] public int VisitsDays { get; set; } = 90;

    /// <summary>DHCP leases (attribution evidence).</summary>
    [Range(1, 3650)] public int DhcpLeasesDays { get; set; } = 14;

    /// <summary>Anonymous daily totals.</summary>
    [Range(1, 3650)] public int AnonymousUsageDays { get; set; } = 400;

    /// <summary>Report archive (report_runs).</summary>
    [Range(1, 3650)] public int ReportRunsDays { get; set; } = 400;

    /// <summary>Audit trail, in years.</summary>
    [Range(1, 100)] public int AuditYears { get; set; } = 6;

    /// <summary>Per-school overrides keyed by school id.</summary>
    public Dictionary<string, RetentionWindows> Schools { get; set; } = new(StringComparer.Ordinal);

    internal int Days(RetentionTable table, string? schoolId)
    {
        RetentionWindows? w = null;
        if (schoolId is not null)
        {
            Schools.TryGetValue(schoolId, out w);
        }

        return table switch
        {
            RetentionTable.Observations => w?.ObservationsDays ?? ObservationsDays,
            RetentionTable.Visits => w?.VisitsDays ?? VisitsDays,
            RetentionTable.DhcpLeases => w?.DhcpLeasesDays ?? DhcpLeasesDays,
            RetentionTable.AnonymousUsage => w?.AnonymousUsageDays ?? AnonymousUsageDays,
            RetentionTable.ReportRuns => w?.ReportRunsDays ?? ReportRunsDays,
            _ => throw new ArgumentOutOfRangeException(nameof(table)),
        };
    }
}

public enum RetentionTable
{
    Observations,
    Visits,
    DhcpLeases,
    AnonymousUsage,
    ReportRuns,
}

/// <summary>
/// The per-school windows (Retention:Schools:ID:*) that data annotations do not reach: each must be 1..3650 days, like
/// the defaults, so a typo cannot purge a school's data on the first night.
/// </summary>
public sealed class RetentionOptionsValidator : IValidateOptions<RetentionOptions>
{
    public ValidateOptionsResult Validate(string? name, RetentionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        foreach (var (school, windows) in options.Schools)
        {
            foreach (var (key, days) in new[]
                     {
                         (nameof(RetentionWindows.ObservationsDays), windows.ObservationsDays),
                         (nameof(RetentionWindows.VisitsDays), windows.VisitsDays),
                         (nameof(RetentionWindows.DhcpLeasesDays), windows.DhcpLeasesDays),
                         (nameof(RetentionWindows.AnonymousUsageDays), windows.AnonymousUsageDays),
                         (nameof(RetentionWindows.ReportRunsDays), windows.ReportRunsDays),
                     })
            {
                if (days is < 1 or > 3650)
                {
                    failures.Add($"{RetentionOptions.SectionName}:Schools:{school}:{key} must be between 1 and 3650 days, not {days}.");
                }
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
