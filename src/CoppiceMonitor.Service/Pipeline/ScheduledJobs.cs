using CoppiceMonitor.Reports.Jobs;
using CoppiceMonitor.Service.Database;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CoppiceMonitor.Service.Pipeline;

public static class ScheduledJobsServiceCollectionExtensions
{
    /// <summary>
    /// Quartz jobs (weekly line-manager reports, monthly headteacher report, nightly purge, partition maintenance)
    /// from the Reports project, on the same database as the pipeline (embedded or configured).
    /// </summary>
    public static IServiceCollection AddCoppiceScheduledJobs(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddCoppiceReporting(configuration);
        services.AddCoppiceScheduling(configuration,
            sp => sp.GetRequiredService<CoppiceDatabase>().GetConnectionStringAsync(CancellationToken.None).GetAwaiter().GetResult());
        return services;
    }
}
