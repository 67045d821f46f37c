using System.CommandLine;
using System.Globalization;
using CoppiceMonitor.Service.Cli;
using CoppiceMonitor.Service.Database;
using CoppiceMonitor.Service.Hosting;
using CoppiceMonitor.Service.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CoppiceMonitor.Service.Verbs;

/// <summary>`status`: health at a glance for ICT (no personal data: counts and times only).</summary>
public static class StatusVerb
{
    public static Command Create()
    {
        var command = new Command("status", "Show capture counters and kernel drops, ingest lag, spool size, last and next job runs, retention state.");
        command.SetAction((parse, ct) => VerbRunner.RunAsync(parse, HostKind.Command, b => b.Services.AddCoppiceDatabase(),
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
        var connectionString = await database.GetConnectionStringAsync(cancellationToken).ConfigureAwait(false);
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        output.WriteLine("== database");
        output.WriteLine(database.IsEmbedded ? $"  server           embedded PostgreSQL in {database.EmbeddedFolder}" : "  server           ConnectionStrings:Coppice");

        var lastBatch = await ScalarAsync<DateTime?>(dataSource, "SELECT max(written_utc) FROM ingest_batches", cancellationToken).ConfigureAwait(false);
        var newestObservation = await ScalarAsync<DateTime?>(dataSource, "SELECT max(ts) FROM observations", cancellationToken).ConfigureAwait(false);
        output.WriteLine(lastBatch is { } b
            ? F($"  ingest lag       last batch written {(now.UtcDateTime - b).TotalSeconds:F0} s ago; newest observation {newestObservation:u}")
            : "  ingest lag       nothing ingested yet");

        output.WriteLine("== retention");
        var oldestObservation = await ScalarAsync<DateTime?>(dataSource, "SELECT min(ts) FROM observations", cancellationToken).ConfigureAwait(false);
        var oldestVisit = await ScalarAsync<DateTime?>(dataSource, "SELECT min(start_utc) FROM visits", cancellationToken).ConfigureAwait(false);
        var visits = await ScalarAsync<long?>(dataSource, "SELECT count(*) FROM visits", cancellationToken).ConfigureAwait(false);
        var openInvestigations = await ScalarAsync<long?>(dataSource, "SELECT count(*) FROM investigations WHERE closed_utc IS NULL", cancellationToken).ConfigureAwait(false);
        var lastPurge = await ScalarAsync<DateTime?>(dataSource, "SELECT max(occurred_utc) FROM audit_events WHERE action ILIKE '%purge%'", cancellationToken).ConfigureAwait(false);
        output.WriteLine(F($"  oldest observation {(oldestObservation is { } o ? o.ToString("u", CultureInfo.InvariantCulture) : "-")}"));
        output.WriteLine(F($"  oldest visit       {(oldestVisit is { } v ? v.ToString("u", CultureInfo.InvariantCulture) : "-")} ({visits ?? 0} visits)"));
        output.WriteLine(F($"  open investigations (holds) {openInvestigations ?? 0}"));
        output.WriteLine(F($"  last purge         {(lastPurge is { } p ? p.ToString("u", CultureInfo.InvariantCulture) : "never")}"));

        output.WriteLine("== jobs");
        await using (var command = dataSource.CreateCommand(
            "SELECT job_name, trigger_state, prev_fire_time, next_fire_time FROM qrtz_triggers ORDER BY job_name"))
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var any = false;
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                any = true;
                // Quartz stores fire times as .NET ticks (UTC).
                static string Ticks(object value) => value is long t && t > 0 ? new DateTime(t, DateTimeKind.Utc).ToString("u", CultureInfo.InvariantCulture) : "-";
                output.WriteLine(F($"  {reader.GetString(0),-24} {reader.GetString(1),-9} last {Ticks(reader.GetValue(2))}  next {Ticks(reader.GetValue(3))}"));
            }

            if (!any)
            {
                output.WriteLine("  no scheduled jobs yet (they are registered when `run` starts)");
            }
        }

        var reportRuns = await ScalarAsync<DateTime?>(dataSource, "SELECT max(created_utc) FROM report_runs", cancellationToken).ConfigureAwait(false);
        output.WriteLine(F($"  last report run    {(reportRuns is { } r ? r.ToString("u", CultureInfo.InvariantCulture) : "never")}"));
        return ExitCodes.Success;
    }

    private static async Task<T?> ScalarAsync<T>(NpgsqlDataSource dataSource, string sql, CancellationToken cancellationToken)
    {
        try
        {
            await using var command = dataSource.CreateCommand(sql);
            var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return value is null or DBNull ? default : (T)value;
        }
        catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.UndefinedColumn or PostgresErrorCodes.UndefinedTable)
        {
            // An older schema: show what is there rather than fail the whole status.
            return default;
        }
    }
}
