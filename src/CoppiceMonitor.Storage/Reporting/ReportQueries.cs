using CoppiceMonitor.Visits;
using Npgsql;
using NpgsqlTypes;

namespace CoppiceMonitor.Storage.Reporting;

/// <summary>A school row with its headteacher (the staff member with the Headteacher role, lowest staff id if several).</summary>
public sealed record SchoolRow(string SchoolId, string Name, string TimeZone, string? HeadteacherStaffId, string? HeadteacherName, string? HeadteacherEmail);

/// <summary>
/// One person, service and local date: summed visit minutes split by the school calendar's time buckets. The bucket
/// minutes add up to <see cref="MinutesTotal"/>; <see cref="MinutesWorkUse"/> is the part of the total that was use of
/// a service the person is authorised to use for work (policy section 5), and <see cref="MinutesDirectedWorkUse"/>
/// the part of that inside directed time.
/// </summary>
public sealed record StaffDailyUsage(
    string StaffId,
    string Service,
    string Category,
    DateOnly Date,
    double MinutesTotal,
    double MinutesDirected,
    double MinutesBreak,
    double MinutesNonDirected,
    double MinutesOutsideHours,
    double MinutesWorkUse,
    double MinutesDirectedWorkUse)
{
    public double MinutesPersonal => Math.Max(0, MinutesTotal - MinutesWorkUse);

    public double MinutesDirectedPersonal => Math.Max(0, MinutesDirected - MinutesDirectedWorkUse);
}

/// <summary>Anonymous minutes of one service and device kind over a period (kind -1: a device not in the registry).</summary>
public sealed record AnonymousUsageTotal(string Service, string Category, short Kind, double Minutes, int Devices);

/// <summary>
/// How much the figures could not see. Minutes from devices nobody registered cannot be attributed to a person;
/// minutes on connections whose site was hidden by Encrypted Client Hello, or on DNS-over-HTTPS resolvers (which hide
/// the device's lookups), cannot be named. Shares are of all observed minutes (staff and anonymous).
/// </summary>
public sealed record CoverageSummary(
    double AttributedMinutes,
    double AnonymousMinutes,
    double UnknownDeviceMinutes,
    double EncryptedClientHelloMinutes,
    double DnsOverHttpsMinutes)
{
    public double TotalMinutes => AttributedMinutes + AnonymousMinutes;

    public double UnattributedShare => TotalMinutes <= 0 ? 0 : UnknownDeviceMinutes / TotalMinutes;

    public double UnnamedShare => TotalMinutes <= 0 ? 0 : (EncryptedClientHelloMinutes + DnsOverHttpsMinutes) / TotalMinutes;
}

