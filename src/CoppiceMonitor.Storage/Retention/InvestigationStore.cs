using System.Globalization;
using System.Text;
using System.Text.Json;
using CoppiceMonitor.Storage.Entities;
using Npgsql;

namespace CoppiceMonitor.Storage.Retention;

/// <summary>Who may open an investigation (policy 10.2/10.4): HR or the headteacher.</summary>
public enum InvestigatorRole
{
    HR,
    Headteacher,
}

public enum ExportFormat
{
    Csv,
    Json,
}

/// <summary>A request to hold and examine one person's data for a date range.</summary>
public sealed record InvestigationRequest(
    string SchoolId,
    string StaffId,
    DateTime FromUtc,
    DateTime ToUtc,
    string Reason,
    string OpenedBy,
    InvestigatorRole Role);

/// <summary>
/// Investigations: opening one holds the person's rows in its range against purges until it is closed. Opening,
/// closing, every read of visit-level detail and every export writes an audit event (who, when, why, how many rows),
/// in the same transaction as the action.
/// </summary>
public sealed class InvestigationStore(NpgsqlDataSource dataSource, AuditLog auditLog, TimeProvider timeProvider)
{
    private const string VisitSelect = """
        SELECT id, school_id, staff_id, device_id, service, category, start_utc, end_utc, active_seconds, directed_seconds,
               break_seconds, non_directed_seconds, outside_hours_seconds, is_work_use, site_name, evidence_count, batch_id
        """;

