using CoppiceMonitor.Storage.Entities;
using Npgsql;

namespace CoppiceMonitor.Storage.Retention;

/// <summary>
/// Reads investigation rows selected in <see cref="Columns"/> order: the one mapping for the investigation list and
/// the portal's single-investigation lookup.
/// </summary>
internal static class InvestigationRowReader
{
    public const string Columns = "id, school_id, staff_id, from_utc, to_utc, reason, opened_by, opened_by_role, opened_utc, closed_utc, closed_by, close_reason";

    public static async Task<List<InvestigationRow>> ReadAllAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var rows = new List<InvestigationRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new InvestigationRow
            {
                Id = reader.GetInt64(0),
                SchoolId = reader.GetString(1),
                StaffId = reader.GetString(2),
                FromUtc = reader.GetDateTime(3),
                ToUtc = reader.GetDateTime(4),
                Reason = reader.GetString(5),
                OpenedBy = reader.GetString(6),
                OpenedByRole = reader.GetString(7),
                OpenedUtc = reader.GetDateTime(8),
                ClosedUtc = reader.IsDBNull(9) ? null : reader.GetDateTime(9),
                ClosedBy = reader.IsDBNull(10) ? null : reader.GetString(10),
                CloseReason = reader.IsDBNull(11) ? null : reader.GetString(11),
            });
        }

        return rows;
    }
}