/// <summary>
/// The report aggregates, computed by PostgreSQL over the schema (schools, staff, visits, anonymous_usage) on the
/// reporting role's connections: visit-level rows never leave the database. Local dates are taken in the school's
/// zone inside SQL so a visit at 00:30 BST counts on the right day.
/// </summary>
public sealed class ReportQueries(NpgsqlDataSource dataSource)
{
    public async Task<IReadOnlyList<SchoolRow>> GetSchoolsAsync(CancellationToken cancellationToken)
    {
        const string sql = """
            SELECT s.school_id, s.name, s.time_zone, h.staff_id, h.display_name, h.email
            FROM schools s
            LEFT JOIN LATERAL (
                SELECT staff_id, display_name, email FROM staff
                WHERE staff.school_id = s.school_id AND (staff.roles & @role) <> 0
                ORDER BY staff_id LIMIT 1) h ON true
            ORDER BY s.school_id
            """;
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.AddWithValue("role", (int)StaffRoles.Headteacher);
        var schools = new List<SchoolRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            schools.Add(new SchoolRow(reader.GetString(0), reader.GetString(1), reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5)));
        }

        return schools;
    }

    public Task<IReadOnlyList<StaffRecord>> GetStaffAsync(string schoolId, CancellationToken cancellationToken) =>
        RegistryStore.ReadStaffAsync(dataSource, schoolId, cancellationToken);

    /// <summary>Minutes per person, service and local date (in <paramref name="zone"/>) for visits starting in [start, end).</summary>
    public async Task<IReadOnlyList<StaffDailyUsage>> GetStaffUsageAsync(
        string schoolId,
        TimeZoneInfo zone,
        DateTime startUtc,
        DateTime endUtc,
        IReadOnlyCollection<string> categories,
        IReadOnlyCollection<string>? staffIds,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(zone);
        ArgumentNullException.ThrowIfNull(categories);
        var sql = $"""
            SELECT staff_id, service, category, (start_utc AT TIME ZONE @zone)::date AS local_date,
                   sum(active_seconds) / 60.0,
                   sum(directed_seconds) / 60.0,
                   sum(break_seconds) / 60.0,
                   sum(non_directed_seconds) / 60.0,
                   sum(outside_hours_seconds) / 60.0,
                   sum(CASE WHEN is_work_use THEN active_seconds ELSE 0 END) / 60.0,
                   sum(CASE WHEN is_work_use THEN directed_seconds ELSE 0 END) / 60.0
            FROM visits
            WHERE school_id = @school AND start_utc >= @from AND start_utc < @to AND category = ANY(@categories)
            {(staffIds is null ? string.Empty : "AND staff_id = ANY(@staff)")}
            GROUP BY 1, 2, 3, 4
            ORDER BY 1, 2, 4
            """;
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.AddWithValue("zone", ZoneName(zone));
        command.Parameters.AddWithValue("school", schoolId);
        command.Parameters.AddWithValue("from", NpgsqlDbType.TimestampTz, startUtc);
        command.Parameters.AddWithValue("to", NpgsqlDbType.TimestampTz, endUtc);
        command.Parameters.AddWithValue("categories", categories.ToArray());
        if (staffIds is not null)
        {
            command.Parameters.AddWithValue("staff", staffIds.ToArray());
        }

        var rows = new List<StaffDailyUsage>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new StaffDailyUsage(
                reader.GetString(0),
                reader.GetString(1),
                reader.GetString(2),
                reader.GetFieldValue<DateOnly>(3),
                (double)reader.GetDecimal(4),
                (double)reader.GetDecimal(5),
                (double)reader.GetDecimal(6),
                (double)reader.GetDecimal(7),
                (double)reader.GetDecimal(8),
                (double)reader.GetDecimal(9),
                (double)reader.GetDecimal(10)));
        }

        return rows;
    }

    /// <summary>Anonymous minutes per service and device kind over the local dates [from, to], largest first.</summary>
    public async Task<IReadOnlyList<AnonymousUsageTotal>> GetAnonymousUsageAsync(
        string schoolId,
        DateOnly from,
        DateOnly to,
        IReadOnlyCollection<string> categories,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(categories);
        await using var command = dataSource.CreateCommand("""
            SELECT service, category, kind, sum(active_seconds) / 60.0, max(coalesce(devices, 0))
            FROM anonymous_usage
            WHERE school_id = @school AND local_date BETWEEN @from AND @to AND category = ANY(@categories)
            GROUP BY service, category, kind
            ORDER BY 4 DESC, service
            """);
        command.Parameters.AddWithValue("school", schoolId);
        command.Parameters.AddWithValue("from", from);
        command.Parameters.AddWithValue("to", to);
        command.Parameters.AddWithValue("categories", categories.ToArray());
        var rows = new List<AnonymousUsageTotal>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new AnonymousUsageTotal(reader.GetString(0), reader.GetString(1), reader.GetInt16(2), (double)reader.GetDecimal(3), reader.GetInt32(4)));
        }

        return rows;
    }

    /// <summary>
    /// Coverage over visits starting in [start, end) and anonymous totals of the local dates [from, to];
    /// <paramref name="hiddenCategory"/> and <paramref name="encryptedDnsCategory"/> name what could not be seen.
    /// </summary>
    public async Task<CoverageSummary> GetCoverageAsync(string schoolId, DateTime startUtc, DateTime endUtc, DateOnly from, DateOnly to,
        string hiddenCategory, string encryptedDnsCategory, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            WITH v AS (
                SELECT category, active_seconds FROM visits
                WHERE school_id = @school AND start_utc >= @from AND start_utc < @to),
            a AS (
                SELECT category, kind, active_seconds FROM anonymous_usage
                WHERE school_id = @school AND local_date BETWEEN @fromDate AND @toDate)
            SELECT
                coalesce((SELECT sum(active_seconds) FROM v), 0) / 60.0,
                coalesce((SELECT sum(active_seconds) FROM a), 0) / 60.0,
                coalesce((SELECT sum(active_seconds) FROM a WHERE kind = -1), 0) / 60.0,
                (coalesce((SELECT sum(active_seconds) FROM v WHERE category = @hidden), 0)
                  + coalesce((SELECT sum(active_seconds) FROM a WHERE category = @hidden), 0)) / 60.0,
                (coalesce((SELECT sum(active_seconds) FROM v WHERE category = @doh), 0)
                  + coalesce((SELECT sum(active_seconds) FROM a WHERE category = @doh), 0)) / 60.0
            """);
        command.Parameters.AddWithValue("school", schoolId);
        command.Parameters.AddWithValue("from", NpgsqlDbType.TimestampTz, startUtc);
        command.Parameters.AddWithValue("to", NpgsqlDbType.TimestampTz, endUtc);
        command.Parameters.AddWithValue("fromDate", from);
        command.Parameters.AddWithValue("toDate", to);
        command.Parameters.AddWithValue("hidden", hiddenCategory);
        command.Parameters.AddWithValue("doh", encryptedDnsCategory);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new CoverageSummary(
            (double)reader.GetDecimal(0),
            (double)reader.GetDecimal(1),
            (double)reader.GetDecimal(2),
            (double)reader.GetDecimal(3),
            (double)reader.GetDecimal(4));
    }

    // PostgreSQL knows IANA names; on Windows TimeZoneInfo ids are Windows names, so convert when needed.
    private static string ZoneName(TimeZoneInfo zone) =>
        zone.HasIanaId ? zone.Id : TimeZoneInfo.TryConvertWindowsIdToIanaId(zone.Id, out var iana) ? iana : zone.Id;
}