    public async Task<long> OpenAsync(InvestigationRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrWhiteSpace(request.Reason);
        ArgumentException.ThrowIfNullOrWhiteSpace(request.OpenedBy);
        if (request.ToUtc <= request.FromUtc)
        {
            throw new ArgumentException("the range must end after it starts", nameof(request));
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        long id;
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO investigations (school_id, staff_id, from_utc, to_utc, reason, opened_by, opened_by_role, opened_utc)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id
            """, connection, transaction))
        {
            insert.Parameters.AddWithValue(request.SchoolId);
            insert.Parameters.AddWithValue(request.StaffId);
            insert.Parameters.AddWithValue(DateTime.SpecifyKind(request.FromUtc, DateTimeKind.Utc));
            insert.Parameters.AddWithValue(DateTime.SpecifyKind(request.ToUtc, DateTimeKind.Utc));
            insert.Parameters.AddWithValue(request.Reason);
            insert.Parameters.AddWithValue(request.OpenedBy);
            insert.Parameters.AddWithValue(request.Role.ToString());
            insert.Parameters.AddWithValue(timeProvider.GetUtcNow().UtcDateTime);
            id = (long)(await insert.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        var held = await CountVisitsAsync(connection, transaction, id, cancellationToken).ConfigureAwait(false);
        await auditLog.WriteAsync(new AuditEntry(request.OpenedBy, AuditActions.InvestigationOpen, request.Reason, request.SchoolId, id,
            request.StaffId, held, new Dictionary<string, long> { ["visits_held"] = held }), connection, transaction, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return id;
    }

    /// <summary>Closes the investigation; its rows are released to the next purge.</summary>
    public async Task CloseAsync(long investigationId, string closedBy, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(closedBy);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        string schoolId, staffId;
        await using (var close = new NpgsqlCommand("""
            UPDATE investigations SET closed_utc = $2, closed_by = $3, close_reason = $4
            WHERE id = $1 AND closed_utc IS NULL RETURNING school_id, staff_id
            """, connection, transaction))
        {
            close.Parameters.AddWithValue(investigationId);
            close.Parameters.AddWithValue(timeProvider.GetUtcNow().UtcDateTime);
            close.Parameters.AddWithValue(closedBy);
            close.Parameters.AddWithValue(reason);
            await using var reader = await close.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new InvalidOperationException($"investigation {investigationId} does not exist or is already closed");
            }

            schoolId = reader.GetString(0);
            staffId = reader.GetString(1);
        }

        var count = await CountVisitsAsync(connection, transaction, investigationId, cancellationToken).ConfigureAwait(false);
        await auditLog.WriteAsync(new AuditEntry(closedBy, AuditActions.InvestigationClose, reason, schoolId, investigationId, staffId, count),
            connection, transaction, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<InvestigationRow>> ListAsync(string? schoolId = null, bool includeClosed = false, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT id, school_id, staff_id, from_utc, to_utc, reason, opened_by, opened_by_role, opened_utc, closed_utc, closed_by, close_reason
            FROM investigations WHERE ($1::text IS NULL OR school_id = $1) AND ($2 OR closed_utc IS NULL) ORDER BY id
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)schoolId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.AddWithValue(includeClosed);
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

    /// <summary>The investigation's visit-level detail (live and held rows); audited as a detail read.</summary>
    public async Task<IReadOnlyList<VisitRow>> ReadVisitsAsync(long investigationId, string actor, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actor);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var (inv, rows) = await LoadAsync(connection, transaction, investigationId, cancellationToken).ConfigureAwait(false);
        await auditLog.WriteAsync(new AuditEntry(actor, AuditActions.InvestigationRead, reason, inv.SchoolId, investigationId, inv.StaffId, rows.Count),
            connection, transaction, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return rows;
    }

    /// <summary>Writes the investigation's visits to <paramref name="output"/> as CSV or JSON; audited. Returns the row count.</summary>
    public async Task<int> ExportAsync(long investigationId, string actor, string reason, ExportFormat format, Stream output,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actor);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        ArgumentNullException.ThrowIfNull(output);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var (inv, rows) = await LoadAsync(connection, transaction, investigationId, cancellationToken).ConfigureAwait(false);
        if (format == ExportFormat.Csv)
        {
            await WriteCsvAsync(rows, output, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await WriteJsonAsync(inv, rows, output, cancellationToken).ConfigureAwait(false);
        }

        await auditLog.WriteAsync(new AuditEntry(actor, AuditActions.InvestigationExport, reason, inv.SchoolId, investigationId, inv.StaffId,
            rows.Count, new Dictionary<string, long> { ["visits"] = rows.Count, ["format_" + format.ToString().ToLowerInvariant()] = 1 }),
            connection, transaction, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return rows.Count;
    }

    private static async Task<long> CountVisitsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long id, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            SELECT (SELECT count(*) FROM visits v WHERE v.school_id = i.school_id AND v.staff_id = i.staff_id AND v.start_utc >= i.from_utc AND v.start_utc < i.to_utc)
                 + (SELECT count(*) FROM held_visits v WHERE v.school_id = i.school_id AND v.staff_id = i.staff_id AND v.start_utc >= i.from_utc AND v.start_utc < i.to_utc)
            FROM investigations i WHERE i.id = $1
            """, connection, transaction);
        command.Parameters.AddWithValue(id);
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private static async Task<(InvestigationRow Investigation, List<VisitRow> Visits)> LoadAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, long id, CancellationToken cancellationToken)
    {
        InvestigationRow inv;
        await using (var command = new NpgsqlCommand(
            "SELECT school_id, staff_id, from_utc, to_utc, reason, opened_by, opened_by_role, opened_utc FROM investigations WHERE id = $1",
            connection, transaction))
        {
            command.Parameters.AddWithValue(id);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new InvalidOperationException($"investigation {id} does not exist");
            }

            inv = new InvestigationRow
            {
                Id = id,
                SchoolId = reader.GetString(0),
                StaffId = reader.GetString(1),
                FromUtc = reader.GetDateTime(2),
                ToUtc = reader.GetDateTime(3),
                Reason = reader.GetString(4),
                OpenedBy = reader.GetString(5),
                OpenedByRole = reader.GetString(6),
                OpenedUtc = reader.GetDateTime(7),
            };
        }

