using CoppiceMonitor.Testing;
using Npgsql;

namespace CoppiceMonitor.Storage.Tests;

public sealed class DatabaseRolesTests(PostgresCluster cluster) : IClassFixture<PostgresCluster>
{
    private static async Task<string> LoginAsAsync(string cs, string group)
    {
        var login = $"t_{group}_{Environment.ProcessId}_{Guid.NewGuid():N}"[..40];
        await TestData.ExecuteAsync(cs, $"CREATE ROLE {login} LOGIN PASSWORD 'pw' IN ROLE {group}");
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

        Assert.Equal(0, await TestData.ScalarAsync(reporting, "SELECT count(*) FROM visits"));
        await TestData.ExecuteAsync(reporting,
            "INSERT INTO report_runs (run_key, school_id, kind, period_start, period_end, status, created_utc) VALUES ('k', 's', 'weekly', '2026-11-16', '2026-11-20', 'sent', now())");
        var delete = await Assert.ThrowsAsync<PostgresException>(() => TestData.ExecuteAsync(reporting, "DELETE FROM visits"));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, delete.SqlState);
        var held = await Assert.ThrowsAsync<PostgresException>(() => TestData.ScalarAsync(reporting, "SELECT count(*) FROM held_visits"));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, held.SqlState);
    }
}
