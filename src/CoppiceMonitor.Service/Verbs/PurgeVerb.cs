using System.CommandLine;
using CoppiceMonitor.Reports.Delivery;
using CoppiceMonitor.Service.Pipeline;
using CoppiceMonitor.Storage.Retention;
using Microsoft.Extensions.DependencyInjection;

namespace CoppiceMonitor.Service.Verbs;

/// <summary>`purge [--dry-run]`: apply the retention policy now (the scheduler does it nightly).</summary>
public static class PurgeVerb
{
    public static Command Create()
    {
        var dryRun = new Option<bool>("--dry-run") { Description = "Show what would be deleted, delete nothing (still audited)." };
        var command = new Command("purge", "Delete data past its retention window (policy 10.4), except what an open investigation holds. Audited.") { dryRun };
        command.SetAction((parse, ct) => DatabaseVerb.RunAsync(parse, async (db, token) =>
        {
            var purger = db.Services.GetRequiredService<RetentionPurger>();
            var result = await purger.PurgeAsync(parse.GetValue(dryRun), "coppice-monitor purge", token).ConfigureAwait(false);
            await db.Output.WriteLineAsync($"purge{(result.DryRun ? " (dry run: nothing deleted)" : "")}: {result.TotalDeleted} rows{(result.DryRun ? " would go" : " deleted")}, {result.PartitionsDropped} partitions, audit event {result.AuditEventId}").ConfigureAwait(false);
            foreach (var (table, count) in result.Deleted.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                await db.Output.WriteLineAsync($"  {table,-20} {count}").ConfigureAwait(false);
            }

            foreach (var (table, count) in result.MovedToHeld.Where(p => p.Value > 0))
            {
                await db.Output.WriteLineAsync($"  {table,-20} {count} kept under an investigation hold").ConfigureAwait(false);
            }

            // The report archive folder has the same window as the report_runs rows (policy 10.4).
            var archive = await db.Services.GetRequiredService<ReportArchivePurger>().PurgeAsync(parse.GetValue(dryRun), "coppice-monitor purge", token).ConfigureAwait(false);
            await db.Output.WriteLineAsync($"  {"report archive",-20} {archive.FilesDeleted} files{(archive.DryRun ? " would go" : " deleted")} ({archive.RetentionDays}-day window), audit event {archive.AuditEventId}").ConfigureAwait(false);
            return 0;
        }, ct, b => b.Services.AddCoppiceReporting(b.Configuration, delivery: false)));
        return command;
    }
}
