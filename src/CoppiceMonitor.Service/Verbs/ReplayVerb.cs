using System.CommandLine;
using System.Globalization;
using CoppiceMonitor.Capture;
using CoppiceMonitor.Service.Cli;
using CoppiceMonitor.Service.Hosting;
using CoppiceMonitor.Service.Pipeline;
using CoppiceMonitor.Storage.Ingest;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CoppiceMonitor.Service.Verbs;

/// <summary>`replay FILE...`: feed captures through the same pipeline as live capture, into the database.</summary>
public static class ReplayVerb
{
    public static readonly Argument<FileInfo[]> Files = new("FILE")
    {
        Description = "pcap, pcapng or .gz capture files (a folder: the capture files in it), replayed in order as one stream.",
        Arity = ArgumentArity.OneOrMore,
    };

    public static readonly Option<string> Pace = new("--pace")
    {
        Description = "top: as fast as possible; capture: at the pace the packets were captured.",
        DefaultValueFactory = _ => "top",
    };

    public static Command Create()
    {
        Pace.AcceptOnlyFromAmong("top", "capture");
        Files.AcceptExistingOnly();
        var command = new Command("replay", "Replay capture files through the full pipeline (decode, visits, storage) with a progress bar.")
        {
            Files,
            Pace,
        };
        command.SetAction((parse, ct) => VerbRunner.RunAsync(parse, HostKind.Worker, b =>
        {
            b.Services.AddCoppicePipeline(b.Configuration);
            b.Services.AddCoppiceCapture(b.Configuration);
            // Replay must not lose observations to a full ingest queue: the whole day may queue while COPY catches up.
            b.Services.PostConfigure<IngestOptions>(o => o.ObservationQueueCapacity = Math.Max(o.ObservationQueueCapacity, 10_000_000));
        }, (services, token) => RunAsync(parse, services, token), ct));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, IServiceProvider services, CancellationToken cancellationToken)
    {
        var files = CaptureFileArguments.Expand(parse.GetRequiredValue(Files));
        var capturePace = parse.GetValue(Pace) == "capture";
        var time = services.GetRequiredService<TimeProvider>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("CoppiceMonitor.Service.Replay");
        var options = services.GetRequiredService<IOptions<ServiceOptions>>().Value;
        var captureFactory = services.GetRequiredService<CaptureFactory>();
        Log.ReplayStarting(logger, files.Count, capturePace ? "capture" : "top");

        await using var pipeline = await MonitorPipeline.StartAsync(services, live: false, cancellationToken).ConfigureAwait(false);
        var totalBytes = files.Sum(f => new FileInfo(f).Length);
        var progress = ProgressReporter.ForStandardError(time, "replay", totalBytes);
        var decoder = captureFactory.CreateDecoder(new WaitingChannelSink(pipeline.Channel, cancellationToken));
        long doneBytes = 0;
        CaptureFileReader? current = null;
        var failed = false;

        var decoding = Task.Factory.StartNew(() =>
        {
            IFrameHandler handler = capturePace ? new PacedFrameHandler(decoder, time, cancellationToken) : decoder;
            foreach (var path in files)
            {
                // A zero-byte file is a capture stopped before its first write: nothing to replay, nothing damaged.
                if (new FileInfo(path).Length == 0)
                {
                    Console.Error.WriteLine($"coppice-monitor: {path}: empty file, nothing to replay");
                    continue;
                }

                // A broken file (bad header, corrupt gzip, truncated record) is one line naming file and offset;
                // the other files still go through, and the exit code is 1.
                try
                {
                    using var reader = CaptureFileReader.Open(path);
                    Volatile.Write(ref current, reader);
                    reader.Run(handler, cancellationToken);
                    if (reader.DroppedTimestampsWarning is { } warning)
                    {
                        Console.Error.WriteLine($"coppice-monitor: warning: {warning}");
                    }
                }
                catch (CaptureFileFormatException ex)
                {
                    failed = true;
                    Console.Error.WriteLine($"coppice-monitor: {ex.Message}");
                }

                Volatile.Write(ref current, null);
                Interlocked.Add(ref doneBytes, new FileInfo(path).Length);
            }

            decoder.Complete();
        }, cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        while (!decoding.IsCompleted)
        {
            await Task.WhenAny(decoding, Task.Delay(progress.Interval, cancellationToken)).ConfigureAwait(false);
            var position = Interlocked.Read(ref doneBytes) + (Volatile.Read(ref current)?.Position ?? 0);
            progress.Report(position, Detail(decoder.Counters.Packets, pipeline));
        }

        await decoding.ConfigureAwait(false);
        var drainTimeout = TimeSpan.FromSeconds(Math.Max(options.DrainTimeoutSeconds, 300));
        var drained = await pipeline.CompleteAsync(drainTimeout, cancellationToken).ConfigureAwait(false);
        var counters = decoder.Counters;
        var ingest = pipeline.Ingest.Counters;
        progress.Complete(string.Create(CultureInfo.InvariantCulture,
            $"{counters.Packets:N0} packets, {pipeline.Stage.Observations:N0} observations, {pipeline.Stage.Visits:N0} visits, {pipeline.Stage.AnonymousRows:N0} anonymous totals"));

        var output = parse.InvocationConfiguration.Output;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"packets          {counters.Packets}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"observations     {pipeline.Stage.Observations}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"visits           {pipeline.Stage.Visits}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"anonymous_rows   {pipeline.Stage.AnonymousRows}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"malformed        {counters.TotalMalformed}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"channel_drops    {pipeline.Channel.Dropped}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ingest_drops     {ingest.ObservationsDropped}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"batches_written  {ingest.BatchesWritten}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"batches_spooled  {ingest.BatchesSpooled}"));
        if (pipeline.Stage.Observations == 0)
        {
            // Header-only captures and link types the decoder does not read are not errors, but say so plainly.
            var unsupported = counters.UnsupportedLinkType > 0
                ? string.Create(CultureInfo.InvariantCulture, $" ({counters.UnsupportedLinkType} frames of an unsupported link type)")
                : "";
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"coppice-monitor: no observations in {counters.Packets} packets{unsupported}"));
        }

        if (!drained)
        {
            Console.Error.WriteLine("coppice-monitor: the database did not take everything in time; the rest is in the spool and goes in at the next start.");
        }

        return failed || !drained ? ExitCodes.RuntimeFailure : ExitCodes.Success;
    }

    private static string Detail(long packets, MonitorPipeline pipeline) => string.Create(CultureInfo.InvariantCulture,
        $"{packets:N0} pkts {pipeline.Stage.Observations:N0} obs {pipeline.Stage.Visits:N0} visits");

    /// <summary>Holds each frame back until its capture-time offset has passed on the wall clock.</summary>
    private sealed class PacedFrameHandler(IFrameHandler inner, TimeProvider time, CancellationToken cancellationToken) : IFrameHandler
    {
        private DateTime _firstPacket;
        private long _startedAt;

        public void OnFrame(DateTime timestampUtc, LinkType linkType, ReadOnlySpan<byte> frame)
        {
            if (_startedAt == 0)
            {
                _firstPacket = timestampUtc;
                _startedAt = time.GetTimestamp();
            }

            var due = timestampUtc - _firstPacket - time.GetElapsedTime(_startedAt);
            if (due > TimeSpan.FromMilliseconds(1))
            {
                cancellationToken.WaitHandle.WaitOne(due);
                cancellationToken.ThrowIfCancellationRequested();
            }

            inner.OnFrame(timestampUtc, linkType, frame);
        }
    }
}
