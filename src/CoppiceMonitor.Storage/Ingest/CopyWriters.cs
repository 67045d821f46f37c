using CoppiceMonitor.Visits;
using Npgsql;
using NpgsqlTypes;

namespace CoppiceMonitor.Storage.Ingest;

/// <summary>What a batch write did: written now, or skipped because its id was already in ingest_batches.</summary>
public enum BatchWriteOutcome
{
    Written,
    AlreadyWritten,
}

/// <summary>Shared exactly-once frame: claim the batch id, copy the rows, commit both together.</summary>
public abstract class CopyWriterBase<TBatch>(NpgsqlDataSource dataSource, TimeProvider timeProvider)
    where TBatch : IngestBatch
{
    /// <summary>Test hook: called after each row is sent, to abandon a batch part-way like a crash would.</summary>
    internal Action<int>? RowWritten { get; set; }

    /// <summary>
    /// Writes the batch in one transaction with its id row. A batch whose id is already recorded (a replay, or a
    /// retry after a lost commit acknowledgement) is skipped. Throws on database failure; nothing is then written.
    /// </summary>
    public async Task<BatchWriteOutcome> WriteAsync(TBatch batch, bool fromSpool = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return await WriteCoreAsync(batch, fromSpool, cancellationToken).ConfigureAwait(false);
    }

    private async Task<BatchWriteOutcome> WriteCoreAsync(TBatch batch, bool fromSpool, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var claim = new NpgsqlCommand(
            "INSERT INTO ingest_batches (batch_id, kind, row_count, written_utc, from_spool) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (batch_id) DO NOTHING",
            connection, transaction))
        {
            claim.Parameters.AddWithValue(batch.BatchId);
            claim.Parameters.AddWithValue(batch.Kind);
            claim.Parameters.AddWithValue(batch.Count);
            claim.Parameters.AddWithValue(timeProvider.GetUtcNow().UtcDateTime);
            claim.Parameters.AddWithValue(fromSpool);
            // A concurrent writer of the same id blocks here on the unique index until it commits or rolls back.
            if (await claim.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
            {
                return BatchWriteOutcome.AlreadyWritten;
            }
        }

        await WriteRowsAsync(connection, transaction, batch, cancellationToken).ConfigureAwait(false);

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return BatchWriteOutcome.Written;
    }

    /// <summary>Sends the rows inside the batch's transaction.</summary>
    protected abstract Task WriteRowsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, TBatch batch,
        CancellationToken cancellationToken);

    protected void OnRowWritten(int index) => RowWritten?.Invoke(index);
}

