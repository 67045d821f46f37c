using Microsoft.Extensions.Logging;

namespace CoppiceMonitor.Service;

/// <summary>Service log messages (event ids 5000-5999). Addresses and names of people only at Debug.</summary>
internal static partial class Log
{
    [LoggerMessage(5000, LogLevel.Information, "CoppiceMonitor {Version} starting: {Verb}")]
    public static partial void Starting(ILogger logger, string version, string verb);

    [LoggerMessage(5001, LogLevel.Information, "No ConnectionStrings:Coppice configured: using the embedded PostgreSQL server in {Folder}")]
    public static partial void UsingEmbeddedDatabase(ILogger logger, string folder);

    [LoggerMessage(5002, LogLevel.Information, "Using the configured database (ConnectionStrings:Coppice) on host {Host}")]
    public static partial void UsingConfiguredDatabase(ILogger logger, string host);

    [LoggerMessage(5003, LogLevel.Warning, "Observation channel full: {Dropped} observations dropped so far")]
    public static partial void ChannelDrops(ILogger logger, long dropped);

    [LoggerMessage(5004, LogLevel.Information, "Capture started on {Interface} ({FilterMode})")]
    public static partial void CaptureStarted(ILogger logger, string @interface, string filterMode);

    [LoggerMessage(5005, LogLevel.Information, "Capture stopped on {Interface}: {Packets} packets, {KernelDrops} kernel drops, {InterfaceDrops} interface drops, {RingDrops} frame ring drops")]
    public static partial void CaptureStopped(ILogger logger, string @interface, long packets, long kernelDrops, long interfaceDrops, long ringDrops);

    [LoggerMessage(5006, LogLevel.Information, "Pipeline drained: {Observations} observations, {Visits} visits, {ChannelDrops} channel drops, {Unrouted} observations outside every configured school's networks")]
    public static partial void PipelineDrained(ILogger logger, long observations, long visits, long channelDrops, long unrouted);

    [LoggerMessage(5007, LogLevel.Error, "Pipeline stage {Stage} failed")]
    public static partial void StageFailed(ILogger logger, Exception exception, string stage);

    [LoggerMessage(5008, LogLevel.Information, "Replaying {Count} capture files ({Pace} pace)")]
    public static partial void ReplayStarting(ILogger logger, int count, string pace);

    [LoggerMessage(5009, LogLevel.Warning, "Drain did not finish within {Seconds} s; the rest stays in the spool")]
    public static partial void DrainTimedOut(ILogger logger, int seconds);

    [LoggerMessage(5010, LogLevel.Information, "Capture counters: {Packets} packets, {Observations} observations, {KernelDrops} kernel drops, {ChannelDrops} channel drops")]
    public static partial void CaptureCounters(ILogger logger, long packets, long observations, long kernelDrops, long channelDrops);

    [LoggerMessage(5011, LogLevel.Information, "Embedded PostgreSQL stopped")]
    public static partial void EmbeddedDatabaseStopped(ILogger logger);

    [LoggerMessage(5012, LogLevel.Warning, "Capture:Interfaces is empty: nothing is captured (jobs and ingest of the spool still run)")]
    public static partial void NoInterfaces(ILogger logger);

    [LoggerMessage(5014, LogLevel.Warning, "Could not write status.json")]
    public static partial void StatusWriteFailed(ILogger logger, Exception exception);

    [LoggerMessage(5015, LogLevel.Information, "Scheduled job {Job} started for {Period}")]
    public static partial void JobStarted(ILogger logger, string job, string period);

    [LoggerMessage(5016, LogLevel.Information, "Scheduled job {Job} finished: {Summary}")]
    public static partial void JobFinished(ILogger logger, string job, string summary);

    [LoggerMessage(5017, LogLevel.Error, "Retention purge of the database failed; the report archive purge still ran")]
    public static partial void RetentionPurgeFailed(ILogger logger, Exception exception);
}
