using System.Globalization;
using CoppiceMonitor.Reports.Rendering;
using MimeKit;

namespace CoppiceMonitor.Reports.Delivery;

/// <summary>
/// Writes a report's files to a folder: {root}/{kind}/{school}/{from}_{to}/{recipient}/ with report.html (chart
/// linked as a file), report.txt, usage.csv, chart.png and message.eml. The archive is personal data: the retention
/// purge is expected to delete old period folders (see docs/notes/reports.md).
/// </summary>
public static class ReportArchive
{
    public static string FolderFor(string root, RenderedReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var period = string.Create(CultureInfo.InvariantCulture, $"{report.Period.From:yyyy-MM-dd}_{report.Period.To:yyyy-MM-dd}");
        return Path.Combine(root, report.Kind.ToString().ToLowerInvariant(), FileNames.Safe(report.SchoolId), period, report.RecipientStem);
    }

    /// <summary>
    /// The folder of one report under `report send --out`: kind, school, period and recipient, so the headteacher's
    /// summary never overwrites the line-manager report of the same person, nor one school's report another's.
    /// </summary>
    public static string OutputFolderName(RenderedReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var kind = report.Kind == ReportKind.LineManager ? "line-manager" : "headteacher";
        return string.Create(CultureInfo.InvariantCulture, $"{kind}_{FileNames.Safe(report.SchoolId)}_{report.Period.From:yyyy-MM-dd}_{report.RecipientStem}");
    }

    /// <summary>Writes the files into <paramref name="folder"/> (created if needed) and returns it.</summary>
    public static async Task<string> WriteAsync(string folder, RenderedReport report, MimeMessage? message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, "report.html"), report.ArchiveHtml, cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(folder, "report.txt"), report.Text, cancellationToken).ConfigureAwait(false);
        await File.WriteAllBytesAsync(Path.Combine(folder, RenderedReport.CsvFileName), report.Csv, cancellationToken).ConfigureAwait(false);
        await File.WriteAllBytesAsync(Path.Combine(folder, RenderedReport.ChartFileName), report.ChartPng, cancellationToken).ConfigureAwait(false);
        if (message is not null)
        {
            await message.WriteToAsync(Path.Combine(folder, "message.eml"), cancellationToken).ConfigureAwait(false);
        }

        return folder;
    }
}
