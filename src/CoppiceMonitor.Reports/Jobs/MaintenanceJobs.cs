using CoppiceMonitor.Storage;
using CoppiceMonitor.Storage.Retention;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quartz;

namespace CoppiceMonitor.Reports.Jobs;

/// <summary>
/// Daily retention purge (policy 10.4) by Storage's <see cref="RetentionPurger"/>, which drops or deletes what is
/// past each school's window, keeps what investigations hold, and writes the audit row.
/// </summary>
[DisallowConcurrentExecution]
public sealed class RetentionPurgeJob(IServiceProvider services, ILogger<RetentionPurgeJob> logger) : IJob
{
    public const string Actor = "scheduler";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);

        // Resolved here, not injected, so a host that forgot the registration still schedules everything else and
        // says loudly every night that nothing is being purged.
        if (services.GetService(typeof(RetentionPurger)) is not RetentionPurger purger)
        {
            Log.RetentionPurgeMissing(logger);
            return;
        }

        Log.JobStarted(logger, nameof(RetentionPurgeJob), "retention window");
        var result = await purger.PurgeAsync(dryRun: false, actor: Actor, cancellationToken).ConfigureAwait(false);
        context.Result = result;
        Log.JobFinished(logger, nameof(RetentionPurgeJob), $"{result.TotalDeleted} rows deleted, {result.PartitionsDropped} partitions dropped, audit event {result.AuditEventId}");
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
