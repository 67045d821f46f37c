using System.Runtime.CompilerServices;
using CoppiceMonitor.Visits;
using Npgsql;

namespace CoppiceMonitor.Storage;

/// <summary>
/// Every stored visit of a school, as the Visits project's <see cref="Visit"/>, in start order. Unaudited: only the
/// hidden `dev export-visits` verb uses it, to compare the demo with the simulator's truth (production access to
/// visit-level detail goes through an audited investigation, <see cref="Retention.InvestigationStore"/>).
/// </summary>
public static class VisitExport
{
    public static async IAsyncEnumerable<Visit> ReadAllAsync(NpgsqlDataSource dataSource, string schoolId,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand("""
            SELECT school_id, staff_id, device_id, service, category, start_utc, end_utc, active_seconds, directed_seconds,
                   break_seconds, non_directed_seconds, outside_hours_seconds, is_work_use, site_name, evidence_count
            FROM visits WHERE school_id = @school ORDER BY start_utc, staff_id, service
            """);
        command.Parameters.AddWithValue("school", schoolId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return new Visit(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                reader.GetDateTime(5), reader.GetDateTime(6), reader.GetInt32(7), reader.GetInt32(8), reader.GetInt32(9), reader.GetInt32(10),
                reader.GetInt32(11), reader.GetBoolean(12), reader.IsDBNull(13) ? null : reader.GetString(13), reader.GetInt32(14));
        }
    }
}
