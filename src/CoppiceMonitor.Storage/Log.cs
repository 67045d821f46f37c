using Microsoft.Extensions.Logging;

namespace CoppiceMonitor.Storage;

/// <summary>Storage log messages; event ids 3000-3999.</summary>
internal static partial class Log
{
    [LoggerMessage(3000, LogLevel.Information, "PostgreSQL started in {DataDirectory} on port {Port}")]
    public static partial void PostgresStarted(ILogger logger, string dataDirectory, int port);

    [LoggerMessage(3001, LogLevel.Information, "PostgreSQL stopped in {DataDirectory}")]
    public static partial void PostgresStopped(ILogger logger, string dataDirectory);

    [LoggerMessage(3002, LogLevel.Warning, "PostgreSQL in {DataDirectory} did not stop cleanly")]
    public static partial void PostgresStopFailed(ILogger logger, string dataDirectory, Exception exception);

    [LoggerMessage(3003, LogLevel.Information, "Removed leftover PostgreSQL folder {Directory} of a crashed run")]
    public static partial void PostgresStaleRemoved(ILogger logger, string directory);

    [LoggerMessage(3004, LogLevel.Warning, "Could not delete PostgreSQL folder {Directory}")]
    public static partial void PostgresDeleteFailed(ILogger logger, string directory, Exception exception);

    [LoggerMessage(3005, LogLevel.Warning, "Could not start the clean-up watcher of a throwaway PostgreSQL server")]
    public static partial void PostgresReaperFailed(ILogger logger, Exception exception);

    [LoggerMessage(3010, LogLevel.Information, "Partition maintenance: {Created} partitions created, {Moved} rows moved out of default partitions")]
    public static partial void PartitionsMaintained(ILogger logger, int created, long moved);

    [LoggerMessage(3020, LogLevel.Warning, "Spool: skipped {Count} torn or corrupt records in {Segment}; the rest loads")]
    public static partial void SpoolCorruptRecords(ILogger logger, int count, string segment);

    [LoggerMessage(3021, LogLevel.Warning, "Database unreachable; spooling {Kind} batch of {Rows} rows to disk")]
    public static partial void IngestSpooling(ILogger logger, string kind, int rows, Exception exception);

    [LoggerMessage(3022, LogLevel.Information, "Spool replayed: {Batches} batches, {Corrupt} corrupt records skipped")]
    public static partial void SpoolReplayed(ILogger logger, int batches, int corrupt);

    [LoggerMessage(3023, LogLevel.Debug, "Spool replay failed; database still unreachable")]
    public static partial void SpoolReplayFailed(ILogger logger, Exception exception);

    [LoggerMessage(3024, LogLevel.Error, "Batch {BatchId} ({Kind}) rejected by the database and set aside in {Path}")]
    public static partial void IngestBatchRejected(ILogger logger, Guid batchId, string kind, string path, Exception exception);

    [LoggerMessage(3025, LogLevel.Warning, "Ingest channel full: {Dropped} observations dropped so far")]
    public static partial void IngestDropped(ILogger logger, long dropped);

    [LoggerMessage(3030, LogLevel.Information, "Retention purge (dry run: {DryRun}): {Deleted} rows removed, {Moved} held rows moved aside, {Dropped} day partitions dropped")]
    public static partial void PurgeCompleted(ILogger logger, bool dryRun, long deleted, long moved, int dropped);
}
