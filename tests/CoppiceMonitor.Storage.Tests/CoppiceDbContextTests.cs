using CoppiceMonitor.Storage.Ingest;
using CoppiceMonitor.Testing;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace CoppiceMonitor.Storage.Tests;

public sealed class CoppiceDbContextTests(PostgresCluster cluster) : IClassFixture<PostgresCluster>
{
    [Fact]
    public async Task Model_EveryMappedTable_MatchesTheMigratedSchema()
    {
        var cs = await cluster.CreateDatabaseAsync();
        await using (var dataSource = NpgsqlDataSource.Create(cs))
        {
            var day = new DateTime(2026, 11, 25, 9, 0, 0, DateTimeKind.Utc);
            await new VisitCopyWriter(dataSource, TimeProvider.System).WriteAsync(new VisitBatch(Guid.NewGuid(), [TestData.Visit(1, day)]));
            await new ObservationCopyWriter(dataSource, TimeProvider.System).WriteAsync(new ObservationBatch(Guid.NewGuid(), [TestData.Observation(1, day)]));
        }

        await TestData.ExecuteAsync(cs, "INSERT INTO held_visits SELECT v.*, now() FROM visits v");
        await TestData.ExecuteAsync(cs, """
            INSERT INTO held_observations (school_id, ts, kind, client, client_mac, server, server_port, transport, vlan, name, detail, batch_id)
            SELECT school_id, ts, kind, client, client_mac, server, server_port, transport, vlan, name, detail, batch_id FROM observations
            """);

        await using var context = new CoppiceDbContext(CoppiceDbContext.CreateOptions(cs));
        var visit = await context.Visits.SingleAsync();
        var held = await context.HeldVisits.SingleAsync();
        Assert.Equal(visit.Id, held.Id);
        Assert.Equal("site1", held.SiteName);
        Assert.Equal(visit.BatchId, held.BatchId);
        var observation = await context.Observations.SingleAsync();
        var heldObservation = await context.HeldObservations.SingleAsync();
        Assert.Equal("n1", heldObservation.Name);
        Assert.Equal(observation.ClientMac, heldObservation.ClientMac);
        Assert.Equal(0, await context.DhcpLeases.CountAsync() + await context.AnonymousUsage.CountAsync() + await context.Investigations.CountAsync()
            + await context.AuditEvents.CountAsync() + await context.ReportRuns.CountAsync() + await context.Staff.CountAsync()
            + await context.Devices.CountAsync() + await context.Schools.CountAsync());
        Assert.Equal(2, await context.IngestBatches.CountAsync());
    }
}
