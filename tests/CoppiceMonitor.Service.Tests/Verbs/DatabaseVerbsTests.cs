using CoppiceMonitor.Testing;
using Npgsql;

namespace CoppiceMonitor.Service.Tests.Verbs;

/// <summary>
/// The database verbs as processes against a real PostgreSQL (the Testing cluster via ConnectionStrings:Coppice) and
/// a real SMTP server (the Testing SMTP sink): the ICT workflow of the demo, step by step, with its error paths.
/// </summary>
public sealed class DatabaseVerbsTests : IClassFixture<PostgresCluster>, IClassFixture<SimulatedDay>, IAsyncLifetime, IDisposable
{
    private readonly PostgresCluster _cluster;
    private readonly SimulatedDay _day;
    private readonly TempFolder _folder = new();
    private readonly SmtpSink _smtp = new();
    private string _connectionString = "";
    private string[] _common = [];

    public DatabaseVerbsTests(PostgresCluster cluster, SimulatedDay day)
    {
        _cluster = cluster;
        _day = day;
    }

    public async Task InitializeAsync()
    {
        await _smtp.InitializeAsync();
        _connectionString = await _cluster.CreateDatabaseAsync("verbs");
        var settings = _folder.Write("settings.json", """
            { "Schools": [ { "Id": "coppice-primary", "TimeZone": "Europe/London",
                "Timetable": { "Directed": [ "08:50-10:30", "10:50-12:15", "13:15-15:20" ], "Breaks": [ "10:30-10:50", "12:15-13:15" ],
                               "NonDirected": [ "08:00-08:50", "15:20-17:30" ] },
                "PupilSubnets": [ "10.20.0.0/16" ], "GuestSubnets": [ "10.30.0.0/16" ] } ] }
            """);
        _common = ["--config", settings, "--set", $"ConnectionStrings:Coppice={_connectionString}", "--set", $"Service:DataFolder={_folder.Path}/data"];
    }

    public async Task DisposeAsync() => await _smtp.DisposeAsync();

    public void Dispose() => _folder.Dispose();

    private Task<ProcessResult> Run(params string[] args) => CoppiceProcess.RunAsync([.. args, .. _common]);

