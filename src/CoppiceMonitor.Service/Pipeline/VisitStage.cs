using CoppiceMonitor.Capture;
using CoppiceMonitor.Visits;
using Microsoft.Extensions.Logging;

namespace CoppiceMonitor.Service.Pipeline;

/// <summary>
/// The single consumer of the observation channel: each observation goes to storage and through the
/// <see cref="VisitPipeline"/>; the visits and anonymous totals it emits go to storage. Live mode also lets time pass
/// on quiet links (Flush on the wall clock); replay advances on packet time only. Ends when the channel completes,
/// after <see cref="VisitPipeline.Complete"/> has emitted every open visit.
/// </summary>
public sealed class VisitStage
{
    private readonly ObservationChannel _channel;
    private readonly VisitPipeline _pipeline;
    private readonly IPipelineOutput _output;
    private readonly TimeProvider _time;
    private readonly TimeSpan _flushInterval;
    private readonly bool _live;
    private readonly ILogger _logger;
    private readonly CollectingSink _sink;
    private long _observations;
    private long _visits;
    private long _anonymousRows;

    public VisitStage(ObservationChannel channel, Func<IVisitSink, VisitPipeline> pipelineFactory, IPipelineOutput output,
        TimeProvider time, TimeSpan flushInterval, bool live, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(pipelineFactory);
        _channel = channel;
        _output = output;
        _time = time;
        _flushInterval = flushInterval;
        _live = live;
        _logger = logger;
        _sink = new CollectingSink();
        _pipeline = pipelineFactory(_sink);
    }

    public string SchoolId => _pipeline.Calendar.SchoolId;

    public long Observations => Interlocked.Read(ref _observations);

    public long Visits => Interlocked.Read(ref _visits);

    public long AnonymousRows => Interlocked.Read(ref _anonymousRows);

    public VisitPipeline Pipeline => _pipeline;

    /// <summary>Swaps in a re-imported registry between observations (the pipeline is single-threaded).</summary>
    public void UpdateRegistry(DeviceRegistry registry) => _pendingRegistry = registry;

    private volatile DeviceRegistry? _pendingRegistry;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var reader = _channel.Reader;
        var nextFlush = _time.GetTimestamp();
        var schoolId = SchoolId;
        try
        {
            while (true)
            {
                bool more;
                using (var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                {
                    wait.CancelAfter(_flushInterval);
                    try
                    {
                        more = await reader.WaitToReadAsync(wait.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                    {
                        more = true;
                    }
                }

                if (_pendingRegistry is { } registry)
                {
                    _pendingRegistry = null;
                    _pipeline.UpdateRegistry(registry);
                }

                var batch = 0;
                while (reader.TryRead(out var observation))
                {
                    await _output.WriteObservationAsync(schoolId, observation, wait: !_live, cancellationToken).ConfigureAwait(false);
                    _pipeline.Add(observation);
                    Interlocked.Increment(ref _observations);
                    if (++batch == 4096)
                    {
                        await DrainSinkAsync(cancellationToken).ConfigureAwait(false);
                        batch = 0;
                    }
                }

                if (_live && _time.GetElapsedTime(nextFlush) >= _flushInterval)
                {
                    _pipeline.Flush(_time.GetUtcNow().UtcDateTime);
                    nextFlush = _time.GetTimestamp();
                }

                await DrainSinkAsync(cancellationToken).ConfigureAwait(false);
                if (!more)
                {
                    break;
                }
            }

            _pipeline.Complete();
            await DrainSinkAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.StageFailed(_logger, ex, "visits");
            throw;
        }
    }

    private async Task DrainSinkAsync(CancellationToken cancellationToken)
    {
        while (_sink.Visits.TryDequeue(out var visit))
        {
            await _output.WriteVisitAsync(visit, cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref _visits);
        }

        while (_sink.Anonymous.TryDequeue(out var usage))
        {
            await _output.WriteAnonymousUsageAsync(usage, cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref _anonymousRows);
        }
    }

    /// <summary>The pipeline's sink is synchronous; results wait here for the stage's asynchronous writes.</summary>
    private sealed class CollectingSink : IVisitSink
    {
        public Queue<Visit> Visits { get; } = new();

        public Queue<AnonymousUsage> Anonymous { get; } = new();

        public void WriteVisit(Visit visit) => Visits.Enqueue(visit);

        public void WriteAnonymousUsage(AnonymousUsage usage) => Anonymous.Enqueue(usage);
    }
}

/// <summary>Decoder output into the channel without waiting (live capture: drop and count when full).</summary>
public sealed class DroppingChannelSink(ObservationChannel channel) : IObservationSink
{
    public void Write(in Observation observation) => channel.TryWrite(observation);
}

/// <summary>Decoder output into the channel waiting for room (replay of files: nothing may be lost).</summary>
public sealed class WaitingChannelSink(ObservationChannel channel, CancellationToken cancellationToken) : IObservationSink
{
    public void Write(in Observation observation) => channel.WriteBlocking(observation, cancellationToken);
}
