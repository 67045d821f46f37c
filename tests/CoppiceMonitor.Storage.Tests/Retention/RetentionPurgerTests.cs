using System.Globalization;
using System.Net;
using CoppiceMonitor.Capture;
using CoppiceMonitor.Storage.Ingest;
using CoppiceMonitor.Storage.Retention;
using CoppiceMonitor.Testing;
using CoppiceMonitor.Visits;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace CoppiceMonitor.Storage.Tests.Retention;

public sealed class RetentionPurgerTests(PostgresCluster cluster) : IClassFixture<PostgresCluster>
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateTime Today = Now.UtcDateTime.Date;
    private const ulong P1Mac = 0x02_00_00_00_00_01;
    private const ulong OtherMac = 0x02_00_00_00_00_99;

    private sealed record Setup(string ConnectionString, NpgsqlDataSource DataSource, FakeTimeProvider Time, RetentionPurger Purger,
        InvestigationStore Investigations, AuditLog Audit, long InvestigationId) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => DataSource.DisposeAsync();
    }

    /// <summary>
    /// Two schools, visits on each of the last 14 days (3 per school, staff and day), observations 15-20 days old
    /// for p1's device and another. s1 keeps visits 10 days (default), s2 5 days. An open investigation holds
    /// s1/p1 from 16 to 10 days ago.
    /// </summary>
    private async Task<Setup> ArrangeAsync()
    {
        var cs = await cluster.CreateDatabaseAsync();
        var dataSource = NpgsqlDataSource.Create(cs);
        var time = new FakeTimeProvider(Now);
        var options = Options.Create(new RetentionOptions
        {
            VisitsDays = 10,
            ObservationsDays = 14,
            Schools = { ["s2"] = new RetentionWindows { VisitsDays = 5 } },
        });
        var registry = new RegistryStore(dataSource, time);
        await registry.ApplyDevicesAsync("s1", [new DeviceRecord("d-p1", "p1", new MacAddress(P1Mac), null, null, DeviceKind.Staff, [])]);
        await registry.ApplyDevicesAsync("s2", []);

        var visits = new List<Visit>();
        var n = 0;
        for (var daysAgo = 1; daysAgo <= 14; daysAgo++)
        {
            foreach (var school in new[] { "s1", "s2" })
            {
                foreach (var staff in new[] { "p1", "p2" })
                {
                    for (var k = 0; k < 3; k++)
                    {
                        visits.Add(TestData.Visit(n++, Today.AddDays(-daysAgo).AddHours(10).AddMinutes(k), school, staff));
                    }
                }
            }
        }

        var observations = new List<ObservationRecord>();
        for (var daysAgo = 15; daysAgo <= 20; daysAgo++)
        {
            foreach (var mac in new[] { P1Mac, OtherMac })
            {
                for (var k = 0; k < 2; k++)
                {
                    observations.Add(TestData.Observation(n++, Today.AddDays(-daysAgo).AddHours(9).AddMinutes(k), "s1", mac));
                }
            }
        }

        // Rows land in the default partition first; maintenance gives each day its own partition.
        await new VisitCopyWriter(dataSource, time).WriteAsync(new VisitBatch(Guid.NewGuid(), visits));
        await new ObservationCopyWriter(dataSource, time).WriteAsync(new ObservationBatch(Guid.NewGuid(), observations));
        var maintenance = await new PartitionMaintainer(dataSource, time).RunAsync(7);
        Assert.Equal(visits.Count + observations.Count, maintenance.StragglersMoved);

        var audit = new AuditLog(dataSource, time);
        var investigations = new InvestigationStore(dataSource, audit, time);
        var id = await investigations.OpenAsync(new InvestigationRequest("s1", "p1", Today.AddDays(-16), Today.AddDays(-10),
            "Grievance 2026-17", "hr.lead", InvestigatorRole.HR));
        return new Setup(cs, dataSource, time, new RetentionPurger(dataSource, options, audit, time), investigations, audit, id);
    }

    [Fact]
    public async Task PurgeAsync_TwoSchoolsSeveralDays_RemovesExactlyTheExpiredUnheldRows()
    {
        await using var s = await ArrangeAsync();

        var result = await s.Purger.PurgeAsync();

        // s1: days 11-14 ago expire (2 staff x 3 x 4 = 24), of which p1's 12 are held; s2: days 6-14 (54).
        Assert.Equal(12 + 54, result.Deleted["visits"]);
        Assert.Equal(12, result.MovedToHeld["visits"]);
        // Observations: all 24 are past 14 days; p1's device on days 15-16 ago (4) is held.
        Assert.Equal(20, result.Deleted["observations"]);
        Assert.Equal(4, result.MovedToHeld["observations"]);
        Assert.Equal(4 + 6, result.PartitionsDropped);
        Assert.Equal(168 - 66 - 12, await TestData.ScalarAsync(s.ConnectionString, "SELECT count(*) FROM visits"));
        Assert.Equal(12, await TestData.ScalarAsync(s.ConnectionString, "SELECT count(*) FROM held_visits WHERE school_id = 's1' AND staff_id = 'p1'"));
        Assert.Equal(4, await TestData.ScalarAsync(s.ConnectionString, "SELECT count(*) FROM held_observations"));
        Assert.Equal(0, await TestData.ScalarAsync(s.ConnectionString, "SELECT count(*) FROM observations"));
        var cutoffS1 = Today.AddDays(-10).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var cutoffS2 = Today.AddDays(-5).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        Assert.Equal(0, await TestData.ScalarAsync(s.ConnectionString,
            $"SELECT count(*) FROM visits WHERE (school_id = 's1' AND start_utc < '{cutoffS1}') OR (school_id = 's2' AND start_utc < '{cutoffS2}')"));

        // The investigation still sees all of its rows: live ones and the held ones.
        var detail = await s.Investigations.ReadVisitsAsync(s.InvestigationId, "hr.lead", "case review");
        Assert.Equal(12, detail.Count);

        var audit = await s.Audit.ListAsync(Today.AddYears(-1), Today.AddDays(1), AuditActions.Purge);
        var purge = Assert.Single(audit);
        Assert.Equal(66 + 20, purge.RowCount);
        Assert.Equal(66, purge.Details!.RootElement.GetProperty("visits").GetInt64());
    }

    [Fact]
    public async Task PurgeAsync_DryRun_ReportsTheCountsAndChangesNothing()
    {
        await using var s = await ArrangeAsync();

        var dry = await s.Purger.PurgeAsync(dryRun: true);

        Assert.True(dry.DryRun);
        Assert.Equal(66, dry.Deleted["visits"]);
        Assert.Equal(20, dry.Deleted["observations"]);
        Assert.Equal(168, await TestData.ScalarAsync(s.ConnectionString, "SELECT count(*) FROM visits"));
        Assert.Equal(0, await TestData.ScalarAsync(s.ConnectionString, "SELECT count(*) FROM held_visits"));
        Assert.Single(await s.Audit.ListAsync(Today.AddYears(-1), Today.AddDays(1), AuditActions.PurgeDryRun));

        var real = await s.Purger.PurgeAsync();
        Assert.Equal(dry.Deleted, real.Deleted);
    }

    [Fact]
    public async Task PurgeAsync_Rerun_IsANoOp()
    {
        await using var s = await ArrangeAsync();
        await s.Purger.PurgeAsync();
        var visits = await TestData.ScalarAsync(s.ConnectionString, "SELECT count(*) FROM visits");
        var held = await TestData.ScalarAsync(s.ConnectionString, "SELECT count(*) FROM held_visits");

        var again = await s.Purger.PurgeAsync();

        Assert.Equal(0, again.TotalDeleted);
        Assert.Equal(0, again.PartitionsDropped);
        Assert.Equal(visits, await TestData.ScalarAsync(s.ConnectionString, "SELECT count(*) FROM visits"));
        Assert.Equal(held, await TestData.ScalarAsync(s.ConnectionString, "SELECT count(*) FROM held_visits"));
    }

    [Fact]
    public async Task PurgeAsync_AfterTheHoldIsClosed_FreesTheHeldRows()
    {
        await using var s = await ArrangeAsync();
        await s.Purger.PurgeAsync();

        await s.Investigations.CloseAsync(s.InvestigationId, "hr.lead", "case closed");
        var result = await s.Purger.PurgeAsync();

        Assert.Equal(12, result.Deleted["held_visits"]);
        Assert.Equal(4, result.Deleted["held_observations"]);
        Assert.Equal(0, await TestData.ScalarAsync(s.ConnectionString, "SELECT count(*) FROM held_visits"));
        Assert.Equal(0, await TestData.ScalarAsync(s.ConnectionString, "SELECT count(*) FROM held_observations"));
        Assert.Empty(await s.Investigations.ListAsync("s1"));
        Assert.Single(await s.Investigations.ListAsync("s1", includeClosed: true));
    }

    [Fact]
    public async Task RunAsync_Horizon_PartitionsExistAheadAndLateRowsFindTheirDay()
    {
        await using var s = await ArrangeAsync();
        var maintainer = new PartitionMaintainer(s.DataSource, s.Time);

        foreach (var table in PartitionedTable.All)
        {
            var days = await maintainer.ListPartitionsAsync(table);
            for (var d = 0; d <= 7; d++)
            {
                Assert.Contains(DateOnly.FromDateTime(Today.AddDays(d)), days);
            }
        }

        // A visit for a day beyond the horizon goes to the default partition, then into its own day.
        var far = Today.AddDays(30).AddHours(9);
        await new VisitCopyWriter(s.DataSource, s.Time).WriteAsync(new VisitBatch(Guid.NewGuid(), [TestData.Visit(1, far)]));
        Assert.Equal(1, await TestData.ScalarAsync(s.ConnectionString, "SELECT count(*) FROM visits_default"));
        await maintainer.RunAsync(7);
        Assert.Equal(0, await TestData.ScalarAsync(s.ConnectionString, "SELECT count(*) FROM visits_default"));
        Assert.Equal(1, await TestData.ScalarAsync(s.ConnectionString,
            $"SELECT count(*) FROM visits_p{far:yyyyMMdd}"));
    }

    [Fact]
    public async Task ExportAsync_CsvAndJson_WriteTheRowsAndAnAuditEvent()
    {
        await using var s = await ArrangeAsync();
        using var csv = new MemoryStream();
        using var json = new MemoryStream();

        var csvRows = await s.Investigations.ExportAsync(s.InvestigationId, "head", "disciplinary hearing", ExportFormat.Csv, csv);
        var jsonRows = await s.Investigations.ExportAsync(s.InvestigationId, "head", "disciplinary hearing", ExportFormat.Json, json);

        Assert.Equal(12, csvRows);
        Assert.Equal(12, jsonRows);
        Assert.Equal(13, System.Text.Encoding.UTF8.GetString(csv.ToArray()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length);
        using var doc = System.Text.Json.JsonDocument.Parse(json.ToArray());
        Assert.Equal(12, doc.RootElement.GetProperty("visits").GetArrayLength());
        var exports = await s.Audit.ListAsync(Today.AddYears(-1), Today.AddDays(1), AuditActions.InvestigationExport);
        Assert.Equal(2, exports.Count);
        Assert.All(exports, e => Assert.Equal(("head", "disciplinary hearing", 12L), (e.Actor, e.Reason, e.RowCount)));
    }

    [Fact]
    public async Task AuditEvents_UpdateOrDelete_AreRefusedEvenForTheOwner()
    {
        await using var s = await ArrangeAsync();
        await s.Audit.WriteAsync(new AuditEntry("me", "test.event"));

        var update = await Assert.ThrowsAsync<PostgresException>(() => TestData.ExecuteAsync(s.ConnectionString, "UPDATE audit_events SET actor = 'x'"));
        var delete = await Assert.ThrowsAsync<PostgresException>(() => TestData.ExecuteAsync(s.ConnectionString, "DELETE FROM audit_events"));
        var truncate = await Assert.ThrowsAsync<PostgresException>(() => TestData.ExecuteAsync(s.ConnectionString, "TRUNCATE audit_events"));

        Assert.All(new[] { update, delete, truncate }, e => Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, e.SqlState));
    }

    [Fact]
    public async Task PurgeAsync_AuditOlderThanSixYears_IsTheOnlyAuditDeleted()
    {
        await using var s = await ArrangeAsync();
        var old = new AuditLog(s.DataSource, new FakeTimeProvider(Now.AddYears(-7)));
        await old.WriteAsync(new AuditEntry("someone", "old.event"));
        await old.WriteAsync(new AuditEntry("someone", "old.event"));
        var before = await TestData.ScalarAsync(s.ConnectionString, "SELECT count(*) FROM audit_events");

        var result = await s.Purger.PurgeAsync();

        Assert.Equal(2, result.Deleted["audit_events"]);
        // Everything else stays, and the purge added its own event.
        Assert.Equal(before - 2 + 1, await TestData.ScalarAsync(s.ConnectionString, "SELECT count(*) FROM audit_events"));
    }
}
