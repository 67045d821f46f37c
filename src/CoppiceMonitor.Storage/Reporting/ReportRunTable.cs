using Npgsql;
using NpgsqlTypes;

namespace CoppiceMonitor.Storage.Reporting;

/// <summary>Status values stored in report_runs.status.</summary>
public static class ReportRunStatus
{
    /// <summary>Claimed by a run that is sending it now (or died doing so: see the lease).</summary>
    public const string Sending = "sending";

    public const string Sent = "sent";

    /// <summary>Folder delivery: written to the archive, not mailed.</summary>
    public const string Archived = "archived";

    /// <summary>Every attempt of a run failed; the next run (scheduled or by hand) tries again.</summary>
    public const string Failed = "failed";
}

/// <summary>One row of report_runs as `status` shows it.</summary>
public sealed record ReportRunRecord(
    string RunKey,
    string SchoolId,
    string Kind,
    DateOnly PeriodStart,
    DateOnly PeriodEnd,
    string? RecipientStaffId,
    string? RecipientEmail,
    string Status,
    int Attempts,
    string? Error,
    string? MessageId,
    DateTime CreatedUtc,
    DateTime? CompletedUtc);

/// <summary>What a run asks to claim: the report's key, whom it goes to, and the Message-Id it will carry.</summary>
public sealed record ReportRunClaimRequest(
    string RunKey,
    string SchoolId,
    string Kind,
    DateOnly PeriodStart,
    DateOnly PeriodEnd,
    string? RecipientStaffId,
    string RecipientEmail,
    string Subject,
    string MessageId);

/// <summary>The outcome of trying to claim a report for sending.</summary>
public sealed record ReportClaim(bool Claimed, long Id, string MessageId, int Attempts, string Status);