/// <summary>
/// Binary COPY of a batch's rows into one table, formatted by <see cref="BinaryCopyBuffer"/> (each row's columns from
/// <see cref="WriteColumns"/>, then the batch id as the last column) and sent through a raw binary COPY stream:
/// NpgsqlBinaryImporter binds a parameter per field, which made the client about half the CPU of a COPY.
/// </summary>
public abstract class RowCopyWriter<TBatch, TRow>(NpgsqlDataSource dataSource, TimeProvider timeProvider)
    : CopyWriterBase<TBatch>(dataSource, timeProvider)
    where TBatch : IngestBatch<TRow>
{
    private const int FlushBytes = 64 * 1024;

    /// <summary>The COPY ... FROM STDIN (FORMAT BINARY) statement.</summary>
    protected abstract string CopyCommand { get; }

    /// <summary>Columns of the COPY command, batch_id included.</summary>
    protected abstract short ColumnCount { get; }

    /// <summary>Every column of the COPY command but the last (batch_id), in order.</summary>
    protected abstract void WriteColumns(BinaryCopyBuffer buffer, TRow row);

    protected sealed override async Task WriteRowsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, TBatch batch,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(batch);
        var stream = await connection.BeginRawBinaryCopyAsync(CopyCommand, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            try
            {
                await SendAsync(stream, batch, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                // Disposing a raw COPY stream completes the COPY; on a failure it must be aborted instead (and if the
                // connection is already gone, the original error is the one to report).
                try
                {
                    await stream.CancelAsync().ConfigureAwait(false);
                }
                catch (Exception cancelError) when (cancelError is NpgsqlException or IOException or InvalidOperationException)
                {
                }

                throw;
            }
        }
    }

    private async Task SendAsync(NpgsqlRawCopyStream stream, TBatch batch, CancellationToken cancellationToken)
    {
        var buffer = new BinaryCopyBuffer();
        buffer.Header();
        var rows = batch.Rows;
        for (var i = 0; i < rows.Count; i++)
        {
            buffer.StartRow(ColumnCount);
            WriteColumns(buffer, rows[i]);
            buffer.Uuid(batch.BatchId);
            // With the test hook armed every row goes out at once, so "killed after row N" means N rows sent.
            if (buffer.Length >= FlushBytes || RowWritten is not null)
            {
                await stream.WriteAsync(buffer.Written, cancellationToken).ConfigureAwait(false);
                buffer.Clear();
                OnRowWritten(i);
            }
        }

        buffer.Trailer();
        await stream.WriteAsync(buffer.Written, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>Binary COPY of observation batches into the day-partitioned observations table (the hot path).</summary>
public sealed class ObservationCopyWriter(NpgsqlDataSource dataSource, TimeProvider timeProvider)
    : RowCopyWriter<ObservationBatch, ObservationRecord>(dataSource, timeProvider)
{
    protected override string CopyCommand =>
        "COPY observations (school_id, ts, kind, client, client_mac, server, server_port, transport, vlan, name, detail, batch_id) FROM STDIN (FORMAT BINARY)";

    protected override short ColumnCount => 12;

    protected override void WriteColumns(BinaryCopyBuffer buffer, ObservationRecord row)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        ArgumentNullException.ThrowIfNull(row);
        buffer.Text(row.SchoolId);
        buffer.TimestampTz(row.TimestampUtc);
        buffer.Int2((short)row.Kind);
        buffer.Inet(row.Client);
        buffer.MacAddr(row.ClientMac);
        buffer.Inet(row.Server);
        buffer.Int4(row.ServerPort);
        buffer.Int2((short)row.Transport);
        buffer.Int4(row.Vlan);
        buffer.Text(row.Name);
        buffer.Jsonb(row.DetailJson);
    }
}

/// <summary>Binary COPY of visit batches into the day-partitioned visits table (ids from the sequence).</summary>
public sealed class VisitCopyWriter(NpgsqlDataSource dataSource, TimeProvider timeProvider)
    : RowCopyWriter<VisitBatch, Visit>(dataSource, timeProvider)
{
    protected override string CopyCommand =>
        "COPY visits (school_id, staff_id, device_id, service, category, start_utc, end_utc, active_seconds, directed_seconds, " +
        "break_seconds, non_directed_seconds, outside_hours_seconds, is_work_use, site_name, evidence_count, batch_id) FROM STDIN (FORMAT BINARY)";

    protected override short ColumnCount => 16;

    protected override void WriteColumns(BinaryCopyBuffer buffer, Visit row)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        ArgumentNullException.ThrowIfNull(row);
        buffer.Text(row.SchoolId);
        buffer.Text(row.StaffId);
        buffer.Text(row.DeviceId);
        buffer.Text(row.Service);
        buffer.Text(row.Category);
        buffer.TimestampTz(row.StartUtc);
        buffer.TimestampTz(row.EndUtc);
        buffer.Int4(row.ActiveSeconds);
        buffer.Int4(row.DirectedSeconds);
        buffer.Int4(row.BreakSeconds);
        buffer.Int4(row.NonDirectedSeconds);
        buffer.Int4(row.OutsideHoursSeconds);
        buffer.Bool(row.IsWorkUse);
        buffer.Text(row.SiteName);
        buffer.Int4(row.EvidenceCount);
    }
}

/// <summary>Binary COPY of DHCP lease batches into dhcp_leases (ids from the sequence).</summary>
public sealed class DhcpLeaseCopyWriter(NpgsqlDataSource dataSource, TimeProvider timeProvider)
    : RowCopyWriter<DhcpLeaseBatch, DhcpLeaseRecord>(dataSource, timeProvider)
{
    protected override string CopyCommand =>
        "COPY dhcp_leases (school_id, mac, address, hostname, start_utc, end_utc, batch_id) FROM STDIN (FORMAT BINARY)";

    protected override short ColumnCount => 7;

    protected override void WriteColumns(BinaryCopyBuffer buffer, DhcpLeaseRecord row)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        ArgumentNullException.ThrowIfNull(row);
        buffer.Text(row.SchoolId);
        buffer.MacAddr(row.Mac);
        buffer.Inet(row.Address);
        buffer.Text(row.Hostname);
        buffer.TimestampTz(row.StartUtc);
        buffer.TimestampTz(row.EndUtc);
    }
}

/// <summary>
/// Adds anonymous daily totals (a late addition for a key is summed into it, as the Visits pipeline emits them),
/// exactly once per batch like the COPY writers.
/// </summary>
public sealed class AnonymousUsageWriter(NpgsqlDataSource dataSource, TimeProvider timeProvider)
    : CopyWriterBase<AnonymousUsageBatch>(dataSource, timeProvider)
{
    protected override async Task WriteRowsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, AnonymousUsageBatch batch,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var rows = batch.Rows;
        await using var command = new NpgsqlCommand("""
            INSERT INTO anonymous_usage AS a (school_id, local_date, service, category, kind, active_seconds, devices)
            SELECT school_id, local_date, service, category, kind, sum(active_seconds), sum(devices)
            FROM unnest($1::text[], $2::date[], $3::text[], $4::text[], $5::smallint[], $6::bigint[], $7::int[])
                AS t(school_id, local_date, service, category, kind, active_seconds, devices)
            GROUP BY school_id, local_date, service, category, kind
            ON CONFLICT (school_id, local_date, service, category, kind) DO UPDATE SET
                active_seconds = a.active_seconds + excluded.active_seconds,
                devices = COALESCE(a.devices, 0) + COALESCE(excluded.devices, 0)
            """, connection, transaction);
        command.Parameters.AddWithValue(rows.Select(r => r.SchoolId).ToArray());
        command.Parameters.AddWithValue(rows.Select(r => r.LocalDate).ToArray());
        command.Parameters.AddWithValue(rows.Select(r => r.Service).ToArray());
        command.Parameters.AddWithValue(rows.Select(r => r.Category).ToArray());
        command.Parameters.AddWithValue(rows.Select(r => r.Kind).ToArray());
        command.Parameters.AddWithValue(rows.Select(r => (long)r.ActiveSeconds).ToArray());
        command.Parameters.AddWithValue(rows.Select(r => r.Devices).ToArray());
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
