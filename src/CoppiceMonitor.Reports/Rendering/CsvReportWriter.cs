using CoppiceMonitor.Storage.Reporting;
using System.Text;
using CoppiceMonitor.Reports.Model;

namespace CoppiceMonitor.Reports.Rendering;

/// <summary>
/// The CSV attachment: one row per person, service and local date (RFC 4180 quoting, CRLF, UTF-8 without BOM).
/// Service labels are already reduced to the category for special-category sites by the report builder.
/// </summary>
public static class CsvReportWriter
{
    public const string Header =
        "staff_id,service,date,minutes_total,minutes_directed,minutes_break,minutes_non_directed,minutes_outside_hours,minutes_work_use";

    public static byte[] Write(IEnumerable<StaffDailyUsage> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var text = new StringBuilder();
        text.Append(Header).Append("\r\n");
        foreach (var row in rows)
        {
            text.Append(Field(row.StaffId)).Append(',')
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

    private static string Field(string value)
    {
        // A leading =, +, - or @ would be run as a formula by spreadsheet software (CSV injection); quote and prefix.
        var needsFormulaGuard = value.Length > 0 && value[0] is '=' or '+' or '-' or '@';
        var guarded = needsFormulaGuard ? "'" + value : value;
        return guarded.AsSpan().IndexOfAny(",\"\r\n") >= 0 || needsFormulaGuard
            ? "\"" + guarded.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
            : guarded;
    }
}
