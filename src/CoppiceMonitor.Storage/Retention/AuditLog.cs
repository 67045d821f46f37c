using System.Text.Json;
using CoppiceMonitor.Storage.Entities;
using Npgsql;
using NpgsqlTypes;

namespace CoppiceMonitor.Storage.Retention;

/// <summary>One audit entry: who did what, when, why, to whom, how many rows. Details hold counts, never content.</summary>
public sealed record AuditEntry(
    string Actor,
    string Action,
    string? Reason = null,
    string? SchoolId = null,
    long? InvestigationId = null,
    string? SubjectStaffId = null,
    long? RowCount = null,
    IReadOnlyDictionary<string, long>? Counts = null);

/// <summary>Well-known audit actions.</summary>
public static class AuditActions
{
    public const string Purge = "retention.purge";
    public const string PurgeDryRun = "retention.purge.dry-run";
    public const string InvestigationOpen = "investigation.open";
    public const string InvestigationClose = "investigation.close";
    public const string InvestigationRead = "investigation.read";
    public const string InvestigationExport = "investigation.export";
    public const string DetailRead = "detail.read";
    public const string InvestigationNote = "investigation.note";
    public const string SubjectAccess = "subject-access";
    public const string AuditRead = "audit.read";
}

/// <summary>
/// Append-only audit trail (audit_events): rows go in through audit_append only, which records the database login
/// beside the account and chains each row to the previous one by hash (<see cref="AuditChainVerifier"/>).
/// </summary>
public sealed class AuditLog(NpgsqlDataSource dataSource, TimeProvider timeProvider)
{
    public async Task<long> WriteAsync(AuditEntry entry, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await WriteAsync(entry, connection, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes inside the caller's transaction, so the audit row commits or rolls back with the action.</summary>
    public async Task<long> WriteAsync(AuditEntry entry, NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        // The only way in: audit_append (SECURITY DEFINER, owned by the NOLOGIN audit owner) records the login and
        // chains the row's hash; no login holds INSERT on audit_events.
        await using var command = new NpgsqlCommand(
            "SELECT audit_append($1, $2, $3, $4, $5, $6, $7, $8, $9)", connection, transaction);
        command.Parameters.AddWithValue(NpgsqlDbType.TimestampTz, timeProvider.GetUtcNow().UtcDateTime);
        command.Parameters.AddWithValue(entry.Actor);
        command.Parameters.AddWithValue(entry.Action);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)entry.Reason ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)entry.SchoolId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)entry.InvestigationId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)entry.SubjectStaffId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)entry.RowCount ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter
        {
            Value = entry.Counts is null ? DBNull.Value : JsonSerializer.Serialize(entry.Counts),
            NpgsqlDbType = NpgsqlDbType.Jsonb,
        });
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>Audit rows in time order, optionally of one action.</summary>
    public async Task<IReadOnlyList<AuditEventRow>> ListAsync(DateTime fromUtc, DateTime toUtc, string? action = null, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT id, occurred_utc, actor, action, reason, school_id, investigation_id, subject_staff_id, row_count, details::text
            FROM audit_events WHERE occurred_utc >= $1 AND occurred_utc < $2 AND ($3::text IS NULL OR action = $3)
            ORDER BY id
            """);
        command.Parameters.AddWithValue(fromUtc);
        command.Parameters.AddWithValue(toUtc);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)action ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        var rows = new List<AuditEventRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new AuditEventRow
            {
                Id = reader.GetInt64(0),
                OccurredUtc = reader.GetDateTime(1),
                Actor = reader.GetString(2),
                Action = reader.GetString(3),
                Reason = reader.IsDBNull(4) ? null : reader.GetString(4),
                SchoolId = reader.IsDBNull(5) ? null : reader.GetString(5),
                InvestigationId = reader.IsDBNull(6) ? null : reader.GetInt64(6),
                SubjectStaffId = reader.IsDBNull(7) ? null : reader.GetString(7),
                RowCount = reader.IsDBNull(8) ? null : reader.GetInt64(8),
                Details = reader.IsDBNull(9) ? null : JsonDocument.Parse(reader.GetString(9)),
            });
        }

        return rows;
    }
}
