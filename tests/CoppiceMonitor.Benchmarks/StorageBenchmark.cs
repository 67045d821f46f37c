using CoppiceMonitor.Visits;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using CoppiceMonitor.Capture;
using CoppiceMonitor.Storage;
using CoppiceMonitor.Storage.Ingest;
using CoppiceMonitor.Storage.Retention;
using CoppiceMonitor.Testing;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CoppiceMonitor.Benchmarks;

/// <summary>
/// `storage` workload: binary COPY ingest rates for observations and visits, and the purge of a day of 1,000,000
/// visits with nothing held and with 1% held, on a private PostgreSQL server with default (durable) settings.
/// Arguments: [rows] (default 1000000).
/// </summary>
internal static class StorageBenchmark
{
    public static int Run(string[] args) => RunAsync(args).GetAwaiter().GetResult();

    private static async Task<int> RunAsync(string[] args)
    {
        var rows = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
        var time = TimeProvider.System;
        await using var server = await LocalPostgresServer.StartAsync(new LocalPostgresServerOptions());
        var cs = await PostgresCluster.CreateMigratedDatabaseAsync(server, "bench");
        await using var dataSource = NpgsqlDataSource.Create(cs);
        var maintainer = new PartitionMaintainer(dataSource, time);
        await maintainer.RunAsync(1);
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        Console.WriteLine($"storage benchmark: {rows:N0} rows per run, PostgreSQL at {server.BinDirectory}, {Environment.ProcessorCount} cores");

        // Observations: batches of 5,000 (the default), all today.
        var observationWriter = new ObservationCopyWriter(dataSource, time);
        var start = today.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc).AddHours(8);
        var observations = Enumerable.Range(0, rows).Select(i => new ObservationRecord("s1", start.AddMilliseconds(i * 20),
            ObservationKind.TlsClientHello, new IPAddress(0x0A0A0000 | (uint)(i % 500)), new MacAddress(0x020000000000UL | (uint)(i % 500)),
            IPAddress.Parse("157.240.1.35"), 443, TransportProtocol.Tcp, 10, "www.facebook.com", """{"alpn":"h2","ech":false,"version":772}""")).ToArray();
        var cpu = CpuSeconds(server);
        var clientCpu = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
        var rate = await TimeBatchesAsync(observations, 5000, b => observationWriter.WriteAsync(new ObservationBatch(Guid.NewGuid(), b)));
        var used = CpuSeconds(server) - cpu;
        clientCpu = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds - clientCpu;
        Console.WriteLine($"COPY observations: {rate:N0} rows/s wall (goal 200,000); {rows / used:N0} rows per CPU-second (client + server; client {100 * clientCpu / used:N0}% of it)");

        // Two COPY streams at once, as IngestService runs them (IngestOptions.ObservationWriters = 2).
        cpu = CpuSeconds(server);
        var parallel = Stopwatch.StartNew();
        var half = rows / 2;
        await Task.WhenAll(
            TimeBatchesAsync(observations[..half], 5000, b => observationWriter.WriteAsync(new ObservationBatch(Guid.NewGuid(), b))),
            TimeBatchesAsync(observations[half..], 5000, b => observationWriter.WriteAsync(new ObservationBatch(Guid.NewGuid(), b))));
        Console.WriteLine($"COPY observations, 2 streams: {rows / parallel.Elapsed.TotalSeconds:N0} rows/s wall; {rows / (CpuSeconds(server) - cpu):N0} rows per CPU-second");

        // End to end through IngestService.WriteAsync (channel, batching, batch ids, 2 writers).
        var spool = Directory.CreateTempSubdirectory("coppice-bench-spool").FullName;
        try
        {
            var ingest = new IngestService(dataSource, Options.Create(new IngestOptions { SpoolDirectory = spool }), time);
            await ingest.StartAsync(CancellationToken.None);
            cpu = CpuSeconds(server);
            var endToEnd = Stopwatch.StartNew();
            foreach (var observation in observations)
            {
                await ingest.WriteAsync(observation);
            }

            var drained = await ingest.WaitUntilDrainedAsync(TimeSpan.FromMinutes(10));
            var elapsed = endToEnd.Elapsed.TotalSeconds;
            var ingestCpu = CpuSeconds(server) - cpu;
            await ingest.DisposeAsync();
            await using var count = dataSource.CreateCommand("SELECT count(*) FROM observations");
            var stored = (long)(await count.ExecuteScalarAsync())!;
            Console.WriteLine($"IngestService observations: {rows / elapsed:N0} rows/s wall; {rows / ingestCpu:N0} rows per CPU-second; drained {drained}, " +
                $"{stored:N0} rows in the table after the three passes (expected {3L * rows:N0})");
        }
        finally
        {
            Directory.Delete(spool, recursive: true);
        }

