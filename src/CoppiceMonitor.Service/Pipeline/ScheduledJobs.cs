using CoppiceMonitor.Reports.Jobs;
using CoppiceMonitor.Service.Database;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CoppiceMonitor.Service.Pipeline;

public static class ScheduledJobsServiceCollectionExtensions
{
    /// <summary>
    /// Quartz jobs (weekly line-manager reports, monthly headteacher report, nightly purge, partition maintenance)
    /// from the Reports project, on the same database as the pipeline (embedded or configured). Reports and the
    /// scheduler's own tables use the reporting role; the purge and partition maintenance, which drop and create
    /// tables, use the admin (owner) connection.
    /// </summary>
    public static IServiceCollection AddCoppiceScheduledJobs(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddCoppiceReporting(configuration);
        services.AddCoppiceScheduling(configuration,
            sp => RoleConnectionStrings(sp).Reporting,
            sp => RoleConnectionStrings(sp).Admin);
        return services;
    }

    private static Storage.CoppiceConnectionStrings RoleConnectionStrings(IServiceProvider services) =>
        services.GetRequiredService<CoppiceDatabase>().GetRoleConnectionStringsAsync(CancellationToken.None).GetAwaiter().GetResult();
}
