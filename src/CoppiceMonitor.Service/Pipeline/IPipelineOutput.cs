using CoppiceMonitor.Capture;
using CoppiceMonitor.Visits;

namespace CoppiceMonitor.Service.Pipeline;

/// <summary>Where the visit stage sends what it produces (storage ingest in the product).</summary>
public interface IPipelineOutput
{
    /// <summary>
    /// Queues an observation for the observations table. Live capture must not wait (<paramref name="wait"/> false:
    /// a full queue spools or drops, counted by the ingest); replay waits for room and loses nothing.
    /// </summary>
    ValueTask WriteObservationAsync(string schoolId, Observation observation, bool wait, CancellationToken cancellationToken);

    ValueTask WriteVisitAsync(Visit visit, CancellationToken cancellationToken);

    ValueTask WriteAnonymousUsageAsync(AnonymousUsage usage, CancellationToken cancellationToken);
}
