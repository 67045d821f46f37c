using CoppiceMonitor.Capture;
using CoppiceMonitor.Visits;
using Microsoft.Extensions.Logging;

namespace CoppiceMonitor.Service.Pipeline;

/// <summary>
/// The single consumer of the observation channel: a <see cref="SchoolRouter"/> picks each observation's school,
/// then it goes to storage and through that school's <see cref="VisitPipeline"/> (its registry and calendar); the
/// visits and anonymous totals they emit go to storage. Live mode also lets time pass
/// on quiet links (Flush on the wall clock); replay advances on packet time only. Ends when the channel completes,
/// after <see cref="VisitPipeline.Complete"/> has emitted every open visit.
/// </summary>
public sealed class VisitStage
{
    private readonly ObservationChannel _channel;
    private readonly IReadOnlyList<VisitPipeline> _pipelines;
    private readonly string[] _schoolIds;
    private readonly SchoolRouter _router;
    private readonly IPipelineOutput _output;
    private readonly TimeProvider _time;
    private readonly TimeSpan _flushInterval;
    private readonly bool _live;
    private readonly ILogger _logger;
    private readonly CollectingSink _sink;
    private long _observations;
    private long _visits;
    private long _anonymousRows;
    private long _unrouted;

    /// <summary>One school: every observation is that school's.</summary>
    public VisitStage(ObservationChannel channel, Func<IVisitSink, VisitPipeline> pipelineFactory, IPipelineOutput output,
        TimeProvider time, TimeSpan flushInterval, bool live, ILogger logger)
        : this(channel, sink => [pipelineFactory(sink)], new SchoolRouter([new SchoolNetworkOptions()]), output, time, flushInterval, live, logger)
    {
    }

    /// <param name="pipelinesFactory">One pipeline per school, in the router's school order, all writing to the given sink.</param>
    public VisitStage(ObservationChannel channel, Func<IVisitSink, IReadOnlyList<VisitPipeline>> pipelinesFactory, SchoolRouter router,
        IPipelineOutput output, TimeProvider time, TimeSpan flushInterval, bool live, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(pipelinesFactory);
        ArgumentNullException.ThrowIfNull(router);
        _channel = channel;
        _router = router;
        _output = output;
        _time = time;
        _flushInterval = flushInterval;
        _live = live;
        _logger = logger;
        _sink = new CollectingSink();
        _pipelines = pipelinesFactory(_sink);
        if (_pipelines.Count != router.SchoolCount)
        {
            throw new ArgumentException($"{_pipelines.Count} pipelines for {router.SchoolCount} schools.", nameof(pipelinesFactory));
        }

        _schoolIds = [.. _pipelines.Select(p => p.Calendar.SchoolId)];
    }

    /// <summary>The first school's id.</summary>
    public string SchoolId => _schoolIds[0];

    /// <summary>Observations no configured school's VLANs or subnets claimed: neither stored nor attributed.</summary>
    public long Unrouted => Interlocked.Read(ref _unrouted);

    /// <summary>Observations waiting in the pipelines' reorder windows.</summary>
    public int Buffered => _pipelines.Sum(p => p.Buffered);

    public long Observations => Interlocked.Read(ref _observations);

    public long Visits => Interlocked.Read(ref _visits);

    public long AnonymousRows => Interlocked.Read(ref _anonymousRows);

    /// <summary>The first school's pipeline.</summary>
    public VisitPipeline Pipeline => _pipelines[0];

    public IReadOnlyList<VisitPipeline> Pipelines => _pipelines;

    /// <summary>Swaps in a school's re-imported registry between observations (the pipelines are single-threaded).</summary>
    public void UpdateRegistry(string schoolId, DeviceRegistry registry) => _pendingRegistry = new RegistryUpdate(schoolId, registry);

    private volatile RegistryUpdate? _pendingRegistry;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var reader = _channel.Reader;
        var nextFlush = _time.GetTimestamp();
        try
        {
            while (true)
            {
                bool more;
                if (reader.TryPeek(out _))
                {
                    // Work is waiting: skip the linked token source and its timer, which under live capture would
                    // otherwise be built and torn down for nearly every wake-up.
                    cancellationToken.ThrowIfCancellationRequested();
                    more = true;
                }
                else
                {
                    using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
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

                if (_pendingRegistry is { } update)
                {
                    _pendingRegistry = null;
                    var index = Array.IndexOf(_schoolIds, update.SchoolId);
                    if (index >= 0)
                    {
                        _pipelines[index].UpdateRegistry(update.Registry);
                    }
                }

                var batch = 0;
                while (reader.TryRead(out var observation))
                {
                    Interlocked.Increment(ref _observations);
                    var school = _router.Route(observation);
                    if (school < 0)
                    {
                        Interlocked.Increment(ref _unrouted);
                        continue;
                    }

                    await _output.WriteObservationAsync(_schoolIds[school], observation, wait: !_live, cancellationToken).ConfigureAwait(false);
                    _pipelines[school].Add(observation);
                    if (++batch == 4096)
                    {
                        await DrainSinkAsync(cancellationToken).ConfigureAwait(false);
                        batch = 0;
                    }
                }

                if (_live && _time.GetElapsedTime(nextFlush) >= _flushInterval)
                {
                    var now = _time.GetUtcNow().UtcDateTime;
                    foreach (var pipeline in _pipelines)
                    {
                        pipeline.Flush(now);
                    }

                    nextFlush = _time.GetTimestamp();
                }

                await DrainSinkAsync(cancellationToken).ConfigureAwait(false);
                if (!more)
                {
                    break;
                }
            }

            foreach (var pipeline in _pipelines)
            {
                pipeline.Complete();
            }

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

    private sealed record RegistryUpdate(string SchoolId, DeviceRegistry Registry);

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
