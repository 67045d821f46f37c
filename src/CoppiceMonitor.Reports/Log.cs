using Microsoft.Extensions.Logging;

namespace CoppiceMonitor.Reports;

/// <summary>Reports log messages; event ids 4000-4999.</summary>
internal static partial class Log
{
    [LoggerMessage(4000, LogLevel.Information, "Report run {Kind} for {Period}: {Sent} sent, {Skipped} already done, {Failed} failed")]
    public static partial void RunFinished(ILogger logger, string kind, string period, int sent, int skipped, int failed);

    [LoggerMessage(4001, LogLevel.Information, "Report {RunKey} sent as {MessageId} after {Attempts} attempt(s)")]
    public static partial void ReportSent(ILogger logger, string runKey, string messageId, int attempts);

    [LoggerMessage(4002, LogLevel.Warning, "Report {RunKey}: send attempt {Attempt} of {MaxAttempts} failed; retrying in {Delay}")]
    public static partial void SendRetry(ILogger logger, string runKey, int attempt, int maxAttempts, TimeSpan delay, Exception exception);

    [LoggerMessage(4003, LogLevel.Error, "Report {RunKey} could not be sent after {Attempts} attempt(s); recorded as failed and shown by `status`")]
    public static partial void ReportFailed(ILogger logger, string runKey, int attempts, Exception exception);

    [LoggerMessage(4004, LogLevel.Information, "Report {RunKey} already {Status}; not sent again")]
    public static partial void ReportSkipped(ILogger logger, string runKey, string status);

    [LoggerMessage(4005, LogLevel.Information, "Report {RunKey} archived to {Folder} (folder delivery)")]
    public static partial void ReportArchived(ILogger logger, string runKey, string folder);

    [LoggerMessage(4006, LogLevel.Warning, "School {SchoolId} has no headteacher (role or Reports:HeadteacherEmail); monthly summary skipped")]
    public static partial void NoHeadteacher(ILogger logger, string schoolId);

    [LoggerMessage(4009, LogLevel.Debug, "Report for {Recipient} rendered: {HtmlBytes} bytes of HTML, {CsvRows} CSV rows")]
    public static partial void ReportRendered(ILogger logger, string recipient, int htmlBytes, int csvRows);

    [LoggerMessage(4011, LogLevel.Information, "Report archive purge {Verb} {Files} file(s) and {Folders} folder(s) past the {Days}-day window; audit event {AuditEventId}")]
    public static partial void ArchivePurged(ILogger logger, string verb, int files, int folders, int days, long auditEventId);
}
