using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CoppiceMonitor.Service.Pipeline;

public static class ScheduledJobsServiceCollectionExtensions
{
    /// <summary>Quartz jobs (weekly reports, nightly purge, partition maintenance) from the Reports project.</summary>
    public static IServiceCollection AddCoppiceScheduledJobs(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return services;
    }
}
