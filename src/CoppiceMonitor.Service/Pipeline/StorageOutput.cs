using CoppiceMonitor.Capture;
using CoppiceMonitor.Storage.Ingest;
using CoppiceMonitor.Visits;
using Npgsql;

namespace CoppiceMonitor.Service.Pipeline;

/// <summary>
/// The pipeline's outputs into PostgreSQL: observations and visits through the storage <see cref="IngestService"/>
/// (binary COPY, spool while the database is away), anonymous daily totals summed into anonymous_usage.
/// </summary>
public sealed class StorageOutput(IngestService ingest, NpgsqlDataSource dataSource) : IPipelineOutput
{
    private long _replayDrops;

    /// <summary>Observations a replay could not queue (ingest queue full): should stay 0 (see Ingest:ObservationQueueCapacity).</summary>
    public long ReplayDrops => Interlocked.Read(ref _replayDrops);

    public ValueTask WriteObservationAsync(string schoolId, Observation observation, bool wait, CancellationToken cancellationToken)
    {
        if (!ingest.TryWrite(ObservationRecord.From(schoolId, observation)) && wait)
        {
            Interlocked.Increment(ref _replayDrops);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask WriteVisitAsync(Visit visit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(visit);
        return ingest.WriteAsync(new VisitRecord(visit.SchoolId, visit.StaffId, visit.DeviceId, visit.Service, visit.Category,
            visit.StartUtc, visit.EndUtc, visit.ActiveSeconds, visit.DirectedSeconds, visit.BreakSeconds, visit.NonDirectedSeconds,
            visit.OutsideHoursSeconds, visit.IsWorkUse, visit.SiteName, visit.EvidenceCount), cancellationToken);
    }

    public async ValueTask WriteAnonymousUsageAsync(AnonymousUsage usage, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(usage);
        // A later row for the same key is an addition (the pipeline emits a day once it cannot change, and again
        // only for late evidence), so it is summed into the existing total. Kind -1 = unknown device.
        await using var command = dataSource.CreateCommand(
            "INSERT INTO anonymous_usage (school_id, local_date, service, category, kind, active_seconds, devices) " +
            "VALUES (@school, @date, @service, @category, @kind, @seconds, @devices) " +
            "ON CONFLICT (school_id, local_date, service, category, kind) DO UPDATE SET " +
            "active_seconds = anonymous_usage.active_seconds + excluded.active_seconds, " +
            "devices = COALESCE(anonymous_usage.devices, 0) + COALESCE(excluded.devices, 0)");
        command.Parameters.AddWithValue("school", usage.SchoolId);
        command.Parameters.AddWithValue("date", usage.LocalDate);
        command.Parameters.AddWithValue("service", usage.Service);
        command.Parameters.AddWithValue("category", usage.Category);
        command.Parameters.AddWithValue("kind", (short)(usage.Kind is { } kind ? (int)kind : -1));
        command.Parameters.AddWithValue("seconds", (long)usage.ActiveSeconds);
        command.Parameters.AddWithValue("devices", usage.Devices);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
