using System.Globalization;
using CoppiceMonitor.Reports.Delivery;
using CoppiceMonitor.Reports.Rendering;
using CoppiceMonitor.Storage.Retention;
using CoppiceMonitor.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace CoppiceMonitor.Reports.Tests.Delivery;

/// <summary>
/// Report archive retention (policy 10.4): real report files written by <see cref="ReportArchive"/> into a temporary
/// archive, a real PostgreSQL for the audit row, and a fake clock 400-odd days on.
/// </summary>
public sealed class ReportArchivePurgerTests(PostgresCluster cluster) : IClassFixture<PostgresCluster>, IDisposable
{
    // 2027-11-20 minus the default 400 days is 2026-10-16: a period ending on 2026-10-15 is past the window, one
    // ending on 2026-10-16 is not (its last day is still inside).
    private static readonly DateTimeOffset Now = new(2027, 11, 20, 2, 30, 0, TimeSpan.Zero);
    private static readonly ReportPeriod Expired = new(new DateOnly(2026, 10, 9), new DateOnly(2026, 10, 15));
    private static readonly ReportPeriod LastDayInside = new(new DateOnly(2026, 10, 10), new DateOnly(2026, 10, 16));
    private static readonly ReportPeriod Recent = new(new DateOnly(2027, 11, 8), new DateOnly(2027, 11, 14));

    private readonly string _archive = Directory.CreateTempSubdirectory("coppice-archive-purge-").FullName;

    public void Dispose() => Directory.Delete(_archive, recursive: true);