        await using (var truncate = dataSource.CreateCommand("TRUNCATE observations"))
        {
            await truncate.ExecuteNonQueryAsync();
        }

        // Visits: two past days of `rows` each, 100 staff; the days are past the 90-day window for the purges.
        var visitWriter = new VisitCopyWriter(dataSource, time);
        var dayFree = today.AddDays(-120);
        var dayHeld = today.AddDays(-121);
        await maintainer.EnsurePartitionAsync(PartitionedTable.Visits, dayFree);
        await maintainer.EnsurePartitionAsync(PartitionedTable.Visits, dayHeld);
        cpu = CpuSeconds(server);
        var visitRate = await TimeBatchesAsync(Visits(dayFree, rows), 10_000, b => visitWriter.WriteAsync(new VisitBatch(Guid.NewGuid(), b)));
        Console.WriteLine($"COPY visits: {visitRate:N0} rows/s wall; {rows / (CpuSeconds(server) - cpu):N0} rows per CPU-second (client + server)");

        var audit = new AuditLog(dataSource, time);
        var purger = new RetentionPurger(dataSource, Options.Create(new RetentionOptions()), audit, time);
        await using (var vacuum = dataSource.CreateCommand("VACUUM ANALYZE visits"))
        {
            // What autovacuum would have done by the time a day is 90 days old.
            await vacuum.ExecuteNonQueryAsync();
        }

        cpu = CpuSeconds(server);
        var watch = Stopwatch.StartNew();
        var free = await purger.PurgeAsync(actor: "bench");
        Console.WriteLine($"purge of a day with {free.Deleted["visits"]:N0} visits, nothing held: {watch.Elapsed.TotalMilliseconds:N0} ms wall (goal < 1,000 ms), {(CpuSeconds(server) - cpu) * 1000:N0} ms CPU");

        // The first purge dropped the (then empty) partition of this day too: make it again before loading.
        await maintainer.EnsurePartitionAsync(PartitionedTable.Visits, dayHeld);
        await TimeBatchesAsync(Visits(dayHeld, rows), 10_000, b => visitWriter.WriteAsync(new VisitBatch(Guid.NewGuid(), b)));
        await using (var vacuum = dataSource.CreateCommand("VACUUM ANALYZE visits"))
        {
            await vacuum.ExecuteNonQueryAsync();
        }

        var heldFrom = dayHeld.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        await new InvestigationStore(dataSource, audit, time).OpenAsync(new InvestigationRequest("s1", "p7", heldFrom, heldFrom.AddDays(1),
            "benchmark hold", "bench", InvestigatorRole.HR));
        cpu = CpuSeconds(server);
        watch.Restart();
        var held = await purger.PurgeAsync(actor: "bench");
        Console.WriteLine($"purge of a day with {held.Deleted["visits"] + held.MovedToHeld["visits"]:N0} visits, {held.MovedToHeld["visits"]:N0} held (1%): {watch.Elapsed.TotalMilliseconds:N0} ms wall, {(CpuSeconds(server) - cpu) * 1000:N0} ms CPU");
        return 0;
    }

    /// <summary>
    /// CPU seconds used so far by this process and the PostgreSQL server's processes: on a shared, loaded machine
    /// wall-clock rates say more about the neighbours than about the code.
    /// </summary>
    private static double CpuSeconds(LocalPostgresServer server)
    {
        const double ticks = 100.0; // USER_HZ, 100 on Linux
        var postmaster = int.Parse(File.ReadLines(Path.Combine(server.DataDirectory, "postmaster.pid")).First(), CultureInfo.InvariantCulture);
        double total = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var ppid = int.Parse(fields[1], CultureInfo.InvariantCulture);
                if (pid == postmaster || ppid == postmaster)
                {
                    total += (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / ticks;
                }
            }
            catch (IOException)
            {
            }
        }

        return total;
    }

    private static Visit[] Visits(DateOnly day, int count)
    {
        var start = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc).AddHours(7);
        return [.. Enumerable.Range(0, count).Select(i => new Visit("s1", $"p{i % 100}", $"d{i % 100}", "Facebook", "SocialMedia",
            start.AddMilliseconds(i * 30), start.AddMilliseconds((i * 30) + 300_000), 240, 120, 60, 60, 0, false, "www.facebook.com", 3))];
    }

    private static async Task<double> TimeBatchesAsync<T>(T[] rows, int batchSize, Func<T[], Task> write)
    {
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < rows.Length; i += batchSize)
        {
            await write(rows[i..Math.Min(rows.Length, i + batchSize)]);
        }

        return rows.Length / watch.Elapsed.TotalSeconds;
    }
}
