using System.Net;
using CoppiceMonitor.Capture;
using CoppiceMonitor.Portal.Hosting;
using CoppiceMonitor.Storage;
using CoppiceMonitor.Storage.Accounts;
using CoppiceMonitor.Storage.Retention;
using CoppiceMonitor.Testing;
using CoppiceMonitor.Visits;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CoppiceMonitor.Portal.Tests;

/// <summary>
/// The real portal on a loopback port (Kestrel, HTTPS with a generated certificate) over a throwaway PostgreSQL:
/// a registry with every role, visits and observations for one teacher, delivered reports for two line managers and
/// the headteacher, one open investigation, and an account per person (the privileged ones with TOTP set up).
/// </summary>
public sealed class PortalServer : IAsyncLifetime
{
    public const string School = "coppice";
    public const string Password = "correct horse battery";

    private readonly PostgresCluster _cluster = new();
    private WebApplication? _app;

    public string ConnectionString { get; private set; } = "";

    public Uri BaseAddress { get; private set; } = null!;

    public string DataFolder { get; } = Path.Combine(Path.GetTempPath(), "coppice-portal-tests-" + Guid.NewGuid().ToString("N"));

    /// <summary>TOTP shared keys of the accounts that have the second factor, by email.</summary>
    public Dictionary<string, string> Keys { get; } = new(StringComparer.OrdinalIgnoreCase);

    public long Lm1ReportId { get; private set; }

    public long Lm2ReportId { get; private set; }

    public long HeadReportId { get; private set; }

    public long InvestigationId { get; private set; }

    public WebApplication App => _app ?? throw new InvalidOperationException("not started");

    public static readonly (string Id, string Name, string Email, string? Manager, StaffRoles Roles)[] People =
    [
        ("head", "Hana Head", "head@coppice.sch.uk", null, StaffRoles.Headteacher | StaffRoles.LineManager),
        ("hr", "Harriet Hale", "hr@coppice.sch.uk", "head", StaffRoles.Hr),
        ("hr2", "Hugo Hart", "hr2@coppice.sch.uk", "head", StaffRoles.Hr),
        ("lm1", "Liam Lane", "lm1@coppice.sch.uk", "head", StaffRoles.LineManager),
        ("lm2", "Lara Lowe", "lm2@coppice.sch.uk", "head", StaffRoles.LineManager),
        ("t1", "Tom Tyler", "t1@coppice.sch.uk", "lm1", StaffRoles.None),
        ("t2", "Tia Tan", "t2@coppice.sch.uk", "lm2", StaffRoles.None),
        ("ict", "Ian Innes", "ict@coppice.sch.uk", "head", StaffRoles.Ict),
        ("dpo", "Dora Dean", "dpo@coppice.sch.uk", "head", StaffRoles.Dpo),
    ];

    /// <summary>Accounts created with the second factor already set up (hr2 has none: it must set it up first).</summary>
    public static readonly string[] WithSecondFactor = ["head@coppice.sch.uk", "hr@coppice.sch.uk", "ict@coppice.sch.uk", "dpo@coppice.sch.uk"];

    public static readonly DateTime Day = new(2026, 11, 24, 0, 0, 0, DateTimeKind.Utc);

