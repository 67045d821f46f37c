using CoppiceMonitor.Reports.Model;
using CoppiceMonitor.Visits;
using Npgsql;
using NpgsqlTypes;

namespace CoppiceMonitor.Reports.Data;

/// <summary>
/// Report aggregates computed by PostgreSQL over the Storage schema: schools, staff and anonymous_usage directly, visits
/// only through the aggregate functions report_staff_usage and report_coverage (whole local days in the school's zone,
/// so a visit at 00:30 BST counts on the right day, and never a visit row).
/// </summary>
public sealed class PostgresReportDataSource(ReportDatabase database, IReadOnlyList<SchoolOptions> schoolSettings) : IReportDataSource
{
    private const int HeadteacherRole = (int)StaffRoles.Headteacher;

    /// <summary>
    /// Schools from the database, with the excessive-use threshold from the "Schools" configuration; the
    /// headteacher is the staff member with the Headteacher role (the lowest staff id if several).
    /// </summary>
    public async Task<IReadOnlyList<ReportSchool>> GetSchoolsAsync(CancellationToken cancellationToken)
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
        await using var command = database.DataSource.CreateCommand(sql);
        command.Parameters.AddWithValue("role", HeadteacherRole);
        var schools = new List<ReportSchool>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var id = reader.GetString(0);
            var settings = schoolSettings.FirstOrDefault(s => string.Equals(s.Id, id, StringComparison.Ordinal));
            var zoneId = settings?.TimeZone ?? reader.GetString(2);
            schools.Add(new ReportSchool(
                id,
                reader.GetString(1),
                TimeZoneInfo.FindSystemTimeZoneById(zoneId),
                settings?.ExcessiveMinutesPerDay ?? 60,
                reader.IsDBNull(3) ? null : new Recipient(reader.GetString(3), reader.GetString(4), reader.GetString(5))));
        }

        return schools;
    }

    public async Task<IReadOnlyList<StaffMember>> GetStaffAsync(string schoolId, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand(
            "SELECT staff_id, display_name, email, line_manager_id FROM staff WHERE school_id = @school ORDER BY staff_id");
        command.Parameters.AddWithValue("school", schoolId);
        var staff = new List<StaffMember>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            staff.Add(new StaffMember(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3)));
        }

        return staff;
    }

    public async Task<IReadOnlyList<StaffDailyUsage>> GetStaffUsageAsync(
        ReportSchool school,
        ReportPeriod period,
        IReadOnlyCollection<string> categories,
        IReadOnlyCollection<string>? staffIds,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(school);
        ArgumentNullException.ThrowIfNull(categories);
        // report_staff_usage returns per-person, per-service, per-local-day totals over whole local days: the
        // reporting login holds no right on the visits table itself (policy 10.2).
        await using var command = database.DataSource.CreateCommand(
            "SELECT * FROM report_staff_usage(@school, @zone, @from, @to, @categories, @staff)");
        command.Parameters.AddWithValue("school", school.SchoolId);
        command.Parameters.AddWithValue("zone", ZoneName(school.TimeZone));
        command.Parameters.AddWithValue("from", period.From);
        command.Parameters.AddWithValue("to", period.To);
        command.Parameters.AddWithValue("categories", categories.ToArray());
        command.Parameters.Add(new NpgsqlParameter("staff", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = (object?)staffIds?.ToArray() ?? DBNull.Value });

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

    public async Task<IReadOnlyList<AnonymousServiceTotal>> GetAnonymousUsageAsync(
        ReportSchool school,
        ReportPeriod period,
        IReadOnlyCollection<string> categories,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(school);
        ArgumentNullException.ThrowIfNull(categories);
        await using var command = database.DataSource.CreateCommand("""
            SELECT service, category, kind, sum(active_seconds) / 60.0, max(coalesce(devices, 0))
            FROM anonymous_usage
            WHERE school_id = @school AND local_date BETWEEN @from AND @to AND category = ANY(@categories)
            GROUP BY service, category, kind
            ORDER BY 4 DESC, service
            """);
        command.Parameters.AddWithValue("school", school.SchoolId);
        command.Parameters.AddWithValue("from", period.From);
        command.Parameters.AddWithValue("to", period.To);
        command.Parameters.AddWithValue("categories", categories.ToArray());
        var rows = new List<AnonymousServiceTotal>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new AnonymousServiceTotal(
                ReportCategories.DisplayService(reader.GetString(0), reader.GetString(1)),
                DeviceGroup(reader.GetInt16(2)),
                (double)reader.GetDecimal(3),
                reader.GetInt32(4)));
        }

        return rows;
    }

    public async Task<CoverageSummary> GetCoverageAsync(ReportSchool school, ReportPeriod period, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(school);
        await using var command = database.DataSource.CreateCommand(
            "SELECT * FROM report_coverage(@school, @zone, @from, @to, @hidden, @doh)");
        command.Parameters.AddWithValue("school", school.SchoolId);
        command.Parameters.AddWithValue("zone", ZoneName(school.TimeZone));
        command.Parameters.AddWithValue("from", period.From);
        command.Parameters.AddWithValue("to", period.To);
        command.Parameters.AddWithValue("hidden", ReportCategories.Hidden);
        command.Parameters.AddWithValue("doh", ReportCategories.EncryptedDns);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new CoverageSummary(
            (double)reader.GetDecimal(0),
            (double)reader.GetDecimal(1),
            (double)reader.GetDecimal(2),
            (double)reader.GetDecimal(3),
            (double)reader.GetDecimal(4));
    }

    /// <summary>anonymous_usage.kind: DeviceKind as a number, -1 for a device not in the registry.</summary>
    public static string DeviceGroup(short kind) => kind switch
    {
        -1 => "Unknown device",
        (short)DeviceKind.Staff => "Staff device, unassigned",
        (short)DeviceKind.Shared => "Shared device",
        (short)DeviceKind.Pupil => "Pupil",
        (short)DeviceKind.Guest => "Guest",
        _ => "Other",
    };

    // PostgreSQL knows IANA names; on Windows TimeZoneInfo ids are Windows names, so convert when needed.
    private static string ZoneName(TimeZoneInfo zone) =>
        zone.HasIanaId ? zone.Id : TimeZoneInfo.TryConvertWindowsIdToIanaId(zone.Id, out var iana) ? iana : zone.Id;
}
