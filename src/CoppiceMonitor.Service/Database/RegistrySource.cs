using System.Net.NetworkInformation;
using CoppiceMonitor.Capture;
using CoppiceMonitor.Visits;
using Npgsql;

namespace CoppiceMonitor.Service.Database;

/// <summary>Reads the imported registry (staff and devices of one school) for attribution, and records the school.</summary>
public static class RegistrySource
{
    /// <summary>Makes sure the configured school has its row (staff and devices reference it).</summary>
    public static async Task EnsureSchoolAsync(NpgsqlDataSource dataSource, string schoolId, string timeZone, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand(
            "INSERT INTO schools (school_id, name, time_zone) VALUES (@id, @id, @zone) " +
            "ON CONFLICT (school_id) DO UPDATE SET time_zone = excluded.time_zone");
        command.Parameters.AddWithValue("id", schoolId);
        command.Parameters.AddWithValue("zone", timeZone);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public static async Task<DeviceRegistry> LoadAsync(NpgsqlDataSource dataSource, string schoolId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        var staff = new List<StaffRecord>();
        await using (var command = dataSource.CreateCommand(
            "SELECT staff_id FROM staff WHERE school_id = @id ORDER BY staff_id"))
        {
            command.Parameters.AddWithValue("id", schoolId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                // Attribution needs the ids only: names, e-mails and roles stay out of the sensor (and the ingest
                // login holds no grant on them).
                staff.Add(new StaffRecord(reader.GetString(0), string.Empty, string.Empty, null, StaffRoles.None));
            }
        }

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
                    reader.IsDBNull(4) ? null : reader.GetFieldValue<System.Net.IPAddress>(4),
                    (DeviceKind)reader.GetInt16(5),
                    reader.GetFieldValue<string[]>(6)));
            }
        }

        return new DeviceRegistry(staff, devices);
    }
}
