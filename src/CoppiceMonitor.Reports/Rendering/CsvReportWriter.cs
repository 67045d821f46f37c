using CoppiceMonitor.Storage.Reporting;
using System.Text;
using CoppiceMonitor.Reports.Model;

namespace CoppiceMonitor.Reports.Rendering;

/// <summary>
/// The CSV attachment: one row per person, service and local date, with the person's name beside the id so a
/// reader need not look ids up (RFC 4180 quoting, CRLF, UTF-8 without BOM, whole minutes like the email). A row whose
/// minutes all show as 0 is left out. Special-category rows never reach it: the report builder drops them (policy
/// 10.3).
/// </summary>
public static class CsvReportWriter
{
    public const string Header =
        "staff_id,staff_name,service,date,minutes_total,minutes_directed,minutes_break,minutes_non_directed,minutes_outside_hours,minutes_work_use";

    public static byte[] Write(IEnumerable<StaffDailyUsage> rows, IReadOnlyDictionary<string, string>? names = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var text = new StringBuilder();
        text.Append(Header).Append("\r\n");
        foreach (var row in rows.Where(r => ReportFormat.WholeMinutes(r.MinutesTotal) > 0))
        {
            text.Append(Field(row.StaffId)).Append(',')
                .Append(Field(names is not null && names.TryGetValue(row.StaffId, out var name) ? name : string.Empty)).Append(',')
                .Append(Field(row.Service)).Append(',')
                .Append(ReportFormat.IsoDate(row.Date)).Append(',')
                .Append(ReportFormat.Minutes(row.MinutesTotal)).Append(',')
                .Append(ReportFormat.Minutes(row.MinutesDirected)).Append(',')
                .Append(ReportFormat.Minutes(row.MinutesBreak)).Append(',')
                .Append(ReportFormat.Minutes(row.MinutesNonDirected)).Append(',')
                .Append(ReportFormat.Minutes(row.MinutesOutsideHours)).Append(',')
                .Append(ReportFormat.Minutes(row.MinutesWorkUse)).Append("\r\n");
        }

        return new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text.ToString());
    }

    /// <summary>
    /// A text field as a spreadsheet will read it safely. Control characters (a tab, CR or LF in a name from the HR
    /// import, NUL, DEL) become spaces so a field cannot split a row or smuggle a formula after a line break; a value
    /// that starts with = + - @ (after any spaces) would run as a formula (CSV injection), so it is prefixed with ' and
    /// quoted.
    /// </summary>
    public static string Field(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var clean = string.Create(value.Length, value, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                span[i] = char.IsControl(source[i]) ? ' ' : source[i];
            }
        });
        var first = clean.TrimStart();
        var needsFormulaGuard = first.Length > 0 && first[0] is '=' or '+' or '-' or '@';
        var guarded = needsFormulaGuard ? "'" + clean : clean;
        return guarded.AsSpan().IndexOfAny(",\"") >= 0 || needsFormulaGuard
            ? "\"" + guarded.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
            : guarded;
    }
}
