using System.Net;
using CoppiceMonitor.Capture;
using CoppiceMonitor.Service.Pipeline;
using CoppiceMonitor.Storage;
using CoppiceMonitor.Storage.Ingest;
using CoppiceMonitor.Testing;
using CoppiceMonitor.Visits;
using Npgsql;

namespace CoppiceMonitor.Service.Tests.Pipeline;

/// <summary>Special-category names are stored as their category unless an open investigation holds the device then.</summary>
public sealed class SpecialCategoryMinimiserTests(PostgresCluster cluster) : IClassFixture<PostgresCluster>
{
    private static readonly MacAddress HeldMac = new(0x02_00_00_00_00_01);
    private static readonly MacAddress OtherMac = new(0x02_00_00_00_00_02);

    private static Observation Hello(MacAddress mac, string name, DateTime utc) => new(utc, ObservationKind.TlsClientHello,
        IPAddress.Parse("10.10.0.5"), mac, IPAddress.Parse("203.0.113.9"), 443, TransportProtocol.Tcp, 0, name,
        new ClientHelloDetail("h2", false, 0x0304));

    [Fact]
    public async Task Minimise_HeldDeviceInRange_KeepsTheName_OthersGetTheCategory()
    {
        var owner = await cluster.CreateDatabaseAsync("minimise");
        await DatabaseRoles.ApplyAsync(owner);
        var now = DateTime.UtcNow;
        await using (var connection = new NpgsqlConnection(owner))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("""
                INSERT INTO schools (school_id, name) VALUES ('s1', 's1');
                INSERT INTO staff (school_id, staff_id, display_name, email, roles) VALUES ('s1', 'p1', 'P', 'p1@s1.example', 0), ('s1', 'hr', 'H', 'hr@s1.example', 2);
                INSERT INTO devices (school_id, device_id, staff_id, mac, kind) VALUES ('s1', 'd1', 'p1', '02:00:00:00:00:01', 0), ('s1', 'd2', NULL, '02:00:00:00:00:02', 0);
                SELECT investigation_open('s1', 'p1', now() - interval '1 day', now() + interval '1 hour', 'grievance', 'hr@s1.example', now());
                """, connection);
            await command.ExecuteNonQueryAsync();
        }

        // As the ingest role, bound to s1: it learns the held MAC and nothing else about the investigation.
        var login = $"t_min_{Guid.NewGuid():N}"[..24];
        await using (var connection = new NpgsqlConnection(owner))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE ROLE {login} LOGIN PASSWORD 'pw' IN ROLE {DatabaseRoles.Ingest}", connection);
            await command.ExecuteNonQueryAsync();
        }

        await DatabaseRoles.MapLoginToSchoolAsync(owner, login, "s1");
        await using var ingest = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(owner) { Username = login, Password = "pw", Pooling = false }.ConnectionString);
        var held = new HeldDevices(ingest, ["s1"], TimeProvider.System);
        await held.RefreshAsync();
        var catalog = ServiceCatalog.LoadDefault(new CatalogueOptions());
        var host = catalog.Rows.First(r => r.IsSpecialCategory).Suffix;
        var minimiser = new SpecialCategoryMinimiser(catalog, held);

        var kept = minimiser.Minimise("s1", Hello(HeldMac, "www." + host, now));
        var otherDevice = minimiser.Minimise("s1", Hello(OtherMac, "www." + host, now));
        var beforeHold = minimiser.Minimise("s1", Hello(HeldMac, "www." + host, now.AddDays(-3)));
        var ordinary = minimiser.Minimise("s1", Hello(OtherMac, "www.bbc.co.uk", now));

        Assert.Equal("www." + host, kept.Name);
        Assert.NotNull(kept.Detail);
        var category = catalog.Classify(host).Category;
        Assert.True(ServiceCategories.IsSpecial(category));
        Assert.Equal((category, (ObservationDetail?)null), (otherDevice.Name, otherDevice.Detail));
        Assert.Equal(category, beforeHold.Name);
        Assert.Equal("www.bbc.co.uk", ordinary.Name);
        Assert.Equal(2, minimiser.Minimised);
    }
}
