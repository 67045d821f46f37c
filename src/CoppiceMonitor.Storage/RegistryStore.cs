using System.Net;
using System.Net.NetworkInformation;
using CoppiceMonitor.Capture;
using CoppiceMonitor.Storage.Ingest;
using CoppiceMonitor.Visits;
using Npgsql;
using NpgsqlTypes;

namespace CoppiceMonitor.Storage;

/// <summary>What applying a registry snapshot changed.</summary>
public sealed record RegistryApplyResult(int Added, int Updated, int Removed, int Unchanged);

/// <summary>
/// Applies the staff directory and device registry (from the Visits CSV readers) as complete snapshots per school:
/// new rows are added, changed rows updated, rows missing from the snapshot removed. Idempotent: applying the same
/// snapshot twice changes nothing the second time. Also reads the registry back for attribution.
/// </summary>
public sealed class RegistryStore(NpgsqlDataSource dataSource, TimeProvider timeProvider)
{
    /// <summary>Makes sure the school has its row (staff and devices reference it), with its current time zone.</summary>
    public async Task EnsureSchoolAsync(string schoolId, string timeZone, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "INSERT INTO schools (school_id, name, time_zone) VALUES (@id, @id, @zone) " +
            "ON CONFLICT (school_id) DO UPDATE SET time_zone = excluded.time_zone");
        command.Parameters.AddWithValue("id", schoolId);
        command.Parameters.AddWithValue("zone", timeZone);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The imported staff and devices of one school, as the Visits attributor takes them.</summary>
    public async Task<DeviceRegistry> LoadAsync(string schoolId, CancellationToken cancellationToken = default)
    {
        var staff = await ReadStaffAsync(dataSource, schoolId, cancellationToken).ConfigureAwait(false);
        var devices = new List<DeviceRecord>();
        await using (var command = dataSource.CreateCommand(
            "SELECT device_id, staff_id, mac, hostname, static_ip, kind, authorised_services FROM devices WHERE school_id = @id ORDER BY device_id"))
        {
            command.Parameters.AddWithValue("id", schoolId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                MacAddress? mac = reader.IsDBNull(2) ? null : MacAddress.FromSpan(reader.GetFieldValue<PhysicalAddress>(2).GetAddressBytes());
                devices.Add(new DeviceRecord(
                    reader.GetString(0),
                    reader.IsDBNull(1) ? null : reader.GetString(1),
                    mac,
                    reader.IsDBNull(3) ? null : reader.GetString(3),
                    reader.IsDBNull(4) ? null : reader.GetFieldValue<IPAddress>(4),
                    (DeviceKind)reader.GetInt16(5),
                    reader.GetFieldValue<string[]>(6)));
            }
        }

        return new DeviceRegistry(staff, devices);
    }

