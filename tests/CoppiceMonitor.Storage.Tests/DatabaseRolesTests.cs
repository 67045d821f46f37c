using CoppiceMonitor.Testing;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace CoppiceMonitor.Storage.Tests;

public sealed class DatabaseRolesTests(PostgresCluster cluster) : IClassFixture<PostgresCluster>
{
    private static async Task<string> LoginAsAsync(string cs, string group)
    {
        var login = $"t_{group}_{Environment.ProcessId}_{Guid.NewGuid():N}"[..40];
        await TestData.ExecuteAsync(cs, $"CREATE ROLE {login} LOGIN PASSWORD 'pw' IN ROLE {group}");
        await DatabaseRoles.MapLoginToSchoolAsync(cs, login, "*");
        return new NpgsqlConnectionStringBuilder(cs) { Username = login, Password = "pw", Pooling = false }.ConnectionString;
    }

    [Fact]
    public async Task IngestRole_CanInsertButCannotDeleteVisitsOrReadAudit()
    {
        var cs = await cluster.CreateDatabaseAsync();
        await DatabaseRoles.ApplyAsync(cs);
        await DatabaseRoles.ApplyAsync(cs); // idempotent
        var ingest = await LoginAsAsync(cs, DatabaseRoles.Ingest);

        await using var dataSource = NpgsqlDataSource.Create(ingest);
        var written = await new CoppiceMonitor.Storage.Ingest.VisitCopyWriter(dataSource, TimeProvider.System)
            .WriteAsync(new CoppiceMonitor.Storage.Ingest.VisitBatch(Guid.NewGuid(), [TestData.Visit(1, DateTime.UtcNow)]));
        Assert.Equal(CoppiceMonitor.Storage.Ingest.BatchWriteOutcome.Written, written);

        var delete = await Assert.ThrowsAsync<PostgresException>(() => TestData.ExecuteAsync(ingest, "DELETE FROM visits"));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, delete.SqlState);
        var audit = await Assert.ThrowsAsync<PostgresException>(() => TestData.ScalarAsync(ingest, "SELECT count(*) FROM audit_events"));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, audit.SqlState);
        Assert.Equal(1, await TestData.ScalarAsync(cs, "SELECT count(*) FROM visits"));
    }

    [Fact]
    public async Task ReportingRole_ReadsVisitsWritesReportRunsButCannotDeleteOrTouchHolds()
    {
        var cs = await cluster.CreateDatabaseAsync();
        await DatabaseRoles.ApplyAsync(cs);
        var reporting = await LoginAsAsync(cs, DatabaseRoles.Reporting);

        // Issue 13: reporting reads aggregates through report_staff_usage, never the visits table.
        var visits = await Assert.ThrowsAsync<PostgresException>(() => TestData.ScalarAsync(reporting, "SELECT count(*) FROM visits"));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, visits.SqlState);
        await TestData.ExecuteAsync(reporting,
            "INSERT INTO report_runs (run_key, school_id, kind, period_start, period_end, status, created_utc) VALUES ('k', 's', 'weekly', '2026-11-16', '2026-11-20', 'sent', now())");
        var delete = await Assert.ThrowsAsync<PostgresException>(() => TestData.ExecuteAsync(reporting, "DELETE FROM visits"));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, delete.SqlState);
        var held = await Assert.ThrowsAsync<PostgresException>(() => TestData.ScalarAsync(reporting, "SELECT count(*) FROM held_visits"));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, held.SqlState);
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task EnsureLoginRoles_IngestLogin_WritesThroughIngestButCannotDeleteVisitsOrReadAudit()
    {
        var admin = await cluster.CreateDatabaseAsync();
        var secrets = Directory.CreateTempSubdirectory("coppice-roles-test").FullName;
        var spool = Directory.CreateTempSubdirectory("coppice-roles-spool").FullName;
        try
        {
            var prefix = $"t{Environment.ProcessId}_{Guid.NewGuid():N}"[..20];
            var connections = await DatabaseRoles.EnsureLoginRolesAsync(admin, secrets, prefix);
            foreach (var file in new[] { "ingest.password", "reporting.password" })
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(secrets, file)));
            }

            // A second run (the next service start) reuses the stored passwords.
            var again = await DatabaseRoles.EnsureLoginRolesAsync(admin, secrets, prefix);
            Assert.Equal(connections.Ingest, again.Ingest);
            Assert.Equal(admin, connections.Admin);
            Assert.Equal($"{prefix}_ingest_login", new NpgsqlConnectionStringBuilder(connections.Ingest).Username);

            // The whole ingest path works with the ingest login: COPY of observations, visits and leases, batch ids.
            var configuration = new Microsoft.Extensions.Configuration.ConfigurationBuilder().AddInMemoryCollection(
                new Dictionary<string, string?>
                {
                    ["ConnectionStrings:Coppice"] = admin,
                    ["ConnectionStrings:CoppiceIngest"] = connections.Ingest,
                    ["ConnectionStrings:CoppiceReporting"] = connections.Reporting,
                    ["Ingest:SpoolDirectory"] = spool,
                    ["Ingest:MaxBatchDelayMilliseconds"] = "20",
                }).Build();
            var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection()
                .AddCoppiceStorage(configuration, "Host=unused;Username=unused");
            await using var provider = Microsoft.Extensions.DependencyInjection.ServiceCollectionContainerBuilderExtensions.BuildServiceProvider(services);
            var sources = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<CoppiceDataSources>(provider);
            Assert.Equal(connections.Ingest, sources.ConnectionStrings.Ingest);
            Assert.Equal(admin, sources.ConnectionStrings.Admin);
            var ingest = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<CoppiceMonitor.Storage.Ingest.IngestService>(provider);
            await ingest.StartAsync(CancellationToken.None);
            var now = DateTime.UtcNow;
            Assert.True(ingest.TryWrite(TestData.Observation(1, now)));
            await ingest.WriteAsync(TestData.Visit(1, now));
            await ingest.WriteAsync(new CoppiceMonitor.Storage.Ingest.DhcpLeaseRecord("s1", new CoppiceMonitor.Capture.MacAddress(0x02_00_00_00_00_07),
                System.Net.IPAddress.Parse("10.10.0.7"), "laptop-7", now, now.AddHours(8)));
            Assert.True(await ingest.WaitUntilDrainedAsync(TimeSpan.FromSeconds(30)));
            var counters = ingest.Counters;
            await ingest.StopAsync(CancellationToken.None);
            Assert.Equal(0, counters.BatchesSpooled + counters.BatchesRejected);
            Assert.Equal(3, await TestData.ScalarAsync(admin,
                "SELECT (SELECT count(*) FROM observations) + (SELECT count(*) FROM visits) + (SELECT count(*) FROM dhcp_leases)"));

            var delete = await Assert.ThrowsAsync<PostgresException>(() => TestData.ExecuteAsync(connections.Ingest, "DELETE FROM visits"));
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, delete.SqlState);
            var audit = await Assert.ThrowsAsync<PostgresException>(() => TestData.ScalarAsync(connections.Ingest, "SELECT count(*) FROM audit_events"));
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, audit.SqlState);
            // Reporting reads the visit as a daily total only, and deletes nothing.
            Assert.Equal(1, await TestData.ScalarAsync(connections.Reporting,
                "SELECT count(*) FROM report_staff_usage('s1', 'Europe/London', current_date - 2, current_date + 2, ARRAY['SocialMedia'], NULL)"));
            var reportingDelete = await Assert.ThrowsAsync<PostgresException>(() => TestData.ExecuteAsync(connections.Reporting, "DELETE FROM visits"));
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, reportingDelete.SqlState);
            Assert.Equal(1, await TestData.ScalarAsync(admin, "SELECT count(*) FROM visits"));
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            Directory.Delete(secrets, recursive: true);
            Directory.Delete(spool, recursive: true);
        }
    }

    [Fact]
    public void FromConfiguration_PartsMissing_FallBackToCoppiceThenToTheGivenString()
    {
        var configuration = new Microsoft.Extensions.Configuration.ConfigurationBuilder().AddInMemoryCollection(
            new Dictionary<string, string?> { ["ConnectionStrings:CoppiceIngest"] = "Host=a;Username=ingest;Password=secret" }).Build();
        var connections = CoppiceConnectionStrings.FromConfiguration(configuration, "Host=b;Username=owner;Password=secret");
        Assert.Equal("Host=a;Username=ingest;Password=secret", connections.Ingest);
        Assert.Equal("Host=b;Username=owner;Password=secret", connections.Reporting);
        Assert.Equal("Host=b;Username=owner;Password=secret", connections.Admin);
        Assert.DoesNotContain("secret", connections.ToString(), StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => CoppiceConnectionStrings.FromConfiguration(
            new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build()));
    }
}
