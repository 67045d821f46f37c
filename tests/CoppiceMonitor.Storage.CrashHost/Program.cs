using System.Globalization;
using System.Net;
using CoppiceMonitor.Capture;
using CoppiceMonitor.Storage.Ingest;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CoppiceMonitor.Storage.CrashHost;

/// <summary>
/// The ingesting process of the storage crash test. Talks to the test over stdin/stdout lines.
/// <list type="bullet">
/// <item><c>ingest &lt;cs&gt; &lt;spool&gt; &lt;count&gt; &lt;batch&gt; &lt;hangBatch&gt; &lt;hangRow&gt;</c>: writes observations
/// n0..n(count/2-1) while the database is up, prints <c>written</c>, waits for a stdin line (the test stops the
/// server), writes the rest (they go to the spool), prints <c>spooled &lt;batches&gt;</c>; once the server is back the
/// spool is replayed and the process stops itself inside the COPY of replayed batch number hangBatch, after row
/// hangRow, printing <c>in-copy</c> - where the test SIGKILLs it.</item>
/// <item><c>replay &lt;cs&gt; &lt;spool&gt;</c>: a restart: starts the service (which replays the spool), waits until it
/// is drained and prints <c>replayed &lt;replayed&gt; &lt;alreadyWritten&gt; &lt;corrupt&gt;</c>.</item>
/// </list>
/// </summary>
internal static class Program
{
    private static readonly DateTime Start = new(2026, 11, 25, 9, 0, 0, DateTimeKind.Utc);

    public static async Task<int> Main(string[] args)
    {
        if (args.Length < 3)
        {
            await Console.Error.WriteLineAsync("usage: ingest|replay <connection string> <spool folder> ...").ConfigureAwait(false);
            return 2;
        }

        await using var dataSource = NpgsqlDataSource.Create(args[1]);
        var batch = args.Length > 4 ? Parse(args[4]) : 200;
        var service = new IngestService(dataSource, Options.Create(new IngestOptions
        {
            ObservationBatchSize = batch,
            MaxBatchDelayMilliseconds = 20,
            // Small queue: WriteAsync must wait for room (bounded memory) rather than drop.
            ObservationQueueCapacity = batch * 2,
            RetryMilliseconds = 200,
            SpoolDirectory = args[2],
        }), TimeProvider.System);
        await service.StartAsync(CancellationToken.None).ConfigureAwait(false);
        return args[0] switch
        {
            "ingest" => await IngestAsync(service, Parse(args[3]), Parse(args[5]), Parse(args[6])).ConfigureAwait(false),
            "replay" => await ReplayAsync(service).ConfigureAwait(false),
            _ => 2,
        };
    }

    private static async Task<int> IngestAsync(IngestService service, int count, int hangBatch, int hangRow)
    {
        var half = count / 2;
        for (var i = 0; i < half; i++)
        {
            await service.WriteAsync(Observation(i)).ConfigureAwait(false);
        }

        if (!await service.WaitUntilDrainedAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false))
        {
            return 3;
        }

        Say("written");
        _ = Console.ReadLine(); // the test stops the server, then answers
        for (var i = half; i < count; i++)
        {
            await service.WriteAsync(Observation(i)).ConfigureAwait(false);
        }

        if (!await service.WaitUntilPersistedAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false))
        {
            return 4;
        }

        // From here on every COPY is a replay of the spool (nothing new is queued): hang in one of them.
        var batches = 0;
        service.ObservationWriter.RowWritten = row =>
        {
            if (row == 0)
            {
                batches++;
            }

            if (batches == hangBatch && row == hangRow)
            {
                Say("in-copy");
                Thread.Sleep(Timeout.Infinite);
            }
        };
        Say(string.Create(CultureInfo.InvariantCulture, $"spooled {service.Counters.BatchesSpooled}"));
        await Task.Delay(Timeout.Infinite).ConfigureAwait(false);
        return 0;
    }

    private static async Task<int> ReplayAsync(IngestService service)
    {
        var drained = await service.WaitUntilDrainedAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);
        var c = service.Counters;
        await service.DisposeAsync().ConfigureAwait(false);
        Say(string.Create(CultureInfo.InvariantCulture, $"replayed {c.BatchesReplayed} {c.BatchesAlreadyWritten} {c.CorruptSpoolRecords}"));
        return drained ? 0 : 5;
    }

    /// <summary>Observation number i: its Name ("n{i}") identifies it in the database.</summary>
    private static ObservationRecord Observation(int i) => new("s1", Start.AddMilliseconds(i), ObservationKind.TlsClientHello,
        IPAddress.Parse("10.10.0.5"), new MacAddress(0x02_00_00_00_00_01), IPAddress.Parse("157.240.1.35"), 443,
        TransportProtocol.Tcp, 10, string.Create(CultureInfo.InvariantCulture, $"n{i}"), """{"alpn":"h2"}""");

    private static int Parse(string s) => int.Parse(s, CultureInfo.InvariantCulture);

    private static void Say(string line)
    {
        Console.Out.WriteLine(line);
        Console.Out.Flush();
    }
}
