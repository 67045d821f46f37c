using CoppiceMonitor.Service.Database;
using CoppiceMonitor.Storage;
using CoppiceMonitor.Service.Hosting;
using CoppiceMonitor.Storage.Ingest;
using CoppiceMonitor.Visits;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CoppiceMonitor.Service.Pipeline;

/// <summary>
/// Everything after the decoders, shared by `run` and `replay`: observation channel -> visit stage -> storage
/// ingest. Start: each school's row and registry (Storage's <see cref="RegistryStore"/>), ingest (which first
/// replays its spool), visit stage. Complete: the channel closes, the stage emits every open visit, ingest drains into
/// the database or spool. Storage's objects come from the container (AddCoppiceStorage), which also disposes them.
/// </summary>
public sealed class MonitorPipeline : IAsyncDisposable
{
    private readonly ILogger _logger;
    private readonly Task _stageTask;
    private readonly CancellationTokenSource _abort = new();
    private bool _completed;

    private MonitorPipeline(ObservationChannel channel, VisitStage stage, IngestService ingest, ILogger logger)
    {
        Channel = channel;
        Stage = stage;
        Ingest = ingest;
        _logger = logger;
        _stageTask = Task.Run(() => stage.RunAsync(_abort.Token));
    }

    public ObservationChannel Channel { get; }

    public VisitStage Stage { get; }

    public IngestService Ingest { get; }

    /// <summary>Faults when the visit stage fails, so a worker can stop instead of silently filling the channel.</summary>
    public Task StageCompletion => _stageTask;

    public static async Task<MonitorPipeline> StartAsync(IServiceProvider services, bool live, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.GetRequiredService<IOptions<ServiceOptions>>().Value;
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger<MonitorPipeline>();
        var time = services.GetRequiredService<TimeProvider>();
        var factory = services.GetRequiredService<VisitPipelineFactory>();

        // Every configured school: its row, its registry, its own visit pipeline (calendar), one router in front.
        // The registry is admin's; everything the pipeline writes goes in through ingest as the ingest role.
        var registry = services.GetRequiredService<RegistryStore>();
        var registries = new List<(SchoolOptions School, DeviceRegistry Registry)>();
        foreach (var school in factory.Schools)
        {
            await registry.EnsureSchoolAsync(school.Id, school.TimeZone, cancellationToken).ConfigureAwait(false);
            registries.Add((school, await registry.LoadAsync(school.Id, cancellationToken).ConfigureAwait(false)));
        }

        var ingest = services.GetRequiredService<IngestService>();
        await ingest.StartAsync(cancellationToken).ConfigureAwait(false);
        var channel = new ObservationChannel(options.ChannelCapacity);
        var stage = new VisitStage(channel, sink => [.. registries.Select(r => factory.Create(r.School, sink, r.Registry))], factory.CreateRouter(),
            new StorageOutput(ingest), time, TimeSpan.FromSeconds(options.FlushIntervalSeconds), live, logger);
        return new MonitorPipeline(channel, stage, ingest, logger);
    }

    /// <summary>Closes the channel and drains everything into storage. False when the drain timed out (rest spooled).</summary>
    public async Task<bool> CompleteAsync(TimeSpan drainTimeout, CancellationToken cancellationToken)
    {
        _completed = true;
        Channel.Complete();
        await _stageTask.WaitAsync(cancellationToken).ConfigureAwait(false);
        var drained = await Ingest.WaitUntilDrainedAsync(drainTimeout, cancellationToken).ConfigureAwait(false);
        await Ingest.StopAsync(cancellationToken).ConfigureAwait(false);
        if (!drained)
        {
            Log.DrainTimedOut(_logger, (int)drainTimeout.TotalSeconds);
        }

        Log.PipelineDrained(_logger, Stage.Observations, Stage.Visits, Channel.Dropped, Stage.Unrouted);
        return drained;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_completed)
        {
            Channel.Complete();
            await _abort.CancelAsync().ConfigureAwait(false);
            try
            {
                await _stageTask.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Aborted on an error path: what was queued is in the ingest, which the container stops (spooling the rest).
            }
        }

        // Ingest is the container's (AddCoppiceStorage): it stops and disposes it with the host.
        _abort.Dispose();
    }
}

public static class PipelineServiceCollectionExtensions
{
    /// <summary>The visit pipeline configuration and the database with Storage on it.</summary>
    public static IServiceCollection AddCoppicePipeline(this IServiceCollection services, Microsoft.Extensions.Configuration.IConfiguration configuration)
    {
        services.AddCoppiceVisits(configuration);
        services.AddCoppiceDatabase(configuration);
        return services;
    }
}