        var visits = new List<VisitRow>();
        await using (var command = new NpgsqlCommand($"""
            SELECT * FROM (
                {VisitSelect} FROM visits WHERE school_id = $1 AND staff_id = $2 AND start_utc >= $3 AND start_utc < $4
                UNION
                {VisitSelect} FROM held_visits WHERE school_id = $1 AND staff_id = $2 AND start_utc >= $3 AND start_utc < $4
            ) v ORDER BY start_utc, id
            """, connection, transaction))
        {
            command.Parameters.AddWithValue(inv.SchoolId);
            command.Parameters.AddWithValue(inv.StaffId);
            command.Parameters.AddWithValue(inv.FromUtc);
            command.Parameters.AddWithValue(inv.ToUtc);
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
        }

        return (inv, visits);
    }

    private static async Task WriteCsvAsync(IReadOnlyList<VisitRow> rows, Stream output, CancellationToken cancellationToken)
    {
        var writer = new StreamWriter(output, new UTF8Encoding(false), leaveOpen: true) { NewLine = "\r\n" };
        await using (writer.ConfigureAwait(false))
        {
            await writer.WriteLineAsync("visit_id,staff_id,device_id,service,category,site_name,start_utc,end_utc,active_seconds,directed_seconds,break_seconds,non_directed_seconds,outside_hours_seconds,is_work_use,evidence_count").ConfigureAwait(false);
            foreach (var r in rows)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await writer.WriteLineAsync(string.Join(',',
                    r.Id.ToString(CultureInfo.InvariantCulture), Csv(r.StaffId), Csv(r.DeviceId), Csv(r.Service), Csv(r.Category),
                    Csv(r.SiteName), r.StartUtc.ToString("O", CultureInfo.InvariantCulture), r.EndUtc.ToString("O", CultureInfo.InvariantCulture),
                    r.ActiveSeconds.ToString(CultureInfo.InvariantCulture), r.DirectedSeconds.ToString(CultureInfo.InvariantCulture),
                    r.BreakSeconds.ToString(CultureInfo.InvariantCulture), r.NonDirectedSeconds.ToString(CultureInfo.InvariantCulture),
                    r.OutsideHoursSeconds.ToString(CultureInfo.InvariantCulture), r.IsWorkUse ? "true" : "false",
                    r.EvidenceCount.ToString(CultureInfo.InvariantCulture))).ConfigureAwait(false);
            }
        }
    }

    private static string Csv(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        // Quote when needed, and defuse spreadsheet formulas (a site name could start with '=').
        var v = value[0] is '=' or '+' or '-' or '@' ? "'" + value : value;
        return v.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + v.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : v;
    }

    private static async Task WriteJsonAsync(InvestigationRow inv, IReadOnlyList<VisitRow> rows, Stream output, CancellationToken cancellationToken)
    {
        var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });
        await using (json.ConfigureAwait(false))
        {
            json.WriteStartObject();
            json.WriteNumber("investigationId", inv.Id);
            json.WriteString("schoolId", inv.SchoolId);
            json.WriteString("staffId", inv.StaffId);
            json.WriteString("fromUtc", inv.FromUtc);
            json.WriteString("toUtc", inv.ToUtc);
            json.WriteStartArray("visits");
            foreach (var r in rows)
            {
                json.WriteStartObject();
                json.WriteNumber("visitId", r.Id);
                json.WriteString("deviceId", r.DeviceId);
                json.WriteString("service", r.Service);
                json.WriteString("category", r.Category);
                json.WriteString("siteName", r.SiteName);
                json.WriteString("startUtc", r.StartUtc);
                json.WriteString("endUtc", r.EndUtc);
                json.WriteNumber("activeSeconds", r.ActiveSeconds);
                json.WriteNumber("directedSeconds", r.DirectedSeconds);
                json.WriteNumber("breakSeconds", r.BreakSeconds);
                json.WriteNumber("nonDirectedSeconds", r.NonDirectedSeconds);
                json.WriteNumber("outsideHoursSeconds", r.OutsideHoursSeconds);
                json.WriteBoolean("isWorkUse", r.IsWorkUse);
                json.WriteNumber("evidenceCount", r.EvidenceCount);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
            await json.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
