using CoppiceMonitor.Capture;
using CoppiceMonitor.Service.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CoppiceMonitor.Service.Pipeline;

/// <summary>
/// The `run` worker: one capture thread per configured interface (LiveCapture + its own PacketDecoder) writing
/// into the shared observation channel without ever waiting, and the <see cref="MonitorPipeline"/> behind it.
/// Start-up work is in StartAsync so systemd's READY (Type=notify) means "capturing". Stop: captures end, their
/// decoders summarise open flows, the visit stage emits open visits, ingest drains to the database or spool.
/// </summary>
public sealed class MonitorWorker(
    IServiceProvider services,
    IOptions<ServiceOptions> serviceOptions,
    IOptions<CaptureOptions> captureOptions,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<MonitorWorker> logger) : IHostedService, IAsyncDisposable
{
    private readonly CancellationTokenSource _stopCapture = new();
    private readonly List<CaptureThread> _captures = [];
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

        if (captureOptions.Value.Interfaces.Count == 0)
        {
            Log.NoInterfaces(logger);
        }

        foreach (var name in captureOptions.Value.Interfaces)
        {
            var capture = new CaptureThread(name, captureOptions.Value, _pipeline.Channel, time, logger, () =>
            {
                Environment.ExitCode = 1;
                lifetime.StopApplication();
            });
            _captures.Add(capture);
            capture.Start(_stopCapture.Token);
        }

        _statusTimer = time.CreateTimer(_ => WriteStatus(stopped: false), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(options.FlushIntervalSeconds));
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopCapture.CancelAsync().ConfigureAwait(false);
        foreach (var capture in _captures)
        {
            await capture.Completion.ConfigureAwait(false);
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
            var interfaces = _captures.Select(c => c.Status()).ToList();
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
                pipeline.Stage.Pipeline.Buffered,
                StatusSnapshot.FolderBytes(options.ResolvedSpoolFolder),
                stopped,
                ingest.ObservationsDropped,
                ingest.DatabaseAvailable).WriteTo(options.DataFolder);
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

    /// <summary>One interface: capture and decode on a dedicated thread (libpcap's buffer is valid only in the callback).</summary>
    private sealed class CaptureThread(string name, CaptureOptions options, ObservationChannel channel, TimeProvider time, ILogger logger, Action onFailure) : IDisposable
    {
        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private LiveCapture? _capture;
        private PacketDecoder? _decoder;

        public Task Completion => _done.Task;

        public void Dispose() => _capture?.Dispose();

        public void Start(CancellationToken stopping)
        {
            var thread = new Thread(() => Run(stopping)) { IsBackground = true, Name = "capture " + name };
            thread.Start();
        }

        public InterfaceStatus Status()
        {
            var stats = _capture?.Statistics ?? default;
            return new InterfaceStatus(name, _decoder?.Counters.Packets ?? 0, stats.DroppedPackets, stats.InterfaceDroppedPackets);
        }

        private void Run(CancellationToken stopping)
        {
            try
            {
                _decoder = new PacketDecoder(new DroppingChannelSink(channel), options);
                _capture = new LiveCapture(name, options, time);
                Log.CaptureStarted(logger, name, options.Filter.Length > 0 ? "filtered" : "all traffic");
                _capture.Run(_decoder, stopping);
                var stats = _capture.Statistics;
                _decoder.Complete();
                Log.CaptureStopped(logger, name, _decoder.Counters.Packets, stats.DroppedPackets, stats.InterfaceDroppedPackets);
            }
            catch (Exception ex)
            {
                Log.CaptureFailed(logger, ex, name);
                onFailure();
            }
            finally
            {
                _capture?.Dispose();
                _done.TrySetResult();
            }
        }
    }
}
