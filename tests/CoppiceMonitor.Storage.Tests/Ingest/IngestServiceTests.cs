using CoppiceMonitor.Storage.Ingest;
using CoppiceMonitor.Testing;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CoppiceMonitor.Storage.Tests.Ingest;

public sealed class IngestServiceTests(PostgresCluster cluster) : IClassFixture<PostgresCluster>, IDisposable
{
    private static readonly DateTime Day = new(2026, 11, 25, 9, 0, 0, DateTimeKind.Utc);
    private readonly string _spoolDir = Directory.CreateTempSubdirectory("coppice-ingest-test").FullName;

    public void Dispose() => Directory.Delete(_spoolDir, recursive: true);

    private IOptions<IngestOptions> Options(int batchSize = 250) => Microsoft.Extensions.Options.Options.Create(new IngestOptions
    {
        ObservationBatchSize = batchSize,
        VisitBatchSize = batchSize,
        MaxBatchDelayMilliseconds = 20,
        RetryMilliseconds = 100,
        SpoolDirectory = _spoolDir,
    });

    [Fact]
    public async Task Ingest_ObservationsAndVisits_AreWrittenWithTheirBatchIds()
    {
        var cs = await cluster.CreateDatabaseAsync();
        await using var dataSource = NpgsqlDataSource.Create(cs);
        var service = new IngestService(dataSource, Options(100), TimeProvider.System);
        await service.StartAsync(CancellationToken.None);
        for (var i = 0; i < 1000; i++)
        {
            Assert.True(service.TryWrite(TestData.Observation(i, Day.AddSeconds(i))));
        }

        for (var i = 0; i < 300; i++)
        {
            await service.WriteAsync(TestData.Visit(i, Day.AddMinutes(i)));
        }

        Assert.True(await service.WaitUntilDrainedAsync(TimeSpan.FromSeconds(30)));
        await service.DisposeAsync();

        Assert.Equal(1000, await TestData.ScalarAsync(cs, "SELECT count(DISTINCT name) FROM observations"));
        Assert.Equal(300, await TestData.ScalarAsync(cs, "SELECT count(*) FROM visits"));
        Assert.Equal(1300, await TestData.ScalarAsync(cs, "SELECT sum(row_count) FROM ingest_batches"));
        // Every stored row points at a recorded batch.
        Assert.Equal(0, await TestData.ScalarAsync(cs,
            "SELECT count(*) FROM observations o WHERE NOT EXISTS (SELECT 1 FROM ingest_batches b WHERE b.batch_id = o.batch_id)"));
    }

    [Fact]
    public async Task Ingest_ServerStoppedMidway_EveryObservationLandsExactlyOnce()
    {
        var (server, cs) = await PostgresCluster.StartDedicatedServerAsync();
        await using var _ = server;
        await using var dataSource = NpgsqlDataSource.Create(cs);
        var service = new IngestService(dataSource, Options(), TimeProvider.System);
        await service.StartAsync(CancellationToken.None);
        const int N = 12_000;
        for (var i = 0; i < N; i++)
        {
            if (i == N / 3)
            {
                await server.StopAsync();
            }
            else if (i == 2 * N / 3)
            {
                await server.StartAsync();
            }

            Assert.True(service.TryWrite(TestData.Observation(i, Day.AddMilliseconds(i))));
            if (i % 500 == 0)
            {
                await Task.Delay(30); // let batches go out while the server is down, so some are spooled
            }
        }

        Assert.True(await service.WaitUntilDrainedAsync(TimeSpan.FromSeconds(60)), "spool did not drain");
        var counters = service.Counters;
        await service.DisposeAsync();

        Assert.True(counters.BatchesSpooled > 0, "the outage should have spooled batches");
        Assert.Equal(0, counters.ObservationsDropped);
        Assert.Equal(N, await TestData.ScalarAsync(cs, "SELECT count(*) FROM observations"));
        Assert.Equal(N, await TestData.ScalarAsync(cs, "SELECT count(DISTINCT name) FROM observations"));
        Assert.Empty(Directory.GetFiles(_spoolDir));
    }

