using CoppiceMonitor.Service.Database;
using CoppiceMonitor.Service.Hosting;
using CoppiceMonitor.Storage.Ingest;
using CoppiceMonitor.Visits;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CoppiceMonitor.Service.Pipeline;

/// <summary>
/// Everything after the decoders, shared by `run` and `replay`: observation channel -> visit stage -> storage
/// ingest. Start: database, school row, registry, ingest (which first replays its spool), visit stage.
/// Complete: the channel closes, the stage emits every open visit, ingest drains into the database or spool.
/// </summary>
public sealed class MonitorPipeline : IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly NpgsqlDataSource _ingestDataSource;
    private readonly ILogger _logger;
    private readonly Task _stageTask;
    private readonly CancellationTokenSource _abort = new();
    private bool _completed;

    private MonitorPipeline(ObservationChannel channel, VisitStage stage, IngestService ingest, StorageOutput output,
        NpgsqlDataSource dataSource, NpgsqlDataSource ingestDataSource, ILogger logger)
    {
        Channel = channel;
        Stage = stage;
        Ingest = ingest;
        Output = output;
        _dataSource = dataSource;
        _ingestDataSource = ingestDataSource;
        _logger = logger;
        _stageTask = Task.Run(() => stage.RunAsync(_abort.Token));
    }

    public ObservationChannel Channel { get; }

    public VisitStage Stage { get; }

    public IngestService Ingest { get; }

    public StorageOutput Output { get; }

    public NpgsqlDataSource DataSource => _dataSource;

    /// <summary>Faults when the visit stage fails, so a worker can stop instead of silently filling the channel.</summary>
    public Task StageCompletion => _stageTask;

    public static async Task<MonitorPipeline> StartAsync(IServiceProvider services, bool live, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.GetRequiredService<IOptions<ServiceOptions>>().Value;
        var loggerFactory = services.GetRequiredService<ILoggerFactory>();
        var logger = loggerFactory.CreateLogger<MonitorPipeline>();
        var time = services.GetRequiredService<TimeProvider>();
        var factory = services.GetRequiredService<VisitPipelineFactory>();
        var connectionStrings = await services.GetRequiredService<CoppiceDatabase>().GetRoleConnectionStringsAsync(cancellationToken).ConfigureAwait(false);

        // The registry (schools, staff, devices) is admin's; everything the pipeline writes goes in as the ingest role.
        var dataSource = NpgsqlDataSource.Create(connectionStrings.Admin);
        NpgsqlDataSource? ingestDataSource = null;
        try
        {
            // Every configured school: its row, its registry, its own visit pipeline (calendar), one router in front.
            var registries = new List<(SchoolOptions School, DeviceRegistry Registry)>();
            foreach (var school in factory.Schools)
            {
                await RegistrySource.EnsureSchoolAsync(dataSource, school.Id, school.TimeZone, cancellationToken).ConfigureAwait(false);
                registries.Add((school, await RegistrySource.LoadAsync(dataSource, school.Id, cancellationToken).ConfigureAwait(false)));
            }

            var ingestOptions = services.GetRequiredService<IOptions<IngestOptions>>().Value;
            if (!Path.IsPathFullyQualified(ingestOptions.SpoolDirectory))
            {
                ingestOptions.SpoolDirectory = options.ResolvedSpoolFolder;
            }

            ingestDataSource = NpgsqlDataSource.Create(connectionStrings.Ingest);
            var ingest = new IngestService(ingestDataSource, Options.Create(ingestOptions), time, loggerFactory.CreateLogger<IngestService>());
            await ingest.StartAsync(cancellationToken).ConfigureAwait(false);
            var held = new HeldDevices(ingestDataSource, [.. factory.Schools.Select(s => s.Id)], time);
            try
            {
                await held.RefreshAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                // The database may be away (ingest spools); until it answers nothing counts as held: names are minimised.
            }

            var output = new StorageOutput(ingest, new SpecialCategoryMinimiser(factory.Catalog, held));
            var channel = new ObservationChannel(options.ChannelCapacity);
            var stage = new VisitStage(channel, sink => [.. registries.Select(r => factory.Create(r.School, sink, r.Registry))], factory.CreateRouter(), output, time,
                TimeSpan.FromSeconds(options.FlushIntervalSeconds), live, logger);
            return new MonitorPipeline(channel, stage, ingest, output, dataSource, ingestDataSource, logger);
        }
        catch
        {
            await dataSource.DisposeAsync().ConfigureAwait(false);
            if (ingestDataSource is not null)
            {
                await ingestDataSource.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
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
                // Aborted on an error path: what was queued is in the ingest, which disposes below.
            }
        }

        await Ingest.DisposeAsync().ConfigureAwait(false);
        await _dataSource.DisposeAsync().ConfigureAwait(false);
        await _ingestDataSource.DisposeAsync().ConfigureAwait(false);
        _abort.Dispose();
    }
}

public static class PipelineServiceCollectionExtensions
{
    /// <summary>Ingest options ("Ingest" section) and the visit pipeline configuration.</summary>
    public static IServiceCollection AddCoppicePipeline(this IServiceCollection services, Microsoft.Extensions.Configuration.IConfiguration configuration)
    {
        services.AddOptions<IngestOptions>()
            .Bind(configuration.GetSection(IngestOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddCoppiceVisits(configuration);
        services.AddCoppiceDatabase();
        return services;
    }
}
