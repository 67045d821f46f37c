using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace CoppiceMonitor.Storage.Retention;

/// <summary>The outcome of checking the audit hash chain: the first row that breaks it, if any, and why.</summary>
public sealed record AuditChainReport(long RowsChecked, long PurgedRowsSpanned, long? FirstBadId, string? Problem)
{
    public bool IsIntact => Problem is null;
}

/// <summary>
/// Recomputes the audit hash chain in this process (not with a database function a superuser could replace) from
/// the rows' text: row_hash = sha256(prev_hash || canonical row), where the canonical row is each field as
/// "byte-length:text" or "-" for NULL, joined by '|' (the same form audit_row_digest uses when the row goes in).
/// Walking in id order it names the first row that was edited (its hash no longer matches), whose predecessor was
/// removed outside the retention purge (its prev_hash matches no earlier row), or a cut tail (the head no longer
/// matches the newest row). Rows the purge removed left their hashes in audit_purged, so the chain spans them.
/// </summary>
public sealed class AuditChainVerifier(NpgsqlDataSource dataSource)
{
    private static readonly byte[] Genesis = new byte[32];

    public async Task<AuditChainReport> VerifyAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        // One snapshot for the rows, the purged hashes and the head.
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken)
            .ConfigureAwait(false);
        var purged = new SortedDictionary<long, byte[]>();
        await using (var command = new NpgsqlCommand("SELECT id, row_hash FROM audit_purged ORDER BY id", connection, transaction))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                purged[reader.GetInt64(0)] = reader.GetFieldValue<byte[]>(1);
            }
        }

        long? headId;
        byte[] headHash;
        await using (var command = new NpgsqlCommand("SELECT head_id, head_hash FROM audit_chain_head", connection, transaction))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return new AuditChainReport(0, 0, null, "the chain head (audit_chain_head) is missing");
            }

            headId = reader.IsDBNull(0) ? null : reader.GetInt64(0);
            headHash = reader.GetFieldValue<byte[]>(1);
        }

        var previousHash = Genesis;
        long? previousId = null;
        long checkedRows = 0, spanned = 0;
        using var purgedOrder = purged.GetEnumerator();
        var purgedLeft = purgedOrder.MoveNext();
        await using (var command = new NpgsqlCommand("""
            SELECT id, prev_hash, row_hash, id::text,
                   to_char(occurred_utc AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
                   to_char(recorded_utc AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
                   actor, db_role, action, reason, school_id, investigation_id::text, subject_staff_id, row_count::text, details::text
            FROM audit_events ORDER BY 1
            """, connection, transaction))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var id = reader.GetInt64(0);
                // Purged rows before this one continue the chain with their recorded hashes.
                while (purgedLeft && purgedOrder.Current.Key < id)
                {
                    previousHash = purgedOrder.Current.Value;
                    previousId = purgedOrder.Current.Key;
                    spanned++;
                    purgedLeft = purgedOrder.MoveNext();
                }

                var prev = reader.IsDBNull(1) ? null : reader.GetFieldValue<byte[]>(1);
                var stored = reader.IsDBNull(2) ? null : reader.GetFieldValue<byte[]>(2);
                if (prev is null || stored is null)
                {
                    return new AuditChainReport(checkedRows, spanned, id, $"audit row {id} has no hash (written around audit_append)");
                }

                if (!prev.AsSpan().SequenceEqual(previousHash))
                {
                    var after = previousId is { } p ? $"row {p}" : "the start of the chain";
                    return new AuditChainReport(checkedRows, spanned, id,
                        $"audit row {id} does not follow {after}: a row between them was removed or the chain was rewritten");
                }

                var fields = new string?[12];
                for (var i = 0; i < fields.Length; i++)
                {
                    fields[i] = reader.IsDBNull(3 + i) ? null : reader.GetString(3 + i);
                }

                var computed = Digest(prev, fields);
                if (!computed.AsSpan().SequenceEqual(stored))
                {
                    return new AuditChainReport(checkedRows, spanned, id, $"audit row {id} was changed after it was written (its hash does not match)");
                }

                previousHash = stored;
                previousId = id;
                checkedRows++;
            }
        }

        while (purgedLeft)
        {
            previousHash = purgedOrder.Current.Value;
            previousId = purgedOrder.Current.Key;
            spanned++;
            purgedLeft = purgedOrder.MoveNext();
        }

        if (!headHash.AsSpan().SequenceEqual(previousHash) || headId != previousId)
        {
            return new AuditChainReport(checkedRows, spanned, headId,
                $"the newest audit row{(headId is { } h ? $" ({h})" : "")} is missing: the chain ends at {(previousId is { } p ? $"row {p}" : "no row")}");
        }

        return new AuditChainReport(checkedRows, spanned, null, null);
    }

    /// <summary>sha256(prev || UTF-8 of the canonical row), the form audit_row_digest computes in the database.</summary>
    public static byte[] Digest(byte[] previousHash, IReadOnlyList<string?> fields)
    {
        ArgumentNullException.ThrowIfNull(previousHash);
        ArgumentNullException.ThrowIfNull(fields);
        var canonical = string.Join('|', fields.Select(f => f is null ? "-" : Encoding.UTF8.GetByteCount(f).ToString(System.Globalization.CultureInfo.InvariantCulture) + ":" + f));
        var bytes = Encoding.UTF8.GetBytes(canonical);
        var buffer = new byte[previousHash.Length + bytes.Length];
        previousHash.CopyTo(buffer, 0);
        bytes.CopyTo(buffer, previousHash.Length);
        return SHA256.HashData(buffer);
    }
}