    [Fact]
    public async Task Replay_CrashMidBatchThenRestart_EveryRowExactlyOnce()
    {
        var cs = await cluster.CreateDatabaseAsync();
        await using var dataSource = NpgsqlDataSource.Create(cs);
        const int Batches = 10, Rows = 200;

        // First run: the database was away, ten batches went to the spool.
        using (var spool = new IngestSpool(_spoolDir))
        {
            for (var b = 0; b < Batches; b++)
            {
                spool.Append(new ObservationBatch(Guid.NewGuid(),
                    [.. Enumerable.Range(b * Rows, Rows).Select(i => TestData.Observation(i, Day.AddSeconds(i)))]));
            }
        }

        // Replay starts and the process dies in the middle of the fifth batch's COPY: four batches are committed,
        // the fifth's transaction dies with its connection, and the spool file is still all there.
        var replayed = 0;
        var crashing = new ObservationCopyWriter(dataSource, TimeProvider.System)
        {
            RowWritten = row =>
            {
                if (replayed == 4 && row == Rows / 2)
                {
                    throw new SimulatedCrashException();
                }
            },
        };
        using (var spool = new IngestSpool(_spoolDir))
        {
            await Assert.ThrowsAsync<SimulatedCrashException>(() => spool.ReplayAsync(async (batch, ct) =>
            {
                await crashing.WriteAsync((ObservationBatch)batch, fromSpool: true, ct);
                replayed++;
            }));
        }

        Assert.Equal(4 * Rows, await TestData.ScalarAsync(cs, "SELECT count(*) FROM observations"));

        // Restart: the service replays the spool at start.
        var service = new IngestService(dataSource, Options(), TimeProvider.System);
        await service.StartAsync(CancellationToken.None);
        var counters = service.Counters;
        await service.DisposeAsync();

        Assert.Equal(4, counters.BatchesAlreadyWritten);
        Assert.Equal(Batches - 4, counters.BatchesReplayed);
        Assert.Equal(Batches * Rows, await TestData.ScalarAsync(cs, "SELECT count(*) FROM observations"));
        Assert.Equal(Batches * Rows, await TestData.ScalarAsync(cs, "SELECT count(DISTINCT name) FROM observations"));
        Assert.Empty(Directory.GetFiles(_spoolDir));
    }

    [Fact]
    public async Task VisitSink_VisitsAndAnonymousTotals_AreStoredAndLateTotalsSummedOnce()
    {
        var cs = await cluster.CreateDatabaseAsync();
        await using var dataSource = NpgsqlDataSource.Create(cs);
        var service = new IngestService(dataSource, Options(), TimeProvider.System);
        await service.StartAsync(CancellationToken.None);
        var sink = Assert.IsAssignableFrom<CoppiceMonitor.Visits.IVisitSink>(service);
        var day = new DateOnly(2026, 11, 25);
        sink.WriteVisit(new CoppiceMonitor.Visits.Visit("s1", "p1", "d1", "Health", "Health", Day, Day.AddMinutes(3), 180, 180, 0, 0, 0,
            false, null, 2));
        sink.WriteAnonymousUsage(new CoppiceMonitor.Visits.AnonymousUsage("s1", day, "TikTok", "SocialMedia", CoppiceMonitor.Visits.DeviceKind.Pupil, 600, 3));
        sink.WriteAnonymousUsage(new CoppiceMonitor.Visits.AnonymousUsage("s1", day, "TikTok", "SocialMedia", null, 60, 1));
        Assert.True(await service.WaitUntilDrainedAsync(TimeSpan.FromSeconds(30)));
        sink.WriteAnonymousUsage(new CoppiceMonitor.Visits.AnonymousUsage("s1", day, "TikTok", "SocialMedia", CoppiceMonitor.Visits.DeviceKind.Pupil, 120, 1));
        Assert.True(await service.WaitUntilDrainedAsync(TimeSpan.FromSeconds(30)));
        await service.DisposeAsync();

        Assert.Equal(1, await TestData.ScalarAsync(cs, "SELECT count(*) FROM visits WHERE site_name IS NULL AND category = 'Health'"));
        Assert.Equal(720, await TestData.ScalarAsync(cs, "SELECT active_seconds FROM anonymous_usage WHERE kind = 2"));
        Assert.Equal(60, await TestData.ScalarAsync(cs, "SELECT active_seconds FROM anonymous_usage WHERE kind = -1"));

        // Replaying an already written totals batch must not add it twice.
        var batch = new AnonymousUsageBatch(Guid.NewGuid(), [new CoppiceMonitor.Visits.AnonymousUsage("s1", day, "TikTok", "SocialMedia", (CoppiceMonitor.Visits.DeviceKind)2, 30, 1)]);
        var writer = new AnonymousUsageWriter(dataSource, TimeProvider.System);
        Assert.Equal(BatchWriteOutcome.Written, await writer.WriteAsync(batch));
        Assert.Equal(BatchWriteOutcome.AlreadyWritten, await writer.WriteAsync(batch, fromSpool: true));
        Assert.Equal(750, await TestData.ScalarAsync(cs, "SELECT active_seconds FROM anonymous_usage WHERE kind = 2"));
    }

    [Fact]
    public async Task WriteAsync_QueueFull_WaitsForRoomWhileTryWriteDropsAndCounts()
    {
        var cs = await cluster.CreateDatabaseAsync();
        await using var dataSource = NpgsqlDataSource.Create(cs);
        var options = Options();
        options.Value.ObservationQueueCapacity = 2;
        var service = new IngestService(dataSource, options, TimeProvider.System);
        // Not started yet: nothing drains the queue.
        Assert.True(service.TryWrite(TestData.Observation(0, Day)));
        Assert.True(service.TryWrite(TestData.Observation(1, Day)));
        Assert.False(service.TryWrite(TestData.Observation(99, Day)));
        var waiting = service.WriteAsync(TestData.Observation(2, Day)).AsTask();
        await Task.Delay(100);
        Assert.False(waiting.IsCompleted, "WriteAsync must wait for room, not drop");

        await service.StartAsync(CancellationToken.None);
        await waiting.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(await service.WaitUntilDrainedAsync(TimeSpan.FromSeconds(30)));
        var counters = service.Counters;
        await service.DisposeAsync();

        Assert.Equal(1, counters.ObservationsDropped);
        Assert.Equal(3, counters.ObservationsQueued);
        Assert.Equal(3, await TestData.ScalarAsync(cs, "SELECT count(*) FROM observations"));
        Assert.Equal(0, await TestData.ScalarAsync(cs, "SELECT count(*) FROM observations WHERE name = 'n99'"));
    }