    /// <summary>The staff of one school ordered by id; any role that may read staff (reporting too) can run it.</summary>
    public static async Task<IReadOnlyList<StaffRecord>> ReadStaffAsync(NpgsqlDataSource dataSource, string schoolId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        var staff = new List<StaffRecord>();
        await using var command = dataSource.CreateCommand(
            "SELECT staff_id, display_name, email, line_manager_id, roles FROM staff WHERE school_id = @id ORDER BY staff_id");
        command.Parameters.AddWithValue("id", schoolId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            staff.Add(new StaffRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), (StaffRoles)reader.GetInt32(4)));
        }

        return staff;
    }

    public async Task<RegistryApplyResult> ApplyStaffAsync(string schoolId, IReadOnlyCollection<StaffRecord> rows, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(schoolId);
        ArgumentNullException.ThrowIfNull(rows);
        var list = rows.DistinctBy(r => r.StaffId, StringComparer.Ordinal).ToList();
        const string Stage = """
            CREATE TEMP TABLE incoming ON COMMIT DROP AS
                SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[])
                    AS t(staff_id, display_name, email, line_manager_id, roles);
            """;
        const string Apply = """
            WITH removed AS (
                DELETE FROM staff s WHERE s.school_id = $1 AND NOT EXISTS (SELECT 1 FROM incoming i WHERE i.staff_id = s.staff_id)
                RETURNING 1),
            upserted AS (
                INSERT INTO staff (school_id, staff_id, display_name, email, line_manager_id, roles, updated_utc)
                SELECT $1, staff_id, display_name, email, line_manager_id, roles, $2 FROM incoming
                ON CONFLICT (school_id, staff_id) DO UPDATE SET
                    display_name = excluded.display_name, email = excluded.email,
                    line_manager_id = excluded.line_manager_id, roles = excluded.roles, updated_utc = excluded.updated_utc
                WHERE (staff.display_name, staff.email, staff.line_manager_id, staff.roles)
                    IS DISTINCT FROM (excluded.display_name, excluded.email, excluded.line_manager_id, excluded.roles)
                RETURNING (xmax = 0) AS inserted)
            SELECT (SELECT count(*) FROM upserted WHERE inserted), (SELECT count(*) FROM upserted WHERE NOT inserted),
                   (SELECT count(*) FROM removed);
            """;
        return await ApplyAsync(schoolId, list.Count, Stage, Apply, command =>
        {
            command.Parameters.AddWithValue(list.Select(r => r.StaffId).ToArray());
            command.Parameters.AddWithValue(list.Select(r => r.DisplayName).ToArray());
            command.Parameters.AddWithValue(list.Select(r => r.Email).ToArray());
            command.Parameters.Add(new NpgsqlParameter { Value = list.Select(r => r.LineManagerId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            command.Parameters.AddWithValue(list.Select(r => (int)r.Roles).ToArray());
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<RegistryApplyResult> ApplyDevicesAsync(string schoolId, IReadOnlyCollection<DeviceRecord> rows, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(schoolId);
        ArgumentNullException.ThrowIfNull(rows);
        var list = rows.DistinctBy(r => r.DeviceId, StringComparer.Ordinal).ToList();
        const string Stage = """
            CREATE TEMP TABLE incoming ON COMMIT DROP AS
                SELECT t.device_id, t.staff_id, t.mac, t.hostname, t.static_ip, t.kind,
                       COALESCE(string_to_array(NULLIF(t.services, ''), chr(31)), '{}') AS authorised_services
                FROM unnest($1::text[], $2::text[], $3::macaddr[], $4::text[], $5::inet[], $6::smallint[], $7::text[])
                    AS t(device_id, staff_id, mac, hostname, static_ip, kind, services);
            """;
        const string Apply = """
            WITH removed AS (
                DELETE FROM devices d WHERE d.school_id = $1 AND NOT EXISTS (SELECT 1 FROM incoming i WHERE i.device_id = d.device_id)
                RETURNING 1),
            upserted AS (
                INSERT INTO devices (school_id, device_id, staff_id, mac, hostname, static_ip, kind, authorised_services, updated_utc)
                SELECT $1, device_id, staff_id, mac, hostname, static_ip, kind, authorised_services, $2 FROM incoming
                ON CONFLICT (school_id, device_id) DO UPDATE SET
                    staff_id = excluded.staff_id, mac = excluded.mac, hostname = excluded.hostname,
                    static_ip = excluded.static_ip, kind = excluded.kind,
                    authorised_services = excluded.authorised_services, updated_utc = excluded.updated_utc
                WHERE (devices.staff_id, devices.mac, devices.hostname, devices.static_ip, devices.kind, devices.authorised_services)
                    IS DISTINCT FROM (excluded.staff_id, excluded.mac, excluded.hostname, excluded.static_ip, excluded.kind, excluded.authorised_services)
                RETURNING (xmax = 0) AS inserted)
            SELECT (SELECT count(*) FROM upserted WHERE inserted), (SELECT count(*) FROM upserted WHERE NOT inserted),
                   (SELECT count(*) FROM removed);
            """;
        return await ApplyAsync(schoolId, list.Count, Stage, Apply, command =>
        {
            command.Parameters.AddWithValue(list.Select(r => r.DeviceId).ToArray());
            command.Parameters.Add(new NpgsqlParameter { Value = list.Select(r => r.StaffId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter
            {
                Value = list.Select(r => r.Mac is { } m ? ObservationRecord.ToPhysical(m) : null).ToArray(),
                NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.MacAddr,
            });
            command.Parameters.Add(new NpgsqlParameter { Value = list.Select(r => r.Hostname).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter { Value = list.Select(r => r.StaticIp).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Inet });
            command.Parameters.AddWithValue(list.Select(r => (short)r.Kind).ToArray());
            // Unit separator joins the list: service names never contain control characters.
            command.Parameters.AddWithValue(list.Select(r => string.Join('\u001f', r.AuthorisedServices)).ToArray());
        }, cancellationToken).ConfigureAwait(false);
    }

    private async Task<RegistryApplyResult> ApplyAsync(string schoolId, int total, string stageSql, string applySql,
        Action<NpgsqlCommand> addRows, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var school = new NpgsqlCommand(
            "INSERT INTO schools (school_id, name) VALUES ($1, $1) ON CONFLICT (school_id) DO NOTHING", connection, transaction))
        {
            school.Parameters.AddWithValue(schoolId);
            await school.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (var stage = new NpgsqlCommand(stageSql, connection, transaction))
        {
            addRows(stage);
            await stage.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        RegistryApplyResult result;
        await using (var command = new NpgsqlCommand(applySql, connection, transaction))
        {
            command.Parameters.AddWithValue(schoolId);
            command.Parameters.AddWithValue(timeProvider.GetUtcNow().UtcDateTime);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var added = (int)reader.GetInt64(0);
            var updated = (int)reader.GetInt64(1);
            var removed = (int)reader.GetInt64(2);
            result = new RegistryApplyResult(added, updated, removed, total - added - updated);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return result;
    }
}
