using Microsoft.Extensions.Logging;

namespace CoppiceMonitor.Visits;

/// <summary>Source-generated log messages of the Visits project (event ids 2000-2999).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 2000, Level = LogLevel.Information, Message = "Visit pipeline for school {SchoolId} started: {Rows} catalogue rows, public suffixes from {PslSource}, {Devices} registered devices")]
    public static partial void PipelineStarted(ILogger logger, string schoolId, int rows, string pslSource, int devices);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Debug, Message = "Dropped {Count} late activity events for {DeviceKey} (older than the part already emitted)")]
    public static partial void LateEventsDropped(ILogger logger, int count, string deviceKey);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Debug, Message = "Gave up waiting for the FlowSummary of {Count} connections of {DeviceKey}")]
    public static partial void PendingConnectionsExpired(ILogger logger, int count, string deviceKey);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Debug, Message = "Visit {Service} for {DeviceKey} from {StartUtc:o}: {ActiveSeconds}s active")]
    public static partial void VisitClosed(ILogger logger, string service, string deviceKey, DateTime startUtc, int activeSeconds);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Information, Message = "Device registry replaced: {Devices} devices, {Staff} staff")]
    public static partial void RegistryReplaced(ILogger logger, int devices, int staff);
}
