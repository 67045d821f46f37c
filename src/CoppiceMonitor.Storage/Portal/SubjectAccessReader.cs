using CoppiceMonitor.Storage.Entities;
using CoppiceMonitor.Storage.Retention;
using Npgsql;

namespace CoppiceMonitor.Storage.Portal;

/// <summary>A registered device of the person (registry row).</summary>
public sealed record SubjectDevice(string DeviceId, string? Mac, string? Hostname, string? StaticIp, short Kind);

/// <summary>Per service: how many visits are held about the person, their minutes, first and last.</summary>
public sealed record SubjectServiceTotal(string Service, string Category, long Visits, long ActiveSeconds, DateTime First, DateTime Last);

/// <summary>Everything the product holds about one staff member (subject access, UK GDPR Art. 15).</summary>
public sealed record SubjectAccessData(
    StaffMember Person,
    IReadOnlyList<SubjectDevice> Devices,
    IReadOnlyList<SubjectServiceTotal> Services,
    IReadOnlyList<VisitRow> Visits,
    long Observations,
    long DhcpLeases,
    IReadOnlyList<InvestigationRow> Investigations,
    long ReportsAddressed,
    long AuditEventsAbout,
    bool HasPortalAccount);

/// <summary>
/// Collects everything held about one person of a school, and audits the request in the same transaction (who asked,
/// about whom, what was shown). Visits include held ones; observations and leases are counted, not listed (they hold
/// other people's addresses over time only through the person's own devices, but are bulky).
/// </summary>
public sealed class SubjectAccessReader(NpgsqlDataSource dataSource, AuditLog auditLog)
{
    private const string OwnDevices = "SELECT mac FROM devices d WHERE d.school_id = $1 AND d.staff_id = $2 AND d.mac IS NOT NULL";

    public async Task<SubjectAccessData?> ReadAsync(string schoolId, string staffId, string actor, string shown, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actor);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var person = await new StaffDirectory(dataSource).GetAsync(schoolId, staffId, cancellationToken).ConfigureAwait(false);
        if (person is null)
        {
            return null;
        }

        var devices = await ListAsync(connection, transaction, "SELECT device_id, mac::text, hostname, host(static_ip), kind FROM devices WHERE school_id = $1 AND staff_id = $2 ORDER BY device_id",
            schoolId, staffId, r => new SubjectDevice(r.GetString(0), Text(r, 1), Text(r, 2), Text(r, 3), r.GetInt16(4)), cancellationToken).ConfigureAwait(false);
        const string AllVisits = """
            SELECT id, device_id, service, category, start_utc, end_utc, active_seconds, directed_seconds, break_seconds,
                   non_directed_seconds, outside_hours_seconds, is_work_use, site_name, evidence_count
            FROM visits WHERE school_id = $1 AND staff_id = $2
            UNION
            SELECT id, device_id, service, category, start_utc, end_utc, active_seconds, directed_seconds, break_seconds,
                   non_directed_seconds, outside_hours_seconds, is_work_use, site_name, evidence_count
            FROM held_visits WHERE school_id = $1 AND staff_id = $2
            """;
        var visits = await ListAsync(connection, transaction, $"SELECT * FROM ({AllVisits}) v ORDER BY start_utc, id", schoolId, staffId, r => new VisitRow
        {
            Id = r.GetInt64(0), SchoolId = schoolId, StaffId = staffId, DeviceId = r.GetString(1), Service = r.GetString(2), Category = r.GetString(3),
            StartUtc = r.GetDateTime(4), EndUtc = r.GetDateTime(5), ActiveSeconds = r.GetInt32(6), DirectedSeconds = r.GetInt32(7),
            BreakSeconds = r.GetInt32(8), NonDirectedSeconds = r.GetInt32(9), OutsideHoursSeconds = r.GetInt32(10), IsWorkUse = r.GetBoolean(11),
            SiteName = Text(r, 12), EvidenceCount = r.GetInt32(13),
        }, cancellationToken).ConfigureAwait(false);
        var services = visits.GroupBy(v => (v.Service, v.Category))
            .Select(g => new SubjectServiceTotal(g.Key.Service, g.Key.Category, g.Count(), g.Sum(v => (long)v.ActiveSeconds), g.Min(v => v.StartUtc), g.Max(v => v.StartUtc)))
            .OrderByDescending(s => s.ActiveSeconds).ToList();
        var observations = await CountAsync(connection, transaction, $"""
            SELECT (SELECT count(*) FROM observations WHERE school_id = $1 AND client_mac IN ({OwnDevices}))
                 + (SELECT count(*) FROM held_observations WHERE school_id = $1 AND client_mac IN ({OwnDevices}))
            """, schoolId, staffId, cancellationToken).ConfigureAwait(false);
        var leases = await CountAsync(connection, transaction, $"SELECT count(*) FROM dhcp_leases WHERE school_id = $1 AND mac IN ({OwnDevices})",
            schoolId, staffId, cancellationToken).ConfigureAwait(false);
        var investigations = await ListAsync(connection, transaction,
            "SELECT id, from_utc, to_utc, reason, opened_by, opened_by_role, opened_utc, closed_utc FROM investigations WHERE school_id = $1 AND staff_id = $2 ORDER BY id",
            schoolId, staffId, r => new InvestigationRow
            {
                Id = r.GetInt64(0), SchoolId = schoolId, StaffId = staffId, FromUtc = r.GetDateTime(1), ToUtc = r.GetDateTime(2), Reason = r.GetString(3),
                OpenedBy = r.GetString(4), OpenedByRole = r.GetString(5), OpenedUtc = r.GetDateTime(6), ClosedUtc = r.IsDBNull(7) ? null : r.GetDateTime(7),
            }, cancellationToken).ConfigureAwait(false);
        var reports = await CountAsync(connection, transaction, "SELECT count(*) FROM report_runs WHERE school_id = $1 AND recipient_staff_id = $2",
            schoolId, staffId, cancellationToken).ConfigureAwait(false);
        var audit = await CountAsync(connection, transaction, "SELECT count(*) FROM audit_events WHERE school_id = $1 AND subject_staff_id = $2",
            schoolId, staffId, cancellationToken).ConfigureAwait(false);
        var account = await CountAsync(connection, transaction, "SELECT count(*) FROM portal_users WHERE school_id = $1 AND lower(email) = lower((SELECT email FROM staff WHERE school_id = $1 AND staff_id = $2))",
            schoolId, staffId, cancellationToken).ConfigureAwait(false);

        await auditLog.WriteAsync(new AuditEntry(actor, AuditActions.SubjectAccess, shown, schoolId, null, staffId, visits.Count,
            new Dictionary<string, long> { ["visits"] = visits.Count, ["observations"] = observations, ["investigations"] = investigations.Count }),
            connection, transaction, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new SubjectAccessData(person, devices, services, visits, observations, leases, investigations, reports, audit, account > 0);
    }

    private static string? Text(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static async Task<List<T>> ListAsync<T>(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, string schoolId, string staffId,
        Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.AddWithValue(schoolId);
        command.Parameters.AddWithValue(staffId);
        var rows = new List<T>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    private static async Task<long> CountAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, string schoolId, string staffId,
        CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.AddWithValue(schoolId);
        command.Parameters.AddWithValue(staffId);
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }
}
