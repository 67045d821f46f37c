namespace CoppiceMonitor.Reports.Rendering;

/// <summary>Which report a rendering or a run is for; also the kind stored in report_runs.</summary>
public enum ReportKind
{
    LineManager,
    Headteacher,
}

/// <summary>
/// Everything one recipient gets: the HTML body (images referenced by cid:), a plain-text alternative, the CSV
/// attachment and the chart PNG. The same bytes are archived and mailed.
/// </summary>
public sealed record RenderedReport(
    ReportKind Kind,
    string SchoolId,
    ReportPeriod Period,
    string? RecipientStaffId,
    string RecipientName,
    string RecipientEmail,
    string Subject,
    string Html,
    string Text,
    byte[] Csv,
    byte[] ChartPng)
{
    public const string ChartContentId = "usage-chart@coppicemonitor";
    public const string ChartFileName = "chart.png";
    public const string CsvFileName = "usage.csv";

    /// <summary>
    /// The HTML with the inline chart pointing at the archived file instead of the mail part, for opening the
    /// archive copy in a browser.
    /// </summary>
    public string ArchiveHtml => Html.Replace("cid:" + ChartContentId, ChartFileName, StringComparison.Ordinal);

    /// <summary>A file-name-safe stem naming the recipient, used for archive and --out folders.</summary>
    public string RecipientStem => FileNames.Safe(RecipientStaffId is { Length: > 0 } id ? id + "-" + RecipientEmail : RecipientEmail);
}

/// <summary>File names derived from user data (emails, staff ids) must not escape the folder they are written to.</summary>
public static class FileNames
{
    public static string Safe(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var chars = text.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '@' ? c : '_').ToArray();
        var safe = new string(chars).Trim('.');
        return safe.Length == 0 ? "_" : safe[..Math.Min(safe.Length, 120)];
    }
}
