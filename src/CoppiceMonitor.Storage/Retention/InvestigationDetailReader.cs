using CoppiceMonitor.Storage.Entities;
using Npgsql;

namespace CoppiceMonitor.Storage.Retention;

/// <summary>One observation behind an investigated person's visits (DNS, SNI, QUIC, HTTP Host...).</summary>
public sealed record EvidenceObservation(DateTime Ts, short Kind, string? Client, string? ClientMac, string? Server, int ServerPort, short Transport, string? Name);

/// <summary>Everything an investigation holds about its subject in its range.</summary>
public sealed record InvestigationDetail(InvestigationRow Investigation, IReadOnlyList<VisitRow> Visits, IReadOnlyList<EvidenceObservation> Observations);

/// <summary>
/// Reads an investigation's held detail (visits, live and held, and the observations from the person's registered
/// devices in the range) for the portal. Every read writes its audit row in the same transaction as the read: who,
/// which investigation, what was shown (action, purpose, counts).
/// </summary>
public sealed class InvestigationDetailReader(NpgsqlDataSource dataSource, AuditLog auditLog)
{
    /// <summary>Upper bound on observations returned by one read, so a long range cannot exhaust memory.</summary>
    public const int MaxObservations = 20_000;

    private const string InvestigationColumns = "SELECT " + InvestigationRowReader.Columns + " FROM investigations";

    private const string VisitColumns = "SELECT " + VisitRowReader.Columns;

    /// <summary>The investigation's record (who, why, range, state): not detail, not audited. Null outside the school.</summary>
    public async Task<InvestigationRow?> GetAsync(long id, string schoolId, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await GetAsync(connection, null, id, schoolId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads the detail and audits it as <paramref name="action"/> by <paramref name="actor"/>; <paramref name="shown"/>
    /// says what was shown (e.g. "portal detail page", "csv export"). Null when the investigation is not in the school.
    /// </summary>
    public async Task<InvestigationDetail?> ReadAsync(long id, string schoolId, string actor, string action, string shown,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actor);
        ArgumentException.ThrowIfNullOrWhiteSpace(action);
        ArgumentException.ThrowIfNullOrWhiteSpace(shown);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var inv = await GetAsync(connection, transaction, id, schoolId, cancellationToken).ConfigureAwait(false);
        if (inv is null)
        {
            return null;
        }

        var visits = await ReadVisitsAsync(connection, transaction, inv, cancellationToken).ConfigureAwait(false);
        var observations = await ReadObservationsAsync(connection, transaction, inv, cancellationToken).ConfigureAwait(false);
        await auditLog.WriteAsync(new AuditEntry(actor, action, shown, inv.SchoolId, inv.Id, inv.StaffId, visits.Count,
            new Dictionary<string, long> { ["visits"] = visits.Count, ["observations"] = observations.Count }),
            connection, transaction, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new InvestigationDetail(inv, visits, observations);
    }

    private static async Task<InvestigationRow?> GetAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, long id, string schoolId,
        CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"{InvestigationColumns} WHERE id = $1 AND school_id = $2", connection, transaction);
        command.Parameters.AddWithValue(id);
        command.Parameters.AddWithValue(schoolId);
        var rows = await InvestigationRowReader.ReadAllAsync(command, cancellationToken).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    private static async Task<List<VisitRow>> ReadVisitsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, InvestigationRow inv,
        CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"""
            SELECT * FROM (
                {VisitColumns} FROM visits WHERE school_id = $1 AND staff_id = $2 AND start_utc >= $3 AND start_utc < $4
                UNION
                {VisitColumns} FROM held_visits WHERE school_id = $1 AND staff_id = $2 AND start_utc >= $3 AND start_utc < $4
            ) v ORDER BY start_utc, id
            """, connection, transaction);
        AddRange(command, inv);
        return await VisitRowReader.ReadAllAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Observations from the person's registered staff devices: by MAC, by static address, or by an address a DHCP
    /// lease gave one of their MACs at that moment.
    /// </summary>
    private static async Task<List<EvidenceObservation>> ReadObservationsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        InvestigationRow inv, CancellationToken cancellationToken)
    {
        const string Match = """
            school_id = $1 AND ts >= $3 AND ts < $4 AND (
                client_mac IN (SELECT mac FROM devices d WHERE d.school_id = $1 AND d.staff_id = $2 AND d.kind = 0 AND d.mac IS NOT NULL)
                OR client IN (SELECT static_ip FROM devices d WHERE d.school_id = $1 AND d.staff_id = $2 AND d.kind = 0 AND d.static_ip IS NOT NULL)
                OR EXISTS (SELECT 1 FROM dhcp_leases l JOIN devices d ON d.school_id = l.school_id AND d.mac = l.mac
                           WHERE l.school_id = $1 AND d.staff_id = $2 AND d.kind = 0 AND l.address = o.client
                             AND l.start_utc <= o.ts AND (l.end_utc IS NULL OR l.end_utc > o.ts)))
            """;
        await using var command = new NpgsqlCommand($"""
            SELECT ts, kind, host(client), client_mac::text, host(server), server_port, transport, name FROM (
                SELECT ts, kind, client, client_mac, server, server_port, transport, name FROM observations o WHERE {Match}
                UNION ALL
                SELECT ts, kind, client, client_mac, server, server_port, transport, name FROM held_observations o WHERE {Match}
            ) x ORDER BY ts LIMIT {MaxObservations}
            """, connection, transaction);
        AddRange(command, inv);
        var rows = new List<EvidenceObservation>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new EvidenceObservation(reader.GetDateTime(0), reader.GetInt16(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetInt32(5),
                reader.GetInt16(6), reader.IsDBNull(7) ? null : reader.GetString(7)));
        }

        return rows;
    }

    private static void AddRange(NpgsqlCommand command, InvestigationRow inv)
    {
        command.Parameters.AddWithValue(inv.SchoolId);
        command.Parameters.AddWithValue(inv.StaffId);
        command.Parameters.AddWithValue(inv.FromUtc);
        command.Parameters.AddWithValue(inv.ToUtc);
    }
}
