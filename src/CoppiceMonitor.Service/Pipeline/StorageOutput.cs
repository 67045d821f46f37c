using CoppiceMonitor.Capture;
using CoppiceMonitor.Storage.Ingest;
using CoppiceMonitor.Visits;

namespace CoppiceMonitor.Service.Pipeline;

/// <summary>
/// The pipeline's outputs into PostgreSQL, all through the storage <see cref="IngestService"/> (binary COPY on the
/// ingest role's connections, exactly once per batch, spooled while the database is away): observations with their
/// DHCP leases, visits, and anonymous daily totals.
/// </summary>
public sealed class StorageOutput(IngestService ingest) : IPipelineOutput
{
    private long _replayDrops;

    /// <summary>Observations a replay could not queue although it waits (the ingest service stopped): should stay 0.</summary>
    public long ReplayDrops => Interlocked.Read(ref _replayDrops);

    public async ValueTask WriteObservationAsync(string schoolId, Observation observation, bool wait, CancellationToken cancellationToken)
    {
        if (!await ingest.WriteObservationAsync(schoolId, observation, wait, cancellationToken).ConfigureAwait(false) && wait)
        {
            Interlocked.Increment(ref _replayDrops);
        }
    }

    public ValueTask WriteVisitAsync(Visit visit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(visit);
        return ingest.WriteAsync(visit, cancellationToken);
    }

    public ValueTask WriteAnonymousUsageAsync(AnonymousUsage usage, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(usage);
        return ingest.WriteAsync(AnonymousUsageRecord.From(usage), cancellationToken);
    }
}