/// <summary>
/// Idempotent report runs. Each report (kind, school, period, recipient) has one row keyed by run_key (unique): a run
/// claims it with an atomic upsert, so two instances or a retried job never both send it; a claim expires after a
/// lease, so a report whose sender died is picked up by the next run; failed reports are claimable again.
/// The window between a successful SMTP send and the "sent" update is the one at-least-once gap; the stored
/// Message-Id makes a duplicate recognisable.
/// </summary>
public sealed class ReportRunTable(NpgsqlDataSource dataSource, TimeProvider timeProvider)
{
    /// <summary>
    /// Claims the report for this run unless it was sent or archived, or another run holds an unexpired claim.
    /// </summary>
    public async Task<ReportClaim> TryClaimAsync(ReportRunClaimRequest request, TimeSpan lease, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var now = timeProvider.GetUtcNow().UtcDateTime;
        await using var command = dataSource.CreateCommand("""
            INSERT INTO report_runs (run_key, school_id, kind, period_start, period_end, recipient_staff_id, recipient_email,
                                     status, attempts, created_utc, subject, message_id, lease_until)
            VALUES (@key, @school, @kind, @from, @to, @staff, @email, 'sending', 0, @now, @subject, @messageId, @lease)
            ON CONFLICT (run_key) DO UPDATE SET status = 'sending', lease_until = EXCLUDED.lease_until, error = NULL
                WHERE report_runs.status = 'failed'
                   OR (report_runs.status = 'sending' AND (report_runs.lease_until IS NULL OR report_runs.lease_until < @now))
            RETURNING id, coalesce(message_id, @messageId), attempts
            """);
        command.Parameters.AddWithValue("key", request.RunKey);
        command.Parameters.AddWithValue("school", request.SchoolId);
        command.Parameters.AddWithValue("kind", request.Kind);
        command.Parameters.AddWithValue("from", request.PeriodStart);
        command.Parameters.AddWithValue("to", request.PeriodEnd);
        command.Parameters.AddWithValue("staff", (object?)request.RecipientStaffId ?? DBNull.Value);
        command.Parameters.AddWithValue("email", request.RecipientEmail);
        command.Parameters.AddWithValue("now", NpgsqlDbType.TimestampTz, now);
        command.Parameters.AddWithValue("subject", request.Subject);
        command.Parameters.AddWithValue("messageId", request.MessageId);
        command.Parameters.AddWithValue("lease", NpgsqlDbType.TimestampTz, now + lease);
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return new ReportClaim(true, reader.GetInt64(0), reader.GetString(1), reader.GetInt32(2), ReportRunStatus.Sending);
            }
        }

        var existing = await GetAsync(request.RunKey, cancellationToken).ConfigureAwait(false);
        return new ReportClaim(false, 0, existing?.MessageId ?? request.MessageId, existing?.Attempts ?? 0, existing?.Status ?? "unknown");
    }

    /// <summary>Records one failed attempt and extends the claim so the retry is not taken over mid-way.</summary>
    public async Task RecordAttemptFailedAsync(long id, string error, TimeSpan lease, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow().UtcDateTime;
        await using var command = dataSource.CreateCommand(
            "UPDATE report_runs SET attempts = attempts + 1, error = @error, lease_until = @lease WHERE id = @id");
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("error", Truncate(error));
        command.Parameters.AddWithValue("lease", NpgsqlDbType.TimestampTz, now + lease);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task MarkFailedAsync(long id, string error, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE report_runs SET status = 'failed', error = @error, lease_until = NULL WHERE id = @id");
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("error", Truncate(error));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Marks the report delivered (sent or archived) and keeps the rendered content with the run.</summary>
    public async Task MarkDoneAsync(long id, string status, string html, string text, string csv, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow().UtcDateTime;
        await using var command = dataSource.CreateCommand("""
            UPDATE report_runs
            SET status = @status, attempts = attempts + 1, error = NULL, completed_utc = @now, lease_until = NULL,
                html_body = @html, text_body = @text, csv = @csv
            WHERE id = @id
            """);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("status", status);
        command.Parameters.AddWithValue("now", NpgsqlDbType.TimestampTz, now);
        command.Parameters.AddWithValue("html", html);
        command.Parameters.AddWithValue("text", text);
        command.Parameters.AddWithValue("csv", csv);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<ReportRunRecord?> GetAsync(string runKey, CancellationToken cancellationToken)
    {
        var rows = await QueryAsync("WHERE run_key = @key", runKey, 1, cancellationToken).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    /// <summary>The latest runs, newest first, for `coppice-monitor status`.</summary>
    public Task<IReadOnlyList<ReportRunRecord>> GetRecentAsync(int limit, CancellationToken cancellationToken) =>
        QueryAsync(string.Empty, null, limit, cancellationToken);

    /// <summary>Runs whose last run gave up (status failed), newest first, for `status`.</summary>
    public Task<IReadOnlyList<ReportRunRecord>> GetFailedAsync(CancellationToken cancellationToken) =>
        QueryAsync("WHERE status = 'failed'", null, 1000, cancellationToken);

    private async Task<IReadOnlyList<ReportRunRecord>> QueryAsync(string where, string? runKey, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT run_key, school_id, kind, period_start, period_end, recipient_staff_id, recipient_email, status, attempts,
                   error, message_id, created_utc, completed_utc
            FROM report_runs {where}
            ORDER BY created_utc DESC, id DESC
            LIMIT @limit
            """);
        command.Parameters.AddWithValue("limit", limit);
        if (runKey is not null)
        {
            command.Parameters.AddWithValue("key", runKey);
        }

        var rows = new List<ReportRunRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new ReportRunRecord(
                reader.GetString(0),
                reader.GetString(1),
                reader.GetString(2),
                reader.GetFieldValue<DateOnly>(3),
                reader.GetFieldValue<DateOnly>(4),
                reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetString(6),
                reader.GetString(7),
                reader.GetInt32(8),
                reader.IsDBNull(9) ? null : reader.GetString(9),
                reader.IsDBNull(10) ? null : reader.GetString(10),
                reader.GetFieldValue<DateTime>(11),
                reader.IsDBNull(12) ? null : reader.GetFieldValue<DateTime>(12)));
        }

        return rows;
    }

    private static string Truncate(string error) => error.Length <= 2000 ? error : error[..2000];
}
