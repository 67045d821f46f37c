using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace CoppiceMonitor.Storage;

/// <summary>A table partitioned by UTC day on one timestamptz column.</summary>
public sealed record PartitionedTable(string Name, string Column)
{
    public static PartitionedTable Observations { get; } = new("observations", "ts");
    public static PartitionedTable Visits { get; } = new("visits", "start_utc");
    public static IReadOnlyList<PartitionedTable> All { get; } = [Observations, Visits];

    public string DefaultPartition => Name + "_default";

    public string PartitionName(DateOnly day) => string.Create(CultureInfo.InvariantCulture, $"{Name}_p{day:yyyyMMdd}");

    internal static string Bound(DateOnly day) =>
        day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + " 00:00:00+00";
}

public sealed record PartitionMaintenanceResult(int PartitionsCreated, long StragglersMoved);

/// <summary>
/// Keeps day partitions of observations and visits ahead of time so inserts land in a real day partition, and
/// empties the default partition (which only catches rows for days without a partition) into the right day.
/// Run at service start and daily; safe to run concurrently with ingest and to re-run.
/// </summary>
public sealed class PartitionMaintainer(NpgsqlDataSource dataSource, TimeProvider timeProvider, ILogger<PartitionMaintainer>? logger = null)
{
    private readonly ILogger _logger = logger ?? (ILogger)NullLogger.Instance;

    /// <summary>
    /// Creates partitions for yesterday (late arrivals) through today + <paramref name="horizonDays"/>, then moves
    /// every row in the default partitions into a partition of its own day.
    /// </summary>
    public async Task<PartitionMaintenanceResult> RunAsync(int horizonDays, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(horizonDays);
        var today = DateOnly.FromDateTime(timeProvider.GetUtcNow().UtcDateTime);
        var created = 0;
        long moved = 0;
        foreach (var table in PartitionedTables)
        {
            var existing = await ListPartitionsAsync(table, cancellationToken).ConfigureAwait(false);
            for (var day = today.AddDays(-1); day <= today.AddDays(horizonDays); day = day.AddDays(1))
            {
                if (!existing.Contains(day))
                {
                    moved += await CreatePartitionAsync(table, day, cancellationToken).ConfigureAwait(false);
                    created++;
                }
            }

            foreach (var day in await StragglerDaysAsync(table, cancellationToken).ConfigureAwait(false))
            {
                moved += await CreatePartitionAsync(table, day, cancellationToken).ConfigureAwait(false);
                created++;
            }
        }

        Log.PartitionsMaintained(_logger, created, moved);
        return new PartitionMaintenanceResult(created, moved);
    }

    /// <summary>The days that have a partition of <paramref name="table"/>.</summary>
    public async Task<SortedSet<DateOnly>> ListPartitionsAsync(PartitionedTable table, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(table);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await ReadPartitionDaysAsync(connection, null, table, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The days that have a partition of <paramref name="table"/>, on a connection (and transaction) the caller holds.</summary>
    internal static async Task<SortedSet<DateOnly>> ReadPartitionDaysAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction,
        PartitionedTable table, CancellationToken cancellationToken)
    {
        var days = new SortedSet<DateOnly>();
        await using var command = new NpgsqlCommand("""
            SELECT c.relname FROM pg_inherits i
            JOIN pg_class c ON c.oid = i.inhrelid
            JOIN pg_class p ON p.oid = i.inhparent
            WHERE p.relname = $1 AND p.relnamespace = to_regnamespace(current_schema())::oid
            """, connection, transaction);
        command.Parameters.AddWithValue(table.Name);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var prefix = table.Name + "_p";
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var name = reader.GetString(0);
            if (name.StartsWith(prefix, StringComparison.Ordinal)
                && DateOnly.TryParseExact(name[prefix.Length..], "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            {
                days.Add(day);
            }
        }

        return days;
    }

    /// <summary>Creates the partition of one day if missing (e.g. before importing historical rows); returns rows moved in.</summary>
    public Task<long> EnsurePartitionAsync(PartitionedTable table, DateOnly day, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(table);
        return CreatePartitionAsync(table, day, cancellationToken);
    }

    internal static IReadOnlyList<PartitionedTable> PartitionedTables => PartitionedTable.All;

    private async Task<List<DateOnly>> StragglerDaysAsync(PartitionedTable table, CancellationToken cancellationToken)
    {
        var days = new List<DateOnly>();
        await using var command = dataSource.CreateCommand(
            $"SELECT DISTINCT ({table.Column} AT TIME ZONE 'UTC')::date FROM {table.DefaultPartition} ORDER BY 1");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            days.Add(DateOnly.FromDateTime(reader.GetDateTime(0)));
        }

        return days;
    }

    /// <summary>
    /// Creates the day's partition. Rows of that day already in the default partition would make the CREATE fail,
    /// so they are lifted out first and put back through the parent, all in one transaction.
    /// </summary>
    private async Task<long> CreatePartitionAsync(PartitionedTable table, DateOnly day, CancellationToken cancellationToken)
    {
        var from = PartitionedTable.Bound(day);
        var to = PartitionedTable.Bound(day.AddDays(1));
        var partition = table.PartitionName(day);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var exists = new NpgsqlCommand("SELECT to_regclass($1) IS NOT NULL", connection, transaction))
        {
            exists.Parameters.AddWithValue(partition);
            // Another maintainer (a second node) may have created it meanwhile.
            if ((bool)(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
            {
                return 0;
            }
        }

        var sql = $"""
            LOCK TABLE {table.DefaultPartition} IN SHARE ROW EXCLUSIVE MODE;
            CREATE TEMP TABLE coppice_moving (LIKE {table.Name}) ON COMMIT DROP;
            WITH m AS (DELETE FROM {table.DefaultPartition} WHERE {table.Column} >= '{from}' AND {table.Column} < '{to}' RETURNING *)
            INSERT INTO coppice_moving SELECT * FROM m;
            CREATE TABLE {partition} PARTITION OF {table.Name} FOR VALUES FROM ('{from}') TO ('{to}');
            INSERT INTO {table.Name} SELECT * FROM coppice_moving;
            """;
        await using (var command = new NpgsqlCommand(sql, connection, transaction))
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        long moved;
        await using (var count = new NpgsqlCommand($"SELECT count(*) FROM {partition}", connection, transaction))
        {
            moved = (long)(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return moved;
    }
}
