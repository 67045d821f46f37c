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
}
