using Npgsql;
using NpgsqlTypes;

namespace CoppiceMonitor.Storage.Portal;

/// <summary>A delivered report (sent or archived) as listed in the portal.</summary>
public sealed record ArchivedReport(
    long Id,
    string SchoolId,
    string Kind,
    DateOnly PeriodStart,
    DateOnly PeriodEnd,
    string? RecipientStaffId,
    string? RecipientEmail,
    string? Subject,
    string Status,
    DateTime? CompletedUtc);

/// <summary>A delivered report with the content kept with its run (the same bytes that were mailed).</summary>
public sealed record ArchivedReportContent(ArchivedReport Report, string? Html, string? Text, string? Csv);

/// <summary>
/// The archive of delivered reports (report_runs with status sent or archived). A line manager's view is limited to
/// reports addressed to them (their own team's); the caller passes null only for someone who may see all.
/// </summary>
public sealed class ReportArchiveIndex(NpgsqlDataSource dataSource)
{
    private const string Columns = """
        SELECT id, school_id, kind, period_start, period_end, recipient_staff_id, recipient_email, subject, status, completed_utc
        """;

    private const string Scope = """
        FROM report_runs WHERE school_id = $1 AND status IN ('sent', 'archived')
          AND ($2::text IS NULL OR recipient_staff_id = $2)
        """;

    /// <summary>Newest period first.</summary>
    public async Task<IReadOnlyList<ArchivedReport>> ListAsync(string schoolId, string? onlyRecipientStaffId, int limit = 500,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(schoolId);
        await using var command = dataSource.CreateCommand($"{Columns} {Scope} ORDER BY period_end DESC, kind, recipient_email, id DESC LIMIT $3");
        Bind(command, schoolId, onlyRecipientStaffId);
        command.Parameters.AddWithValue(limit);
        var rows = new List<ArchivedReport>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(Read(reader));
        }

        return rows;
    }

    /// <summary>The report, or null when it does not exist or lies outside the caller's scope (indistinguishable on purpose).</summary>
    public async Task<ArchivedReportContent?> GetAsync(long id, string schoolId, string? onlyRecipientStaffId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(schoolId);
        await using var command = dataSource.CreateCommand($"{Columns}, html_body, text_body, csv {Scope} AND id = $3");
        Bind(command, schoolId, onlyRecipientStaffId);
        command.Parameters.AddWithValue(id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return new ArchivedReportContent(Read(reader), reader.IsDBNull(10) ? null : reader.GetString(10),
            reader.IsDBNull(11) ? null : reader.GetString(11), reader.IsDBNull(12) ? null : reader.GetString(12));
    }

    private static void Bind(NpgsqlCommand command, string schoolId, string? recipient)
    {
        command.Parameters.AddWithValue(schoolId);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)recipient ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
    }

    private static ArchivedReport Read(NpgsqlDataReader reader) => new(
        reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<DateOnly>(3), reader.GetFieldValue<DateOnly>(4),
        reader.IsDBNull(5) ? null : reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6),
        reader.IsDBNull(7) ? null : reader.GetString(7), reader.GetString(8), reader.IsDBNull(9) ? null : reader.GetDateTime(9));
}
