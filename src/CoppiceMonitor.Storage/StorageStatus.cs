using Npgsql;

namespace CoppiceMonitor.Storage;

/// <summary>One Quartz trigger as `status` shows it: fire times in UTC, null when never or not scheduled.</summary>
public sealed record ScheduledJobStatus(string JobName, string State, DateTime? LastFireUtc, DateTime? NextFireUtc);

/// <summary>What `status` shows of the database: counts and times only, nothing personal. Null: nothing yet.</summary>
public sealed record StorageStatus(
    DateTime? LastBatchWrittenUtc,
    DateTime? NewestObservationUtc,
    DateTime? OldestObservationUtc,
    DateTime? OldestVisitUtc,
    long Visits,
    long OpenInvestigations,
    DateTime? LastPurgeUtc,
    DateTime? LastReportRunUtc,
    IReadOnlyList<ScheduledJobStatus> Jobs)
{
    /// <summary>Reads the status; a table or column an older schema lacks reads as "nothing" rather than failing.</summary>
    public static async Task<StorageStatus> ReadAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        return new StorageStatus(
            await ScalarAsync<DateTime?>(dataSource, "SELECT max(written_utc) FROM ingest_batches", cancellationToken).ConfigureAwait(false),
            await ScalarAsync<DateTime?>(dataSource, "SELECT max(ts) FROM observations", cancellationToken).ConfigureAwait(false),
            await ScalarAsync<DateTime?>(dataSource, "SELECT min(ts) FROM observations", cancellationToken).ConfigureAwait(false),
            await ScalarAsync<DateTime?>(dataSource, "SELECT min(start_utc) FROM visits", cancellationToken).ConfigureAwait(false),
            await ScalarAsync<long?>(dataSource, "SELECT count(*) FROM visits", cancellationToken).ConfigureAwait(false) ?? 0,
            await ScalarAsync<long?>(dataSource, "SELECT count(*) FROM investigations WHERE closed_utc IS NULL", cancellationToken).ConfigureAwait(false) ?? 0,
            await ScalarAsync<DateTime?>(dataSource, "SELECT max(occurred_utc) FROM audit_events WHERE action ILIKE '%purge%'", cancellationToken).ConfigureAwait(false),
            await ScalarAsync<DateTime?>(dataSource, "SELECT max(created_utc) FROM report_runs", cancellationToken).ConfigureAwait(false),
            await JobsAsync(dataSource, cancellationToken).ConfigureAwait(false));
    }

    private static async Task<IReadOnlyList<ScheduledJobStatus>> JobsAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var jobs = new List<ScheduledJobStatus>();
        try
        {
            await using var command = dataSource.CreateCommand(
                "SELECT job_name, trigger_state, prev_fire_time, next_fire_time FROM qrtz_triggers ORDER BY job_name");
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                jobs.Add(new ScheduledJobStatus(reader.GetString(0), reader.GetString(1), Ticks(reader.GetValue(2)), Ticks(reader.GetValue(3))));
            }
        }
        catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.UndefinedColumn or PostgresErrorCodes.UndefinedTable)
        {
            // No scheduler tables yet: no jobs to show.
        }

        return jobs;
    }

    // Quartz stores fire times as .NET ticks (UTC).
    private static DateTime? Ticks(object value) => value is long t && t > 0 ? new DateTime(t, DateTimeKind.Utc) : null;

    private static async Task<T?> ScalarAsync<T>(NpgsqlDataSource dataSource, string sql, CancellationToken cancellationToken)
    {
        try
        {
            await using var command = dataSource.CreateCommand(sql);
            var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return value is null or DBNull ? default : (T)value;
        }
        catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.UndefinedColumn or PostgresErrorCodes.UndefinedTable)
        {
            // An older schema: show what is there rather than fail the whole status.
            return default;
        }
    }
}
