using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CoppiceMonitor.Reports.Rendering;
using CoppiceMonitor.Storage.Reporting;

namespace CoppiceMonitor.Reports.Delivery;

/// <summary>
/// A rendered report's row in Storage's <see cref="ReportRunTable"/>: the run key that makes a report idempotent
/// (kind, school, period, recipient) and the stable Message-Id derived from it.
/// </summary>
public sealed class ReportRunStore(ReportRunTable table)
{
    public static string RunKey(ReportKind kind, string schoolId, ReportPeriod period, string? recipientStaffId, string recipientEmail) =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"{kind.ToString().ToLowerInvariant()}|{schoolId}|{period}|{(string.IsNullOrEmpty(recipientStaffId) ? recipientEmail.ToLowerInvariant() : recipientStaffId)}");

    /// <summary>A stable Message-Id for a run key: the same report always carries the same id.</summary>
    public static string MessageIdFor(string runKey)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(runKey));
        return Convert.ToHexStringLower(hash.AsSpan(0, 16)) + "@coppicemonitor.report";
    }

    public static string KindName(ReportKind kind) => kind switch
    {
        ReportKind.LineManager => "line-manager",
        ReportKind.Headteacher => "headteacher",
        _ => kind.ToString(),
    };

    public ReportRunTable Table => table;

    /// <summary>Claims the report for this run unless it was sent or archived, or another run holds an unexpired claim.</summary>
    public Task<ReportClaim> TryClaimAsync(RenderedReport report, TimeSpan lease, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        var runKey = RunKey(report.Kind, report.SchoolId, report.Period, report.RecipientStaffId, report.RecipientEmail);
        return table.TryClaimAsync(
            new ReportRunClaimRequest(runKey, report.SchoolId, KindName(report.Kind), report.Period.From, report.Period.To,
                report.RecipientStaffId, report.RecipientEmail, report.Subject, MessageIdFor(runKey)),
            lease, cancellationToken);
    }

    /// <summary>Marks the report delivered (sent or archived) and keeps the rendered content with the run.</summary>
    public Task MarkDoneAsync(long id, string status, RenderedReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        return table.MarkDoneAsync(id, status, report.Html, report.Text, Encoding.UTF8.GetString(report.Csv), cancellationToken);
    }

    public Task RecordAttemptFailedAsync(long id, string error, TimeSpan lease, CancellationToken cancellationToken) =>
        table.RecordAttemptFailedAsync(id, error, lease, cancellationToken);

    public Task MarkFailedAsync(long id, string error, CancellationToken cancellationToken) => table.MarkFailedAsync(id, error, cancellationToken);

    /// <summary>Runs whose last run gave up (status failed), newest first, for `status`.</summary>
    public Task<IReadOnlyList<ReportRunRecord>> GetFailedAsync(CancellationToken cancellationToken) => table.GetFailedAsync(cancellationToken);
}
