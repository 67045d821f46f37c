using CoppiceMonitor.Reports.Jobs;
using CoppiceMonitor.Service.Database;
using CoppiceMonitor.Storage;
using CoppiceMonitor.Storage.Retention;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CoppiceMonitor.Service.Pipeline;

public static class ScheduledJobsServiceCollectionExtensions
{
    private const string AdminDataSourceKey = "coppice-admin";

    /// <summary>
    /// Quartz jobs (weekly line-manager reports, monthly headteacher report, nightly purge, partition maintenance)
    /// from the Reports project, on the same database as the pipeline (embedded or configured). Reports and the
    /// scheduler's own tables use the reporting role; the purge and partition maintenance drop and create tables,
    /// so they alone get the admin role's data source (registered first, so Reports' defaults step aside).
    /// </summary>
    public static IServiceCollection AddCoppiceScheduledJobs(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddCoppiceReporting(configuration);
        services.AddKeyedSingleton(AdminDataSourceKey, (sp, _) => NpgsqlDataSource.Create(
            sp.GetRequiredService<CoppiceDatabase>().GetRoleConnectionStringsAsync(CancellationToken.None).GetAwaiter().GetResult().Admin));
        services.AddSingleton(sp => new PartitionMaintainer(
            sp.GetRequiredKeyedService<NpgsqlDataSource>(AdminDataSourceKey),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<PartitionMaintainer>>()));
        services.AddSingleton(sp => new RetentionPurger(
            sp.GetRequiredKeyedService<NpgsqlDataSource>(AdminDataSourceKey),
            sp.GetRequiredService<IOptions<RetentionOptions>>(),
            new AuditLog(sp.GetRequiredKeyedService<NpgsqlDataSource>(AdminDataSourceKey), sp.GetRequiredService<TimeProvider>()),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<RetentionPurger>>()));
        services.AddCoppiceScheduling(configuration,
            sp => sp.GetRequiredService<CoppiceDatabase>().GetRoleConnectionStringsAsync(CancellationToken.None).GetAwaiter().GetResult().Reporting);
        return services;
    }
}