    public async Task InitializeAsync()
    {
        await _cluster.InitializeAsync();
        ConnectionString = await _cluster.CreateDatabaseAsync("portal");
        await SeedAsync();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Portal:Urls:0"] = "https://127.0.0.1:0",
        }).Build();
        _app = PortalApplication.Create(new PortalHostSettings(configuration, ConnectionString, DataFolder));
        await _app.StartAsync();
        var addresses = PortalApplication.Addresses(_app);
        var address = addresses.Count == 1 ? addresses[0] : throw new InvalidOperationException("addresses: " + string.Join(", ", addresses));
        BaseAddress = new Uri(address.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal));
        await CreateAccountsAsync();
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        if (Directory.Exists(DataFolder))
        {
            Directory.Delete(DataFolder, recursive: true);
        }
    }

    public PortalClient Client() => new(this);

    /// <summary>Audit rows of <paramref name="action"/> (all when null), oldest first.</summary>
    public async Task<IReadOnlyList<Storage.Entities.AuditEventRow>> AuditAsync(string? action = null)
    {
        await using var dataSource = NpgsqlDataSource.Create(ConnectionString);
        return await new AuditLog(dataSource, TimeProvider.System).ListAsync(DateTime.UtcNow.AddDays(-1), DateTime.UtcNow.AddDays(1), action);
    }

    public async Task<IReadOnlyList<Storage.Entities.InvestigationRow>> InvestigationsAsync()
    {
        await using var dataSource = NpgsqlDataSource.Create(ConnectionString);
        return await new InvestigationStore(dataSource, TimeProvider.System).ListAsync(School, includeClosed: true);
    }

    private async Task SeedAsync()
    {
        await using var dataSource = NpgsqlDataSource.Create(ConnectionString);
        var registry = new RegistryStore(dataSource, TimeProvider.System);
        await registry.ApplyStaffAsync(School, [.. People.Select(p => new StaffRecord(p.Id, p.Name, p.Email, p.Manager, p.Roles))]);
        Assert.True(MacAddress.TryParse("aa:bb:cc:00:00:01", out var mac));
        await registry.ApplyDevicesAsync(School, [new DeviceRecord("laptop-t1", "t1", mac, "t1-laptop", null, DeviceKind.Staff, [])]);

        // Test data goes in with SQL of the test's own: the portal itself reads only through Storage.
        await using var connection = await dataSource.OpenConnectionAsync();
        await using (var command = new NpgsqlCommand("""
            INSERT INTO visits (school_id, staff_id, device_id, service, category, start_utc, end_utc, active_seconds, directed_seconds,
                                break_seconds, non_directed_seconds, outside_hours_seconds, is_work_use, site_name, evidence_count, batch_id)
            VALUES ('coppice', 't1', 'laptop-t1', 'Facebook', 'social', @day + interval '10 hours', @day + interval '10 hours 12 minutes', 600, 600, 0, 0, 0, false, 'facebook.com', 3, gen_random_uuid()),
                   ('coppice', 't1', 'laptop-t1', 'NHS', 'health', @day + interval '12 hours', @day + interval '12 hours 5 minutes', 300, 0, 300, 0, 0, false, NULL, 2, gen_random_uuid()),
                   ('coppice', 't2', 'laptop-t2', 'X/Twitter', 'social', @day + interval '11 hours', @day + interval '11 hours 5 minutes', 300, 300, 0, 0, 0, false, 'x.com', 1, gen_random_uuid());
            INSERT INTO observations (school_id, ts, kind, client, client_mac, server, server_port, transport, vlan, name, batch_id)
            VALUES ('coppice', @day + interval '10 hours 1 minute', 2, '10.0.0.5', 'aa:bb:cc:00:00:01', '157.240.1.35', 443, 6, 0, 'www.facebook.com', gen_random_uuid()),
                   ('coppice', @day + interval '12 hours 1 minute', 0, '10.0.0.5', 'aa:bb:cc:00:00:01', '10.0.0.1', 53, 17, 0, 'sensitive-clinic.example', gen_random_uuid());
            INSERT INTO report_runs (run_key, school_id, kind, period_start, period_end, recipient_staff_id, recipient_email, status, attempts, created_utc, completed_utc, subject, html_body, text_body, csv)
            VALUES ('lm|lm1', 'coppice', 'line-manager', '2026-11-23', '2026-11-29', 'lm1', 'lm1@coppice.sch.uk', 'sent', 1, now(), now(), 'Team summary for Liam Lane', '<p style="color:#222">Liam team report</p><img src="cid:usage-chart@coppicemonitor" alt="chart">', 'Liam team report text', 'person,minutes\r\nTom Tyler,10\r\n'),
                   ('lm|lm2', 'coppice', 'line-manager', '2026-11-23', '2026-11-29', 'lm2', 'lm2@coppice.sch.uk', 'sent', 1, now(), now(), 'Team summary for Lara Lowe', '<p>Lara team report</p>', 'Lara team report text', 'person,minutes\r\nTia Tan,5\r\n'),
                   ('head|head', 'coppice', 'headteacher', '2026-11-23', '2026-11-29', 'head', 'head@coppice.sch.uk', 'sent', 1, now(), now(), 'School summary', '<p>School report</p>', 'School report text', 'service,minutes\r\n');
            """, connection))
        {
            command.Parameters.AddWithValue("day", Day);
            await command.ExecuteNonQueryAsync();
        }

        await using (var ids = new NpgsqlCommand("SELECT id, run_key FROM report_runs", connection))
        await using (var reader = await ids.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                switch (reader.GetString(1))
                {
                    case "lm|lm1": Lm1ReportId = reader.GetInt64(0); break;
                    case "lm|lm2": Lm2ReportId = reader.GetInt64(0); break;
                    default: HeadReportId = reader.GetInt64(0); break;
                }
            }
        }

        var store = new InvestigationStore(dataSource, TimeProvider.System);
        InvestigationId = await store.OpenAsync(new InvestigationRequest(School, "t1", Day, Day.AddDays(1), "grievance 42"), "hr@coppice.sch.uk");
    }

    private async Task CreateAccountsAsync()
    {
        await using (var admin = AccountAdministration.Create(ConnectionString))
        {
            foreach (var person in People)
            {
                var result = await admin.AddAsync(School, person.Email, Password);
                Assert.True(result.Succeeded, result.Message);
            }
        }

        await using var scope = App.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        foreach (var email in WithSecondFactor)
        {
            var user = await users.FindByEmailAsync(email) ?? throw new InvalidOperationException(email);
            await users.ResetAuthenticatorKeyAsync(user);
            Keys[email] = await users.GetAuthenticatorKeyAsync(user) ?? throw new InvalidOperationException("no key");
            await users.SetTwoFactorEnabledAsync(user, true);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class PortalGroup : ICollectionFixture<PortalServer>
{
    public const string Name = "portal";
}