    [Fact]
    public async Task Workflow_MigrateImportReplayReportInvestigatePurgeStatus()
    {
        var migrate = await Run("db", "migrate");
        Assert.True(migrate.ExitCode == 0, migrate.ToString());
        Assert.Contains("ConnectionStrings:Coppice", migrate.Stdout, StringComparison.Ordinal);

        var staff = await Run("staff", "import", _day.Folder.File("staff.csv"));
        Assert.True(staff.ExitCode == 0, staff.ToString());
        Assert.Matches(@"staff import: \d+ rows: \d+ added", staff.Stdout);
        var again = await Run("staff", "import", _day.Folder.File("staff.csv"));
        Assert.Contains(" 0 added, 0 updated, 0 removed", again.Stdout, StringComparison.Ordinal);
        var devices = await Run("devices", "import", _day.Folder.File("devices.csv"));
        Assert.True(devices.ExitCode == 0, devices.ToString());

        var replay = await Run("replay", _day.Pcap);
        Assert.True(replay.ExitCode == 0, replay.ToString());
        Assert.Contains("channel_drops    0", replay.Stdout, StringComparison.Ordinal);
        Assert.Contains("ingest_drops     0", replay.Stdout, StringComparison.Ordinal);
        await using var dataSource = NpgsqlDataSource.Create(_connectionString);
        var stored = (long)(await dataSource.CreateCommand("SELECT count(*) FROM observations").ExecuteScalarAsync())!;
        var replayed = long.Parse(replay.Stdout.Split('\n').First(l => l.StartsWith("observations", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(replayed, stored);
        var visits = (long)(await dataSource.CreateCommand("SELECT count(*) FROM visits").ExecuteScalarAsync())!;
        Assert.True(visits > 0);
        Assert.Contains("replay: ", replay.Stderr, StringComparison.Ordinal);

        // Issue 12: a dry run needs no SMTP settings at all, and writes one folder per report (the headteacher's
        // summary no longer overwrites the team report of the same person).
        var dry = Path.Combine(_folder.Path, "dry");
        var dryRun = await Run("report", "send", "--period", "2026-10-12..2026-10-18", "--dry-run", "--out", dry);
        Assert.True(dryRun.ExitCode == 0, dryRun.ToString());
        var dryReports = dryRun.Stdout.Split('\n').Count(l => l.TrimEnd().EndsWith("DryRun", StringComparison.Ordinal));
        Assert.True(dryReports >= 2, dryRun.ToString());
        Assert.Equal(dryReports, Directory.GetDirectories(dry).Length);
        Assert.Equal(dryReports, Directory.GetFiles(dry, "report.html", SearchOption.AllDirectories).Length);
        Assert.Empty(_smtp.Messages);

        var output = Path.Combine(_folder.Path, "rendered");
        var report = await Run("report", "send", "--period", "2026-10-12..2026-10-18", "--out", output,
            "--set", $"Reports:Smtp:Host={_smtp.Host}", "--set", $"Reports:Smtp:Port={_smtp.Port}", "--set", "Reports:Smtp:Security=None",
            "--set", "Reports:Smtp:FromAddress=monitor@coppice.example");
        Assert.True(report.ExitCode == 0, report.ToString());
        Assert.Contains("Sent", report.Stdout, StringComparison.Ordinal);
        Assert.NotEmpty(_smtp.Messages);
        Assert.NotEmpty(Directory.GetFiles(output, "report.html", SearchOption.AllDirectories));

        var staffId = File.ReadLines(_day.Folder.File("staff.csv")).Skip(2).First().Split(',')[0];
        var open = await Run("investigation", "open", "--staff", staffId, "--reason", "test", "--by", "head", "--role", "headteacher", "--from", "2026-10-14", "--to", "2026-10-14");
        Assert.True(open.ExitCode == 0, open.ToString());
        var list = await Run("investigation", "list");
        Assert.Contains(staffId, list.Stdout, StringComparison.Ordinal);
        var id = list.Stdout.Split('\n')[1].Split('\t')[0];
        var exportFile = Path.Combine(_folder.Path, "export.csv");
        var export = await Run("investigation", "export", id, "--out", exportFile, "--by", "head", "--reason", "review");
        Assert.True(export.ExitCode == 0, export.ToString());
        Assert.StartsWith("visit_id,", File.ReadLines(exportFile).First(), StringComparison.Ordinal);
        var close = await Run("investigation", "close", id, "--by", "head", "--reason", "done");
        Assert.True(close.ExitCode == 0, close.ToString());

        var purge = await Run("purge", "--dry-run");
        Assert.True(purge.ExitCode == 0, purge.ToString());
        Assert.Contains("dry run", purge.Stdout, StringComparison.Ordinal);
        Assert.Equal(stored, (long)(await dataSource.CreateCommand("SELECT count(*) FROM observations").ExecuteScalarAsync())!);

        var status = await Run("status");
        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Contains("== retention", status.Stdout, StringComparison.Ordinal);
        Assert.Contains($"({visits} visits)", status.Stdout, StringComparison.Ordinal);
        var audited = (long)(await dataSource.CreateCommand("SELECT count(*) FROM audit_events").ExecuteScalarAsync())!;
        Assert.True(audited >= 4, $"{audited} audit events");
    }

    [Fact]
    public async Task StaffImport_BadRow_ChangesNothingAndNamesTheLine()
    {
        var bad = _folder.Write("bad-staff.csv", "staff_id,display_name,email,line_manager_id,roles\nS1,Ann,ann@x.example,,\nS2,,not-an-email,,\n");

        var result = await Run("staff", "import", bad);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("bad-staff.csv:3:", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("nothing was changed", result.Stderr, StringComparison.Ordinal);
        await using var dataSource = NpgsqlDataSource.Create(_connectionString);
        Assert.Equal(0L, (long)(await dataSource.CreateCommand("SELECT count(*) FROM staff").ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task InvestigationClose_UnknownId_ExitsOne()
    {
        var result = await Run("investigation", "close", "99999", "--by", "head", "--reason", "x");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.StartsWith("coppice-monitor: ", result.Stderr.Split('\n').First(l => l.StartsWith("coppice-monitor", StringComparison.Ordinal)), StringComparison.Ordinal);
    }
}
