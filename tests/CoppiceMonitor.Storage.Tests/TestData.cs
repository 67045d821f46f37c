using CoppiceMonitor.Visits;
using System.Net;
using CoppiceMonitor.Capture;
using CoppiceMonitor.Storage.Ingest;
using Npgsql;

namespace CoppiceMonitor.Storage.Tests;

internal static class TestData
{
    /// <summary>Observation number <paramref name="i"/>: its Name ("n{i}") identifies it in the database.</summary>
    public static ObservationRecord Observation(int i, DateTime ts, string school = "s1", ulong mac = 0x02_00_00_00_00_01) => new(
        school, ts, ObservationKind.TlsClientHello, IPAddress.Parse("10.10.0.5"), new MacAddress(mac),
        IPAddress.Parse("157.240.1.35"), 443, TransportProtocol.Tcp, 10, $"n{i}", """{"alpn":"h2"}""");

    public static Visit Visit(int i, DateTime start, string school = "s1", string staff = "p1") => new(
        school, staff, "d-" + staff, "Facebook", "SocialMedia", start, start.AddMinutes(5), 240, 120, 60, 60, 0, false,
        $"site{i}", 3);

    public static async Task<long> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
