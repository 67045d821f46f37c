using CoppiceMonitor.Reports.Data;
using CoppiceMonitor.Reports.Delivery;
using CoppiceMonitor.Storage.Reporting;
using CoppiceMonitor.Testing;
using CoppiceMonitor.Visits;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CoppiceMonitor.Reports.Tests.Delivery;

/// <summary>
/// A fresh migrated database seeded with the sample school (two line managers under a headteacher) and a week of
/// visits, plus helpers to build a <see cref="ReportRunner"/> against it and the SMTP sink.
/// </summary>
internal sealed class ReportFixture : IAsyncDisposable
{
    public const string SchoolId = "coppice-primary";

    private ReportFixture(string connectionString, string archive)
    {
        ConnectionString = connectionString;
        Database = NpgsqlDataSource.Create(connectionString);
        ArchiveFolder = archive;
    }

    public string ConnectionString { get; }

    public NpgsqlDataSource Database { get; }

    public string ArchiveFolder { get; }

    public static async Task<ReportFixture> CreateAsync(PostgresCluster cluster)
    {
        var cs = await cluster.CreateDatabaseAsync("reports");
        var fixture = new ReportFixture(cs, Directory.CreateTempSubdirectory("coppice-archive-").FullName);
        await fixture.SeedAsync();
        return fixture;
    }

    public ReportRunner CreateRunner(SmtpSink sink, TimeProvider time, Action<ReportOptions>? configure = null)
    {
        var options = new ReportOptions
        {
            ArchiveFolder = ArchiveFolder,
            RetryInitialDelay = TimeSpan.FromMinutes(1),
            RetryMaxDelay = TimeSpan.FromMinutes(4),
            SendAttempts = 3,
        };
        configure?.Invoke(options);
        var smtp = new SmtpOptions
        {
            Host = sink.Host,
            Port = sink.Port,
            Security = SmtpSecurity.None,
            FromAddress = "reports@coppice.test",
            TimeoutSeconds = 10,
        };
        var schools = new List<SchoolOptions> { new() { Id = SchoolId, ExcessiveMinutesPerDay = 60 } };
        return new ReportRunner(
            new StoredReportDataSource(new ReportQueries(Database), schools),
            new ReportRunStore(new ReportRunTable(Database, time)),
            new SmtpReportSender(Options.Create(smtp)),
            Options.Create(options),
            time,
            NullLogger<ReportRunner>.Instance);
    }

    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var command = Database.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public async ValueTask DisposeAsync()
    {
        await Database.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        try
        {
            Directory.Delete(ArchiveFolder, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }

    private async Task SeedAsync()
    {
        // Week of Monday 7 September 2026 (BST, UTC+1). Times below are UTC.
        const string sql = """
            INSERT INTO schools (school_id, name, time_zone) VALUES ('coppice-primary', 'Coppice Primary School', 'Europe/London');
            INSERT INTO staff (school_id, staff_id, display_name, email, line_manager_id, roles) VALUES
              ('coppice-primary', 'HT01', 'Helen Green', 'head@coppice.test', NULL, 4),
              ('coppice-primary', 'LM01', 'Priya Shah', 'priya.shah@coppice.test', 'HT01', 1),
              ('coppice-primary', 'LM02', 'Dan Okafor', 'dan.okafor@coppice.test', 'HT01', 1),
              ('coppice-primary', 'T001', 'Tom O''Brien', 'tom@coppice.test', 'LM01', 0),
              ('coppice-primary', 'T002', 'Amy Lee', 'amy@coppice.test', 'LM01', 0),
              ('coppice-primary', 'T003', 'Raj Patel', 'raj@coppice.test', 'LM02', 0);
            INSERT INTO visits (school_id, staff_id, device_id, service, category, start_utc, end_utc, active_seconds,
                                directed_seconds, break_seconds, non_directed_seconds, outside_hours_seconds, is_work_use,
                                site_name, evidence_count, batch_id) VALUES
              -- Tom, Monday: 10 min in a lesson (09:00 BST) and 15 min at break.
              ('coppice-primary', 'T001', 'D1', 'Facebook', 'SocialMedia', '2026-09-07 08:00Z', '2026-09-07 08:10Z', 600, 600, 0, 0, 0, false, 'facebook.com', 3, gen_random_uuid()),
              ('coppice-primary', 'T001', 'D1', 'Facebook', 'SocialMedia', '2026-09-07 09:30Z', '2026-09-07 09:45Z', 900, 0, 900, 0, 0, false, 'facebook.com', 3, gen_random_uuid()),
              -- Tom, 23:30 UTC Monday = 00:30 BST Tuesday: counts on Tuesday.
              ('coppice-primary', 'T001', 'D1', 'TikTok', 'SocialMedia', '2026-09-07 23:30Z', '2026-09-08 00:40Z', 4200, 0, 0, 0, 4200, false, 'tiktok.com', 5, gen_random_uuid()),
              -- Tom, a special-category site: never named.
              ('coppice-primary', 'T001', 'D1', 'mind-health-support.example', 'Health', '2026-09-09 12:00Z', '2026-09-09 12:09Z', 540, 0, 540, 0, 0, false, NULL, 2, gen_random_uuid()),
              -- Amy, work use of the school's X account.
              ('coppice-primary', 'T002', 'D2', 'X', 'SocialMedia', '2026-09-10 15:00Z', '2026-09-10 15:30Z', 1800, 0, 0, 1800, 0, true, 'x.com', 4, gen_random_uuid()),
              -- Raj, Monday: 45 min directed.
              ('coppice-primary', 'T003', 'D3', 'Facebook', 'SocialMedia', '2026-09-07 10:00Z', '2026-09-07 10:45Z', 2700, 2700, 0, 0, 0, false, 'facebook.com', 6, gen_random_uuid()),
              -- Raj, news site: not social media, not reported.
              ('coppice-primary', 'T003', 'D3', 'bbc.co.uk', 'General', '2026-09-08 10:00Z', '2026-09-08 10:45Z', 2700, 2700, 0, 0, 0, false, 'bbc.co.uk', 6, gen_random_uuid()),
              -- Previous week, Tom: 40 min.
              ('coppice-primary', 'T001', 'D1', 'Facebook', 'SocialMedia', '2026-09-01 16:00Z', '2026-09-01 16:40Z', 2400, 0, 0, 2400, 0, false, 'facebook.com', 3, gen_random_uuid());
            INSERT INTO anonymous_usage (school_id, local_date, service, category, kind, active_seconds, devices) VALUES
              ('coppice-primary', '2026-09-08', 'TikTok', 'SocialMedia', 2, 6000, 12),
              ('coppice-primary', '2026-09-08', 'Instagram', 'SocialMedia', -1, 600, 1),
              ('coppice-primary', '2026-09-08', 'cloudflare-dns.com', 'EncryptedDns', -1, 300, 1);
            """;
        await using var command = Database.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }
}
