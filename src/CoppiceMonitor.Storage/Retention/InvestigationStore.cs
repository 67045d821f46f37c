using System.Globalization;
using System.Text;
using System.Text.Json;
using CoppiceMonitor.Storage.Entities;
using Npgsql;
using NpgsqlTypes;

namespace CoppiceMonitor.Storage.Retention;

/// <summary>Why an investigation call was refused: a clear message for the person, never a stack trace.</summary>
public enum InvestigationFailure
{
    NotFound,
    AlreadyClosed,
    NotAuthorised,
    UnknownStaff,
    InvalidRequest,
}

/// <summary>An investigation call the database refused (who, what and why are in the message).</summary>
public sealed class InvestigationException(InvestigationFailure failure, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public InvestigationFailure Failure { get; } = failure;
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
    string Reason);

/// <summary>
/// Investigations (policy 10.2/10.4), for the CLI and the portal alike. Every method takes the acting account (a
/// staff member's e-mail): the database functions investigation_open/close/visits check that account is a staff
/// member of the school with the hr or headteacher role, that the subject exists, and append the audit row (who,
/// which login, when, why, how many rows) in the same transaction as the action. Opening holds the person's rows in
/// the range against purges until it is closed.
/// </summary>
public sealed class InvestigationStore(NpgsqlDataSource dataSource, TimeProvider timeProvider)
{
    public async Task<long> OpenAsync(InvestigationRequest request, string actingAccount, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrWhiteSpace(request.Reason);
        ArgumentException.ThrowIfNullOrWhiteSpace(actingAccount);
        if (request.ToUtc <= request.FromUtc)
        {
            throw new InvestigationException(InvestigationFailure.InvalidRequest, "the range must end after it starts");
        }

        await using var command = dataSource.CreateCommand("SELECT investigation_open($1, $2, $3, $4, $5, $6, $7)");
        command.Parameters.AddWithValue(request.SchoolId);
        command.Parameters.AddWithValue(request.StaffId);
        command.Parameters.AddWithValue(NpgsqlDbType.TimestampTz, DateTime.SpecifyKind(request.FromUtc, DateTimeKind.Utc));
        command.Parameters.AddWithValue(NpgsqlDbType.TimestampTz, DateTime.SpecifyKind(request.ToUtc, DateTimeKind.Utc));
        command.Parameters.AddWithValue(request.Reason);
        command.Parameters.AddWithValue(actingAccount);
        command.Parameters.AddWithValue(NpgsqlDbType.TimestampTz, timeProvider.GetUtcNow().UtcDateTime);
        return await Translate(async () => (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!).ConfigureAwait(false);
    }

    /// <summary>Closes the investigation (its rows are released to the next purge); returns how many visits it covered.</summary>
    public async Task<long> CloseAsync(long investigationId, string actingAccount, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actingAccount);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        await using var command = dataSource.CreateCommand("SELECT investigation_close($1, $2, $3, $4)");
        command.Parameters.AddWithValue(investigationId);
        command.Parameters.AddWithValue(actingAccount);
        command.Parameters.AddWithValue(reason);
        command.Parameters.AddWithValue(NpgsqlDbType.TimestampTz, timeProvider.GetUtcNow().UtcDateTime);
        return await Translate(async () => (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<InvestigationRow>> ListAsync(string? schoolId = null, bool includeClosed = false, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($$"""
            SELECT {{InvestigationRowReader.Columns}}
            FROM investigations WHERE ($1::text IS NULL OR school_id = $1) AND ($2 OR closed_utc IS NULL) ORDER BY id
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)schoolId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.AddWithValue(includeClosed);
        return await InvestigationRowReader.ReadAllAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The investigation's visit-level detail (live and held rows); audited as a detail read.</summary>
    public Task<IReadOnlyList<VisitRow>> ReadVisitsAsync(long investigationId, string actingAccount, string reason, CancellationToken cancellationToken = default) =>
        LoadAsync(investigationId, actingAccount, reason, null, cancellationToken);

    /// <summary>Writes the investigation's visits to <paramref name="output"/> as CSV or JSON; audited. Returns the row count.</summary>
    public async Task<int> ExportAsync(long investigationId, string actingAccount, string reason, ExportFormat format, Stream output,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        var rows = await LoadAsync(investigationId, actingAccount, reason, format, cancellationToken).ConfigureAwait(false);
        if (format == ExportFormat.Csv)
        {
            await WriteCsvAsync(rows, output, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            var inv = (await ListAsync(null, includeClosed: true, cancellationToken).ConfigureAwait(false)).First(i => i.Id == investigationId);
            await WriteJsonAsync(inv, rows, output, cancellationToken).ConfigureAwait(false);
        }

        return rows.Count;
    }

    private async Task<IReadOnlyList<VisitRow>> LoadAsync(long investigationId, string actingAccount, string reason, ExportFormat? format,
        CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actingAccount);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        await using var command = dataSource.CreateCommand($$"""
            SELECT {{VisitRowReader.Columns}}
            FROM investigation_visits($1, $2, $3, $4, $5)
            """);
        command.Parameters.AddWithValue(investigationId);
        command.Parameters.AddWithValue(actingAccount);
        command.Parameters.AddWithValue(reason);
        command.Parameters.Add(new NpgsqlParameter { Value = format is { } f ? f.ToString().ToLowerInvariant() : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.AddWithValue(NpgsqlDbType.TimestampTz, timeProvider.GetUtcNow().UtcDateTime);
        return await Translate<IReadOnlyList<VisitRow>>(async () =>
            await VisitRowReader.ReadAllAsync(command, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
    }

    /// <summary>The functions' refusals (SQLSTATE) as <see cref="InvestigationException"/> with the database's message.</summary>
    private static async Task<T> Translate<T>(Func<Task<T>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (PostgresException e) when (Failure(e.SqlState) is { } failure)
        {
            throw new InvestigationException(failure, e.MessageText, e);
        }
    }

    private static InvestigationFailure? Failure(string sqlState) => sqlState switch
    {
        PostgresErrorCodes.NoDataFound => InvestigationFailure.NotFound,
        PostgresErrorCodes.ForeignKeyViolation => InvestigationFailure.UnknownStaff,
        PostgresErrorCodes.ObjectNotInPrerequisiteState => InvestigationFailure.AlreadyClosed,
        PostgresErrorCodes.InsufficientPrivilege => InvestigationFailure.NotAuthorised,
        PostgresErrorCodes.InvalidParameterValue or PostgresErrorCodes.CheckViolation => InvestigationFailure.InvalidRequest,
        _ => null,
    };

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
