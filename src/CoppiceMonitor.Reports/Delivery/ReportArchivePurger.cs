using System.Globalization;
using System.Text.RegularExpressions;
using CoppiceMonitor.Reports.Rendering;
using CoppiceMonitor.Storage.Retention;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CoppiceMonitor.Reports.Delivery;

/// <summary>What an archive purge deleted (or would delete, for a dry run): counts only, never names.</summary>
public sealed record ArchivePurgeResult(bool DryRun, int RetentionDays, int FilesDeleted, int FoldersDeleted, long BytesDeleted, long AuditEventId);

/// <summary>
/// Deletes report archive files past the retention window (policy 10.4), then the folders left empty, and writes
/// one audit event with the counts. A report's files are as old as the period they report: the
/// <c>{from}_{to}</c> folder of <see cref="ReportArchive.FolderFor"/> dates them by its end, so a re-sent or
/// restored copy keeps its age; any other file in the folder is dated by its last write. The window is
/// <see cref="ReportOptions.ArchiveRetentionDays"/>, by default Retention:ReportRunsDays (per school when the
/// Retention:Schools entry of the folder's school sets it), the same window as the report_runs rows.
/// </summary>
public sealed partial class ReportArchivePurger(
    ReportOptions options,
    IOptions<RetentionOptions> retention,
    AuditLog auditLog,
    TimeProvider timeProvider,
    ILogger<ReportArchivePurger> logger)
{
    /// <summary>The named "Reports" options the purge reads: validated without the SMTP cross-checks of sending.</summary>
    public const string OptionsName = "archive";

    public const string AuditAction = "retention.purge.report-archive";
    public const string DryRunAuditAction = "retention.purge.report-archive.dry-run";

    public async Task<ArchivePurgeResult> PurgeAsync(bool dryRun = false, string actor = "retention", CancellationToken cancellationToken = default)
    {
        var root = options.ArchiveFolder;
        var defaultDays = options.ArchiveRetentionDays ?? retention.Value.ReportRunsDays;
        var nowUtc = timeProvider.GetUtcNow().UtcDateTime;
        int files = 0, folders = 0;
        long bytes = 0;

        if (Directory.Exists(root))
        {
            var schoolDays = SchoolWindows();
            foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var segments = Path.GetRelativePath(root, file).Split(Path.DirectorySeparatorChar);
                var days = defaultDays;
                if (!options.ArchiveRetentionDays.HasValue && segments.Length > 2 && schoolDays.TryGetValue(segments[1], out var schoolWindow))
                {
                    days = schoolWindow;
                }

                if (Age(file, segments) >= nowUtc - TimeSpan.FromDays(days))
                {
                    continue;
                }

                var length = new FileInfo(file).Length;
                if (!dryRun)
                {
                    File.Delete(file);
                }

                files++;
                bytes += length;
            }

            folders = dryRun ? 0 : DeleteEmptyFolders(root);
        }

        var counts = new Dictionary<string, long>(StringComparer.Ordinal)
        {
            ["report_files"] = files,
            ["report_folders"] = folders,
            ["bytes"] = bytes,
            ["retention_days"] = defaultDays,
        };
        var auditId = await auditLog.WriteAsync(
            new AuditEntry(actor, dryRun ? DryRunAuditAction : AuditAction, Reason: "report archive retention (policy 10.4)", RowCount: files, Counts: counts),
            cancellationToken).ConfigureAwait(false);
        Log.ArchivePurged(logger, dryRun ? "would delete" : "deleted", files, folders, defaultDays, auditId);
        return new ArchivePurgeResult(dryRun, defaultDays, files, folders, bytes, auditId);
    }

    /// <summary>The end of the reported period (its last local day, whole) or, outside the layout, the last write.</summary>
    private static DateTime Age(string file, string[] segments)
    {
        foreach (var segment in segments.SkipLast(1))
        {
            var match = PeriodFolder().Match(segment);
            if (match.Success && DateOnly.TryParseExact(match.Groups["to"].Value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var to))
            {
                return to.AddDays(1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
            }
        }

        return File.GetLastWriteTimeUtc(file);
    }

    private Dictionary<string, int> SchoolWindows() =>
        retention.Value.Schools
            .Where(s => s.Value.ReportRunsDays.HasValue)
            .ToDictionary(s => FileNames.Safe(s.Key), s => s.Value.ReportRunsDays!.Value, StringComparer.Ordinal);

    /// <summary>Removes folders under <paramref name="root"/> (never the root) that hold nothing, deepest first.</summary>
    private static int DeleteEmptyFolders(string root)
    {
        var deleted = 0;
        foreach (var folder in Directory.EnumerateDirectories(root, "*", SearchOption.AllDirectories).OrderByDescending(f => f.Length).ToList())
        {
            if (!Directory.EnumerateFileSystemEntries(folder).Any())
            {
                Directory.Delete(folder);
                deleted++;
            }
        }

        return deleted;
    }

    [GeneratedRegex(@"^(?<from>\d{4}-\d{2}-\d{2})_(?<to>\d{4}-\d{2}-\d{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex PeriodFolder();
}
