using Npgsql;

namespace CoppiceMonitor.Storage.Retention;

/// <summary>A note an investigator added to an investigation (case notes are personal data: held with it, audited).</summary>
public sealed record InvestigationNote(long Id, long InvestigationId, string Author, DateTime WrittenUtc, string Body);

/// <summary>Case notes on investigations (table investigation_notes). Adding one writes an audit row in the same transaction.</summary>
public sealed class InvestigationNotes(NpgsqlDataSource dataSource, AuditLog auditLog, TimeProvider timeProvider)
{
    public const int MaxLength = 8000;

    /// <summary>Adds a note to an open investigation of the school. False when there is no such open investigation.</summary>
    public async Task<bool> AddAsync(long investigationId, string schoolId, string author, string body, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(author);
        ArgumentException.ThrowIfNullOrWhiteSpace(body);
        if (body.Length > MaxLength)
        {
            throw new ArgumentException($"a note is at most {MaxLength} characters", nameof(body));
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        string staffId;
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO investigation_notes (investigation_id, author, written_utc, body)
            SELECT id, $3, $4, $5 FROM investigations WHERE id = $1 AND school_id = $2 AND closed_utc IS NULL
            RETURNING (SELECT staff_id FROM investigations WHERE id = $1)
            """, connection, transaction))
        {
            insert.Parameters.AddWithValue(investigationId);
            insert.Parameters.AddWithValue(schoolId);
            insert.Parameters.AddWithValue(author);
            insert.Parameters.AddWithValue(timeProvider.GetUtcNow().UtcDateTime);
            insert.Parameters.AddWithValue(body.Trim());
            var result = await insert.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            if (result is not string s)
            {
                return false;
            }

            staffId = s;
        }

        await auditLog.WriteAsync(new AuditEntry(author, AuditActions.InvestigationNote, "note added", schoolId, investigationId, staffId, 1),
            connection, transaction, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>The investigation's notes, oldest first (shown only on its audited detail page).</summary>
    public async Task<IReadOnlyList<InvestigationNote>> ListAsync(long investigationId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT id, investigation_id, author, written_utc, body FROM investigation_notes WHERE investigation_id = $1 ORDER BY id");
        command.Parameters.AddWithValue(investigationId);
        var rows = new List<InvestigationNote>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new InvestigationNote(reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2), reader.GetDateTime(3), reader.GetString(4)));
        }

        return rows;
    }
}
