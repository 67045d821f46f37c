using System.CommandLine;
using System.Globalization;
using CoppiceMonitor.Service.Cli;
using CoppiceMonitor.Service.Database;
using CoppiceMonitor.Service.Hosting;
using CoppiceMonitor.Service.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using CoppiceMonitor.Storage;

namespace CoppiceMonitor.Service.Verbs;

/// <summary>`status`: health at a glance for ICT (no personal data: counts and times only).</summary>
public static class StatusVerb
{
    public static Command Create()
    {
        var command = new Command("status", "Show capture counters and kernel drops, ingest lag, spool size, last and next job runs, retention state.");
        command.SetAction((parse, ct) => VerbRunner.RunAsync(parse, HostKind.Command, b => b.Services.AddCoppiceDatabase(b.Configuration),
            (services, token) => RunAsync(parse.InvocationConfiguration.Output, services, token), ct));
        return command;
    }

    private static async Task<int> RunAsync(TextWriter output, IServiceProvider services, CancellationToken cancellationToken)
    {
        var options = services.GetRequiredService<IOptions<ServiceOptions>>().Value;
        var time = services.GetRequiredService<TimeProvider>();
        var now = time.GetUtcNow();
        string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

        output.WriteLine("== service");
        var snapshot = StatusSnapshot.TryRead(options.DataFolder);
        if (snapshot is null)
        {
            output.WriteLine(F($"  no status.json in {options.DataFolder}: the service has not run here yet"));
        }
        else
        {
            var running = !snapshot.Stopped && Directory.Exists($"/proc/{snapshot.ProcessId}");
            output.WriteLine(F($"  state            {(snapshot.Stopped ? "stopped" : running || OperatingSystem.IsWindows() ? "running" : "not running (stale status)")} (pid {snapshot.ProcessId}, started {snapshot.StartedUtc:u}, status written {(now - snapshot.WrittenUtc).TotalSeconds:F0} s ago)"));
            foreach (var nic in snapshot.Interfaces)
            {
                output.WriteLine(F($"  capture {nic.Name,-8} {nic.Packets} packets, {nic.KernelDrops} kernel drops, {nic.InterfaceDrops} interface drops, {nic.RingDrops} frame ring drops"));
            }

            output.WriteLine(F($"  observations     {snapshot.Observations}"));
            output.WriteLine(F($"  channel drops    {snapshot.ChannelDrops} (backlog {snapshot.ChannelBacklog})"));
            output.WriteLine(F($"  ingest drops     {snapshot.IngestDrops}"));
            output.WriteLine(F($"  outside schools  {snapshot.UnroutedObservations} observations (no school's VLANs or subnets)"));
            output.WriteLine(F($"  visits           {snapshot.Visits}"));
            output.WriteLine(F($"  database         {(snapshot.DatabaseAvailable ? "reachable" : "UNREACHABLE (spooling)")}"));
        }

        output.WriteLine(F($"  spool            {StatusSnapshot.FolderBytes(options.ResolvedSpoolFolder)} bytes in {options.ResolvedSpoolFolder}"));

        var database = services.GetRequiredService<CoppiceDatabase>();
        var status = await StorageStatus.ReadAsync(services.GetRequiredService<CoppiceDataSources>().Admin, cancellationToken).ConfigureAwait(false);
        output.WriteLine("== database");
        output.WriteLine(database.IsEmbedded ? $"  server           embedded PostgreSQL in {database.EmbeddedFolder}" : "  server           ConnectionStrings:Coppice");
        output.WriteLine(status.LastBatchWrittenUtc is { } b
            ? F($"  ingest lag       last batch written {(now.UtcDateTime - b).TotalSeconds:F0} s ago; newest observation {status.NewestObservationUtc:u}")
            : "  ingest lag       nothing ingested yet");

        output.WriteLine("== retention");
        output.WriteLine(F($"  oldest observation {Time(status.OldestObservationUtc, "-")}"));
        output.WriteLine(F($"  oldest visit       {Time(status.OldestVisitUtc, "-")} ({status.Visits} visits)"));
        output.WriteLine(F($"  open investigations (holds) {status.OpenInvestigations}"));
        output.WriteLine(F($"  last purge         {Time(status.LastPurgeUtc, "never")}"));

        output.WriteLine("== jobs");
        foreach (var job in status.Jobs)
        {
            output.WriteLine(F($"  {job.JobName,-24} {job.State,-9} last {Time(job.LastFireUtc, "-")}  next {Time(job.NextFireUtc, "-")}"));
        }

        if (status.Jobs.Count == 0)
        {
            output.WriteLine("  no scheduled jobs yet (they are registered when `run` starts)");
        }

        output.WriteLine(F($"  last report run    {Time(status.LastReportRunUtc, "never")}"));
        return ExitCodes.Success;
    }

    private static string Time(DateTime? utc, string none) => utc is { } t ? t.ToString("u", CultureInfo.InvariantCulture) : none;
}
