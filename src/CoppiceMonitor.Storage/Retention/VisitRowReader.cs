using CoppiceMonitor.Storage.Entities;
using Npgsql;

namespace CoppiceMonitor.Storage.Retention;

/// <summary>
/// Reads visit rows selected in <see cref="Columns"/> order: the one mapping for the CLI's audited investigation
/// read, the portal's audited detail page and the purge's copy into held_visits.
/// </summary>
internal static class VisitRowReader
{
    public const string Columns = "id, school_id, staff_id, device_id, service, category, start_utc, end_utc, active_seconds, directed_seconds, " +
        "break_seconds, non_directed_seconds, outside_hours_seconds, is_work_use, site_name, evidence_count, batch_id";

    public static async Task<List<VisitRow>> ReadAllAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var visits = new List<VisitRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            visits.Add(new VisitRow
            {
                Id = reader.GetInt64(0),
                SchoolId = reader.GetString(1),
                StaffId = reader.GetString(2),
                DeviceId = reader.GetString(3),
                Service = reader.GetString(4),
                Category = reader.GetString(5),
                StartUtc = reader.GetDateTime(6),
                EndUtc = reader.GetDateTime(7),
                ActiveSeconds = reader.GetInt32(8),
                DirectedSeconds = reader.GetInt32(9),
                BreakSeconds = reader.GetInt32(10),
                NonDirectedSeconds = reader.GetInt32(11),
                OutsideHoursSeconds = reader.GetInt32(12),
                IsWorkUse = reader.GetBoolean(13),
                SiteName = reader.IsDBNull(14) ? null : reader.GetString(14),
                EvidenceCount = reader.GetInt32(15),
                BatchId = reader.GetGuid(16),
            });
        }

        return visits;
    }
}