    [Fact]
    public async Task WriteAsync_DhcpLeasesFromObservations_StoredOnceEvenWhenReplayed()
    {
        var cs = await cluster.CreateDatabaseAsync();
        await using var dataSource = NpgsqlDataSource.Create(cs);
        var mac = new CoppiceMonitor.Capture.MacAddress(0x02_00_00_00_00_42);
        static CoppiceMonitor.Capture.Observation Dhcp(CoppiceMonitor.Capture.DhcpMessageType type, CoppiceMonitor.Capture.MacAddress mac,
            uint leaseSeconds, string? hostname) => new(Day, CoppiceMonitor.Capture.ObservationKind.DhcpLease, System.Net.IPAddress.Any, mac,
                System.Net.IPAddress.Broadcast, 68, CoppiceMonitor.Capture.TransportProtocol.Udp, 10, hostname,
                new CoppiceMonitor.Capture.DhcpDetail(type, null, System.Net.IPAddress.Parse("10.10.3.4"), leaseSeconds));

        var ackObservation = Dhcp(CoppiceMonitor.Capture.DhcpMessageType.Ack, mac, 3600, "staff-laptop-3");
        var infiniteObservation = Dhcp(CoppiceMonitor.Capture.DhcpMessageType.Ack, mac, uint.MaxValue, null);
        var ack = DhcpLeaseRecord.TryFrom("s1", ackObservation);
        var infinite = DhcpLeaseRecord.TryFrom("s2", infiniteObservation);
        Assert.Null(DhcpLeaseRecord.TryFrom("s1", Dhcp(CoppiceMonitor.Capture.DhcpMessageType.Request, mac, 3600, "x")));
        Assert.Null(DhcpLeaseRecord.TryFrom("s1", Dhcp(CoppiceMonitor.Capture.DhcpMessageType.Ack, CoppiceMonitor.Capture.MacAddress.None, 3600, "x")));
        Assert.NotNull(ack);
        Assert.NotNull(infinite);

        var service = new IngestService(dataSource, Options(), TimeProvider.System);
        await service.StartAsync(CancellationToken.None);
        // A replay waits for room; live capture does not. Either way the observation and its lease are stored.
        Assert.True(await service.WriteObservationAsync("s1", ackObservation, wait: true));
        Assert.True(await service.WriteObservationAsync("s2", infiniteObservation, wait: false));
        Assert.True(await service.WriteObservationAsync("s1", Dhcp(CoppiceMonitor.Capture.DhcpMessageType.Request, mac, 0, "x"), wait: false));
        Assert.True(await service.WaitUntilDrainedAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(2, service.LeasesQueued);
        Assert.Equal(0, service.LeasesDropped);
        await service.DisposeAsync();

        Assert.Equal(3, await TestData.ScalarAsync(cs, "SELECT count(*) FROM observations WHERE kind = 5"));
        Assert.Equal(2, await TestData.ScalarAsync(cs, "SELECT count(*) FROM dhcp_leases"));

        Assert.Equal(1, await TestData.ScalarAsync(cs, """
            SELECT count(*) FROM dhcp_leases WHERE school_id = 's1' AND mac = '02:00:00:00:00:42' AND address = '10.10.3.4'
              AND hostname = 'staff-laptop-3' AND start_utc = '2026-11-25 09:00Z' AND end_utc = '2026-11-25 10:00Z' AND batch_id IS NOT NULL
            """));
        Assert.Equal(1, await TestData.ScalarAsync(cs, "SELECT count(*) FROM dhcp_leases WHERE school_id = 's2' AND end_utc IS NULL AND hostname IS NULL"));

        // Through the spool and replayed twice: still once.
        var batch = new DhcpLeaseBatch(Guid.NewGuid(), [ack with { SchoolId = "s3" }]);
        using (var spool = new IngestSpool(Path.Combine(_spoolDir, "dhcp")))
        {
            spool.Append(batch);
            spool.Append(batch);
            var writer = new DhcpLeaseCopyWriter(dataSource, TimeProvider.System);
            var outcomes = new List<BatchWriteOutcome>();
            await spool.ReplayAsync(async (b, ct) => outcomes.Add(await writer.WriteAsync((DhcpLeaseBatch)b, fromSpool: true, ct)));
            Assert.Equal([BatchWriteOutcome.Written, BatchWriteOutcome.AlreadyWritten], outcomes);
        }

        Assert.Equal(1, await TestData.ScalarAsync(cs, "SELECT count(*) FROM dhcp_leases WHERE school_id = 's3' AND hostname = 'staff-laptop-3'"));
    }

    private sealed class SimulatedCrashException : Exception;
}