    [Fact]
    public async Task PurgeAsync_DefaultWindow_DeletesOnlyReportsPastItAndAuditsCounts()
    {
        await using var database = NpgsqlDataSource.Create(await cluster.CreateDatabaseAsync("archive"));
        var expired = await WriteReportAsync(Expired);
        var inside = await WriteReportAsync(LastDayInside);
        var recent = await WriteReportAsync(Recent);
        // A re-archived copy of an old report is as old as its period, whatever its file time says.
        File.SetLastWriteTimeUtc(Path.Combine(expired, "report.html"), Now.UtcDateTime.AddDays(-1));
        // Files outside the layout go by their last write.
        var strayOld = Path.Combine(_archive, "manual-export.csv");
        var strayNew = Path.Combine(_archive, "readme.txt");
        await File.WriteAllTextAsync(strayOld, "staff_id\nS001\n");
        await File.WriteAllTextAsync(strayNew, "kept");
        File.SetLastWriteTimeUtc(strayOld, Now.UtcDateTime.AddDays(-401));
        File.SetLastWriteTimeUtc(strayNew, Now.UtcDateTime.AddDays(-399));
        var expiredFiles = Directory.GetFiles(expired).Length;

        var result = await CreatePurger(database).PurgeAsync(dryRun: false, actor: "test");

        Assert.False(Directory.Exists(expired));
        Assert.False(Directory.Exists(Path.GetDirectoryName(expired)), "the empty period folder is removed too");
        Assert.Equal(5, Directory.GetFiles(inside).Length);
        Assert.Equal(5, Directory.GetFiles(recent).Length);
        Assert.False(File.Exists(strayOld));
        Assert.True(File.Exists(strayNew));
        Assert.Equal(expiredFiles + 1, result.FilesDeleted);
        Assert.Equal(2, result.FoldersDeleted);
        Assert.Equal(400, result.RetentionDays);

        var audit = await SingleAuditAsync(database, result.AuditEventId);
        Assert.Equal(("test", ReportArchivePurger.AuditAction, (long)result.FilesDeleted), (audit.Actor, audit.Action, audit.RowCount));
        Assert.Contains($"\"report_files\": {result.FilesDeleted}", audit.Details, StringComparison.Ordinal);
        Assert.Contains("\"report_folders\": 2", audit.Details, StringComparison.Ordinal);
        // Counts only: no recipient, staff id, school or file name in the audit trail.
        foreach (var secret in new[] { "@", "LM01", "coppice-primary", "manual-export", ".html", "2026-10" })
        {
            Assert.DoesNotContain(secret, audit.Details + audit.Reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task PurgeAsync_DryRun_CountsButDeletesNothing()
    {
        await using var database = NpgsqlDataSource.Create(await cluster.CreateDatabaseAsync("archive"));
        var expired = await WriteReportAsync(Expired);

        var result = await CreatePurger(database).PurgeAsync(dryRun: true, actor: "test");

        Assert.Equal(5, result.FilesDeleted);
        Assert.Equal(5, Directory.GetFiles(expired).Length);
        var audit = await SingleAuditAsync(database, result.AuditEventId);
        Assert.Equal(ReportArchivePurger.DryRunAuditAction, audit.Action);
    }

    [Fact]
    public async Task PurgeAsync_SchoolWindowInRetentionSettings_AppliesToThatSchoolsFolderOnly()
    {
        await using var database = NpgsqlDataSource.Create(await cluster.CreateDatabaseAsync("archive"));
        var month = new ReportPeriod(new DateOnly(2027, 10, 4), new DateOnly(2027, 10, 10));
        var strict = await WriteReportAsync(month);
        var other = await WriteReportAsync(month, schoolId: "oak-academy");
        var retention = new RetentionOptions();
        retention.Schools["coppice-primary"] = new RetentionWindows { ReportRunsDays = 30 };

        var result = await CreatePurger(database, retention: retention).PurgeAsync(dryRun: false, actor: "test");

        Assert.False(Directory.Exists(strict));
        Assert.Equal(5, Directory.GetFiles(other).Length);
        Assert.Equal(5, result.FilesDeleted);
    }

    [Fact]
    public async Task PurgeAsync_ArchiveRetentionDaysSet_OverridesRetentionWindow()
    {
        await using var database = NpgsqlDataSource.Create(await cluster.CreateDatabaseAsync("archive"));
        var recent = await WriteReportAsync(Recent);

        var result = await CreatePurger(database, archiveDays: 5).PurgeAsync(dryRun: false, actor: "test");

        Assert.False(Directory.Exists(recent));
        Assert.Equal(5, result.RetentionDays);
    }

    private ReportArchivePurger CreatePurger(NpgsqlDataSource database, int? archiveDays = null, RetentionOptions? retention = null) =>
        new(new ReportOptions { ArchiveFolder = _archive, ArchiveRetentionDays = archiveDays },
            Options.Create(retention ?? new RetentionOptions()),
            new AuditLog(database, new FakeTimeProvider(Now)),
            new FakeTimeProvider(Now),
            NullLogger<ReportArchivePurger>.Instance);

    /// <summary>A real archived line-manager report (html, txt, csv, chart, eml) for the period; returns its folder.</summary>
    private async Task<string> WriteReportAsync(ReportPeriod period, string schoolId = "coppice-primary")
    {
        var rendered = ReportRenderer.Render(SampleReports.LineManagerReports().Single(r => r.Recipient.StaffId == "LM01")) with
        {
            Period = period,
            SchoolId = schoolId,
        };
        var folder = ReportArchive.FolderFor(_archive, rendered);
        var message = ReportMessageFactory.Create(rendered, new MimeKit.MailboxAddress("CoppiceMonitor", "reports@coppice.test"), "<id@coppice.test>");
        await ReportArchive.WriteAsync(folder, rendered, message, CancellationToken.None);
        Assert.Equal(5, Directory.GetFiles(folder).Length);
        return folder;
    }

    private static async Task<(string Actor, string Action, long? RowCount, string Details, string Reason)> SingleAuditAsync(NpgsqlDataSource database, long id)
    {
        await using var command = database.CreateCommand("SELECT actor, action, row_count, details::text, coalesce(reason, '') FROM audit_events WHERE id = $1");
        command.Parameters.AddWithValue(id);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), $"audit event {id.ToString(CultureInfo.InvariantCulture)} not found");
        return (reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetInt64(2), reader.GetString(3), reader.GetString(4));
    }
}
