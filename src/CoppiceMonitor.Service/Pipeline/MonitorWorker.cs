using CoppiceMonitor.Capture;
using CoppiceMonitor.Capture.Live;
using CoppiceMonitor.Service.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CoppiceMonitor.Service.Pipeline;

/// <summary>
/// The `run` worker: one Capture <see cref="LiveCapture"/> per configured interface (built by the CaptureFactory) writing
/// into the shared observation channel without ever waiting, and the <see cref="MonitorPipeline"/> behind it.
/// Start-up work is in StartAsync so systemd's READY (Type=notify) means "capturing". Stop: captures end, their
/// decoders summarise open flows, the visit stage emits open visits, ingest drains to the database or spool.
/// </summary>
public sealed class MonitorWorker(
    IServiceProvider services,
    IOptions<ServiceOptions> serviceOptions,
    CaptureFactory captureFactory,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<MonitorWorker> logger) : IHostedService, IAsyncDisposable
{
    private readonly CancellationTokenSource _stopCapture = new();
    private readonly List<LiveCapture> _captures = [];
    private readonly DateTimeOffset _started = time.GetUtcNow();
    private MonitorPipeline? _pipeline;
    private ITimer? _statusTimer;
    private long _lastLoggedDrops;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var options = serviceOptions.Value;
        _pipeline = await MonitorPipeline.StartAsync(services, live: true, cancellationToken).ConfigureAwait(false);
        _ = _pipeline.StageCompletion.ContinueWith(
            t =>
            {
                Environment.ExitCode = 1;
                lifetime.StopApplication();
            },
            CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);

        var captureOptions = captureFactory.Options;
        if (captureOptions.Interfaces.Count == 0)
        {
            Log.NoInterfaces(logger);
        }

        foreach (var name in captureOptions.Interfaces)
        {
            var capture = captureFactory.CreateLive(name, options.CaptureRingBytes, new DroppingChannelSink(_pipeline.Channel));
            _captures.Add(capture);
            capture.Start(_stopCapture.Token);
            Log.CaptureStarted(logger, name, captureOptions.Filter.Length > 0 ? "filtered" : "all traffic");
            _ = capture.Completion.ContinueWith(
                t =>
                {
                    Environment.ExitCode = 1;
                    lifetime.StopApplication();
                },
                CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }

        _statusTimer = time.CreateTimer(_ => WriteStatus(stopped: false), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(options.FlushIntervalSeconds));
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopCapture.CancelAsync().ConfigureAwait(false);
        foreach (var capture in _captures)
        {
            try
            {
                await capture.Completion.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Already logged by the capture; the rest of the pipeline still drains.
                Environment.ExitCode = 1;
            }

            var status = capture.Status();
            Log.CaptureStopped(logger, status.Name, status.Packets, status.KernelDrops, status.InterfaceDrops, status.RingDrops);
        }

        if (_statusTimer is not null)
        {
            await _statusTimer.DisposeAsync().ConfigureAwait(false);
        }

        if (_pipeline is not null)
        {
            try
            {
                await _pipeline.CompleteAsync(TimeSpan.FromSeconds(serviceOptions.Value.DrainTimeoutSeconds), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.StageFailed(logger, ex, "drain");
                Environment.ExitCode = 1;
            }

            WriteStatus(stopped: true);
        }
    }

    private void WriteStatus(bool stopped)
    {
        var pipeline = _pipeline;
        if (pipeline is null)
        {
            return;
        }

        try
        {
            var interfaces = _captures.Select(c => InterfaceStatus.From(c.Status())).ToList();
            var drops = pipeline.Channel.Dropped;
            if (drops > _lastLoggedDrops)
            {
                Log.ChannelDrops(logger, drops);
                _lastLoggedDrops = drops;
            }

            var options = serviceOptions.Value;
            var ingest = pipeline.Ingest.Counters;
            new StatusSnapshot(
                time.GetUtcNow(),
                Environment.ProcessId,
                _started,
                interfaces,
                interfaces.Sum(i => i.Packets),
                pipeline.Stage.Observations,
                drops,
                pipeline.Channel.Count,
                pipeline.Stage.Visits,
                ingest.BatchesWritten,
                pipeline.Stage.Buffered,
                StatusSnapshot.FolderBytes(options.ResolvedSpoolFolder),
                stopped,
                ingest.ObservationsDropped,
                ingest.DatabaseAvailable,
                pipeline.Stage.Unrouted).WriteTo(options.DataFolder);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            Log.StatusWriteFailed(logger, ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_pipeline is not null)
        {
            await _pipeline.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var capture in _captures)
        {
            capture.Dispose();
        }

        _stopCapture.Dispose();
    }
}
