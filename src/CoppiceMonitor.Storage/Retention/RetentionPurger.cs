using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace CoppiceMonitor.Storage.Retention;

/// <summary>What a purge removed (or would remove, for a dry run): counts per table, never content.</summary>
public sealed record PurgeResult(
    bool DryRun,
    IReadOnlyDictionary<string, long> Deleted,
    IReadOnlyDictionary<string, long> MovedToHeld,
    int PartitionsDropped,
    long AuditEventId)
{
    public long TotalDeleted => Deleted.Values.Sum();
}

/// <summary>
/// Enforces the retention windows (policy 10.4). Whole day partitions of observations and visits past every
/// school's window are dropped, after the rows an open investigation holds are moved to held_observations /
/// held_visits; rows past their own school's window in partitions that cannot go whole are deleted unless held;
/// held rows go once no open investigation covers them and they are past the window. Everything happens in one
/// transaction with an audit event carrying the counts. A dry run does the same and rolls it back, so its counts
/// are exactly what a real run would remove at that moment.
/// </summary>
public sealed class RetentionPurger(
    NpgsqlDataSource dataSource,
    IOptions<RetentionOptions> options,
    AuditLog auditLog,
    TimeProvider timeProvider,
    ILogger<RetentionPurger>? logger = null)
{
    private const string VisitColumns = VisitRowReader.Columns;
    private const string ObservationColumns = "school_id, ts, kind, client, client_mac, server, server_port, transport, vlan, name, detail, batch_id";

    private const string VisitHeld = """
        EXISTS (SELECT 1 FROM investigations i WHERE i.closed_utc IS NULL AND i.school_id = t.school_id
                AND i.staff_id = t.staff_id AND t.start_utc >= i.from_utc AND t.start_utc < i.to_utc)
        """;
    private const string ObservationHeld = """
        EXISTS (SELECT 1 FROM investigations i JOIN devices d ON d.school_id = i.school_id AND d.staff_id = i.staff_id
                WHERE i.closed_utc IS NULL AND i.school_id = t.school_id AND d.mac = t.client_mac
                AND t.ts >= i.from_utc AND t.ts < i.to_utc)
        """;
    private const string LeaseHeld = """
        EXISTS (SELECT 1 FROM investigations i JOIN devices d ON d.school_id = i.school_id AND d.staff_id = i.staff_id
                WHERE i.closed_utc IS NULL AND i.school_id = t.school_id AND d.mac = t.mac
                AND t.start_utc >= i.from_utc AND t.start_utc < i.to_utc)
        """;

    private readonly ILogger _logger = logger ?? (ILogger)NullLogger.Instance;

    public async Task<PurgeResult> PurgeAsync(bool dryRun = false, string actor = "retention", CancellationToken cancellationToken = default)
    {
        var opts = options.Value;
        var now = timeProvider.GetUtcNow().UtcDateTime;
        var today = DateOnly.FromDateTime(now);
        var deleted = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var moved = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var dropped = 0;

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var schools = await SchoolsAsync(connection, transaction, opts, cancellationToken).ConfigureAwait(false);

        foreach (var (table, kind, held, heldTable, columns) in new[]
                 {
                     (PartitionedTable.Observations, RetentionTable.Observations, ObservationHeld, "held_observations", ObservationColumns),
                     (PartitionedTable.Visits, RetentionTable.Visits, VisitHeld, "held_visits", VisitColumns),
                 })
        {
            var cutoffs = Cutoffs(opts, kind, schools, today);
            var dropBefore = DateOnly.FromDateTime(cutoffs.Min);
            long tableDeleted = 0, tableMoved = 0;
            foreach (var day in await PartitionMaintainer.ReadPartitionDaysAsync(connection, transaction, table, cancellationToken).ConfigureAwait(false))
            {
                if (day.AddDays(1) > dropBefore)
                {
                    continue;
                }

                var partition = table.PartitionName(day);
                long heldRows = 0;
                if (await AnyHoldOverlapsAsync(connection, transaction, day, cancellationToken).ConfigureAwait(false))
                {
                    heldRows = await ExecuteAsync(connection, transaction,
                        $"INSERT INTO {heldTable} ({columns}, held_utc) SELECT {columns}, $1 FROM {partition} t WHERE {held}" +
                        (heldTable == "held_visits" ? " ON CONFLICT (id) DO NOTHING" : ""),
                        cancellationToken, now).ConfigureAwait(false);
                }

                var total = await ScalarAsync(connection, transaction, $"SELECT count(*) FROM {partition}", cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(connection, transaction, $"DROP TABLE {partition}", cancellationToken).ConfigureAwait(false);
                dropped++;
                tableMoved += heldRows;
                tableDeleted += total - heldRows;
            }

            // What is left past a school's window sits in partitions other schools still need, or in the default
            // partition: delete row by row, never a held one.
            tableDeleted += await ExecuteAsync(connection, transaction,
                $"DELETE FROM {table.Name} t WHERE t.{table.Column} < $1 AND t.{table.Column} < {CutoffExpression("t", "$2", "$3", "$4")} AND NOT {held}",
                cancellationToken, cutoffs.Max, cutoffs.SchoolIds, cutoffs.SchoolCutoffs, cutoffs.Default).ConfigureAwait(false);
            deleted[table.Name] = tableDeleted;
            moved[table.Name] = tableMoved;

            // Held rows go once nothing holds them any more and they are past their window.
            var heldColumn = kind == RetentionTable.Visits ? "start_utc" : "ts";
            deleted[heldTable] = await ExecuteAsync(connection, transaction,
                $"DELETE FROM {heldTable} t WHERE t.{heldColumn} < {CutoffExpression("t", "$1", "$2", "$3")} AND NOT {held}",
                cancellationToken, cutoffs.SchoolIds, cutoffs.SchoolCutoffs, cutoffs.Default).ConfigureAwait(false);
        }

        // The tables without partitions: one DELETE each against its own window (per school).
        foreach (var (name, kind, condition) in new[]
                 {
                     ("dhcp_leases", RetentionTable.DhcpLeases, $"t.start_utc < @cutoff AND NOT {LeaseHeld}"),
                     ("anonymous_usage", RetentionTable.AnonymousUsage, "t.local_date < (@cutoff AT TIME ZONE 'UTC')::date"),
                     ("report_runs", RetentionTable.ReportRuns, "t.created_utc < @cutoff"),
                 })
        {
            var cutoffs = Cutoffs(opts, kind, schools, today);
            deleted[name] = await ExecuteAsync(connection, transaction,
                $"DELETE FROM {name} t WHERE " + condition.Replace("@cutoff", CutoffExpression("t", "$1", "$2", "$3"), StringComparison.Ordinal),
                cancellationToken, cutoffs.SchoolIds, cutoffs.SchoolCutoffs, cutoffs.Default).ConfigureAwait(false);
        }

        // Batch ids only matter while a spooled batch could still be replayed; keep them as long as any detail.
        var batchCutoff = Min(Cutoffs(opts, RetentionTable.Visits, schools, today).Min, Cutoffs(opts, RetentionTable.Observations, schools, today).Min);
        deleted["ingest_batches"] = await ExecuteAsync(connection, transaction,
            "DELETE FROM ingest_batches WHERE written_utc < $1", cancellationToken, batchCutoff).ConfigureAwait(false);

        // Only audit_purge (owned by the NOLOGIN audit owner) can delete audit rows, and never less than a year back;
        // it keeps each removed row's hash so the chain stays checkable.
        var auditCutoff = today.AddYears(-opts.AuditYears).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        deleted["audit_events"] = await ScalarAsync(connection, transaction, "SELECT audit_purge($1)", cancellationToken, auditCutoff)
            .ConfigureAwait(false);

        var counts = new Dictionary<string, long>(deleted, StringComparer.Ordinal);
        foreach (var (table, count) in moved)
        {
            counts["moved_to_held." + table] = count;
        }

        counts["partitions_dropped"] = dropped;
        var entry = new AuditEntry(actor, dryRun ? AuditActions.PurgeDryRun : AuditActions.Purge,
            RowCount: deleted.Values.Sum(), Counts: counts);
        long auditId;
        if (dryRun)
        {
            await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
            auditId = await auditLog.WriteAsync(entry, connection, null, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            auditId = await auditLog.WriteAsync(entry, connection, transaction, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        Log.PurgeCompleted(_logger, dryRun, deleted.Values.Sum(), moved.Values.Sum(), dropped);
        return new PurgeResult(dryRun, deleted, moved, dropped, auditId);
    }

    private static DateTime Min(DateTime a, DateTime b) => a < b ? a : b;

    /// <summary>Per-row cutoff: the row's school's own cutoff if it has one, else the default.</summary>
    private static string CutoffExpression(string alias, string ids, string cutoffs, string fallback) =>
        $"COALESCE((SELECT s.c FROM unnest({ids}::text[], {cutoffs}::timestamptz[]) AS s(id, c) WHERE s.id = {alias}.school_id), {fallback}::timestamptz)";

    private sealed record CutoffSet(string[] SchoolIds, DateTime[] SchoolCutoffs, DateTime Default)
    {
        public DateTime Min => SchoolCutoffs.Append(Default).Min();
        public DateTime Max => SchoolCutoffs.Append(Default).Max();
    }

    private static CutoffSet Cutoffs(RetentionOptions opts, RetentionTable table, IReadOnlyList<string> schools, DateOnly today)
    {
        // Cutoffs fall on UTC midnights so that whole days (partitions) expire together.
        static DateTime At(DateOnly day) => day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        var overridden = schools.Where(s => opts.Schools.ContainsKey(s)).ToArray();
        return new CutoffSet(overridden, [.. overridden.Select(s => At(today.AddDays(-opts.Days(table, s))))],
            At(today.AddDays(-opts.Days(table, null))));
    }

    private static async Task<IReadOnlyList<string>> SchoolsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        RetentionOptions opts, CancellationToken cancellationToken)
    {
        var schools = new SortedSet<string>(opts.Schools.Keys, StringComparer.Ordinal);
        await using var command = new NpgsqlCommand("SELECT school_id FROM schools", connection, transaction);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            schools.Add(reader.GetString(0));
        }

        return [.. schools];
    }

    private static async Task<bool> AnyHoldOverlapsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, DateOnly day,
        CancellationToken cancellationToken)
    {
        var from = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        return await ScalarAsync(connection, transaction,
            "SELECT count(*) FROM investigations WHERE closed_utc IS NULL AND from_utc < $2 AND to_utc > $1",
            cancellationToken, from, from.AddDays(1)).ConfigureAwait(false) > 0;
    }

    private static async Task<long> ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql,
        CancellationToken cancellationToken, params object[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        AddParameters(command, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<long> ScalarAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql,
        CancellationToken cancellationToken, params object[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        AddParameters(command, parameters);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static void AddParameters(NpgsqlCommand command, object[] parameters)
    {
        foreach (var p in parameters)
        {
            command.Parameters.Add(p switch
            {
                DateTime t => new NpgsqlParameter { Value = t, NpgsqlDbType = NpgsqlDbType.TimestampTz },
                DateTime[] ts => new NpgsqlParameter { Value = ts, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz },
                string[] ss => new NpgsqlParameter { Value = ss, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
                _ => new NpgsqlParameter { Value = p },
            });
        }
    }
}
