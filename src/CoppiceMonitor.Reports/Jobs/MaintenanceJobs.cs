using CoppiceMonitor.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quartz;

namespace CoppiceMonitor.Reports.Jobs;

/// <summary>
/// The retention purge the daily job runs. Storage's RetentionPurger does the work; the Service registers an
/// implementation calling it (it is kept behind this seam so the schedule does not depend on purge internals).
/// </summary>
public interface IRetentionPurge
{
    /// <summary>Purges what the retention settings allow and returns a one-line summary for the log.</summary>
    Task<string> PurgeAsync(CancellationToken cancellationToken);
}

/// <summary>Daily retention purge (policy 10.4).</summary>
[DisallowConcurrentExecution]
public sealed class RetentionPurgeJob(IServiceProvider services, ILogger<RetentionPurgeJob> logger) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);

        // Resolved here, not injected, so a host that forgot the registration still schedules everything else and
        // says loudly every night that nothing is being purged.
        if (services.GetService(typeof(IRetentionPurge)) is not IRetentionPurge purge)
        {
            Log.RetentionPurgeMissing(logger);
            return;
        }

        Log.JobStarted(logger, nameof(RetentionPurgeJob), "retention window");
        var summary = await purge.PurgeAsync(cancellationToken).ConfigureAwait(false);
        context.Result = summary;
        Log.JobFinished(logger, nameof(RetentionPurgeJob), summary);
    }
}

/// <summary>Daily: day partitions for the coming days, and rows caught in the default partitions moved out.</summary>
[DisallowConcurrentExecution]
public sealed class PartitionMaintenanceJob(PartitionMaintainer maintainer, IOptions<SchedulingOptions> options, ILogger<PartitionMaintenanceJob> logger) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        Log.JobStarted(logger, nameof(PartitionMaintenanceJob), $"{options.Value.PartitionHorizonDays} days ahead");
        var result = await maintainer.RunAsync(options.Value.PartitionHorizonDays, cancellationToken).ConfigureAwait(false);
        context.Result = result;
        Log.JobFinished(logger, nameof(PartitionMaintenanceJob), $"{result.PartitionsCreated} partitions created, {result.StragglersMoved} rows moved");
    }
}
