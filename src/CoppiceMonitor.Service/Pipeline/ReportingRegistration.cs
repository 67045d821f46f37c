using CoppiceMonitor.Reports;
using CoppiceMonitor.Reports.Data;
using CoppiceMonitor.Service.Database;
using CoppiceMonitor.Service.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CoppiceMonitor.Service.Pipeline;

public static class ReportingServiceCollectionExtensions
{
    /// <summary>
    /// Reports (building, rendering, SMTP delivery, archive) on the same database as everything else: the embedded
    /// server's connection string is only known once it runs, so the report database resolves through
    /// <see cref="CoppiceDatabase"/>. A relative Reports:ArchiveFolder is under the data folder.
    /// </summary>
    public static IServiceCollection AddCoppiceReporting(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddCoppiceDatabase();
        // Reports read aggregates and record their runs: the reporting role, never the owner.
        services.AddSingleton(sp => new ReportDatabase(
            sp.GetRequiredService<CoppiceDatabase>().GetRoleConnectionStringsAsync(CancellationToken.None).GetAwaiter().GetResult().Reporting));
        services.AddCoppiceReports(configuration);
        services.AddOptions<ReportOptions>().PostConfigure<IOptions<ServiceOptions>>((reports, service) => ResolveArchiveFolder(reports, service.Value));
        return services;
    }

    /// <summary>A relative Reports:ArchiveFolder is under the data folder.</summary>
    public static void ResolveArchiveFolder(ReportOptions reports, ServiceOptions service)
    {
        ArgumentNullException.ThrowIfNull(reports);
        ArgumentNullException.ThrowIfNull(service);
        if (!Path.IsPathFullyQualified(reports.ArchiveFolder))
        {
            reports.ArchiveFolder = Path.Combine(service.DataFolder, reports.ArchiveFolder);
        }
    }
}
