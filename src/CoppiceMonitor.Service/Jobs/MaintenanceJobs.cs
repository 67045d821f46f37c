using CoppiceMonitor.Reports.Delivery;
using CoppiceMonitor.Storage;
using CoppiceMonitor.Storage.Retention;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quartz;

namespace CoppiceMonitor.Service.Jobs;

/// <summary>
/// Daily retention purge (policy 10.4): the database by Storage's <see cref="RetentionPurger"/> (drops or deletes
/// what is past each school's window, keeps what investigations hold, writes the audit row), then the report archive
/// folder by Reports' <see cref="ReportArchivePurger"/> (its own audit row). The archive step runs even when the
/// database step fails, and the job then fails so Quartz and the log show it.
/// </summary>
[DisallowConcurrentExecution]
public sealed class RetentionPurgeJob(RetentionPurger purger, ReportArchivePurger archivePurger, ILogger<RetentionPurgeJob> logger) : IJob
{
    public const string Actor = "scheduler";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        Log.JobStarted(logger, nameof(RetentionPurgeJob), "retention window");
        PurgeResult? database = null;
        Exception? failure = null;
        try
        {
            database = await purger.PurgeAsync(dryRun: false, actor: Actor, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.RetentionPurgeFailed(logger, exception);
            failure = exception;
        }

        var archive = await archivePurger.PurgeAsync(dryRun: false, actor: Actor, cancellationToken).ConfigureAwait(false);
        context.Result = new RetentionPurgeJobResult(database, archive);
        if (failure is not null)
        {
            throw new JobExecutionException("The database retention purge failed (the report archive was purged).", failure);
        }

        Log.JobFinished(logger, nameof(RetentionPurgeJob),
            $"{database!.TotalDeleted} rows deleted, {database.PartitionsDropped} partitions dropped, audit event {database.AuditEventId}; archive: {archive.FilesDeleted} files deleted, audit event {archive.AuditEventId}");
    }
}

/// <summary>What the nightly purge did: the database part (null when it failed) and the archive part.</summary>
public sealed record RetentionPurgeJobResult(PurgeResult? Database, ArchivePurgeResult Archive);

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
