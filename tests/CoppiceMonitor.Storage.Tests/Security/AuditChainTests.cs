using CoppiceMonitor.Storage.Retention;
using CoppiceMonitor.Testing;
using Npgsql;

namespace CoppiceMonitor.Storage.Tests.Security;

/// <summary>The audit hash chain: intact after appends and purges; an edit, a removed row or a cut tail is named.</summary>
public sealed class AuditChainTests(PostgresCluster cluster) : IClassFixture<PostgresCluster>
{
    private static async Task<(SecurityTestDatabase Db, long[] Ids)> ArrangeAsync(PostgresCluster cluster)
    {
        var db = await SecurityTestDatabase.CreateAsync(cluster);
        // Appends as the admin login (not the owner), as the service does.
        await using var admin = NpgsqlDataSource.Create(db.Logins["coppice_admin"]);
        var log = new AuditLog(admin, TimeProvider.System);
        var ids = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await log.WriteAsync(new AuditEntry("ict@s1.example", "test.event", $"reason {i}", "s1", RowCount: i,
                Counts: new Dictionary<string, long> { ["rows"] = i })));
        }

        return (db, [.. ids]);
    }

    private static async Task<AuditChainReport> VerifyAsync(string connectionString)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        return await new AuditChainVerifier(dataSource).VerifyAsync();
    }

    [Fact]
    public async Task Verify_AfterAppends_IsIntactAndRecordsTheLogin()
    {
        var (db, ids) = await ArrangeAsync(cluster);

        var report = await VerifyAsync(db.Logins["coppice_admin"]);

        Assert.True(report.IsIntact, report.Problem);
        Assert.Equal(ids.Length + 1, report.RowsChecked); // + the investigation.open of the setup
        var login = new NpgsqlConnectionStringBuilder(db.Logins["coppice_admin"]).Username;
        Assert.Equal(ids.Length, await TestData.ScalarAsync(db.Owner, $"SELECT count(*) FROM audit_events WHERE db_role = '{login}'"));
    }

    [Fact]
    public async Task Verify_RowEditedByTheOwnersLogin_NamesThatRow()
    {
        var (db, ids) = await ArrangeAsync(cluster);
        // The owner's login cannot change a row: the trigger refuses even the superuser...
        var refused = await SecurityTestDatabase.TryAsync(db.Owner, $"UPDATE audit_events SET reason = 'nothing to see' WHERE id = {ids[2]}");
        Assert.NotNull(refused);
        // ...until it switches triggers off, which a superuser can. The chain then shows it.
        await TestData.ExecuteAsync(db.Owner,
            $"SET session_replication_role = replica; UPDATE audit_events SET reason = 'nothing to see' WHERE id = {ids[2]}");

        var report = await VerifyAsync(db.Logins["coppice_admin"]);

        Assert.False(report.IsIntact);
        Assert.Equal(ids[2], report.FirstBadId);
        Assert.Contains("changed", report.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_RowDeletedOutsideThePurge_NamesTheRowAfterTheGap()
    {
        var (db, ids) = await ArrangeAsync(cluster);
        await TestData.ExecuteAsync(db.Owner, $"SET session_replication_role = replica; DELETE FROM audit_events WHERE id = {ids[1]}");

        var report = await VerifyAsync(db.Owner);

        Assert.Equal(ids[2], report.FirstBadId);
        Assert.Contains("removed", report.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_NewestRowsCutOff_SaysTheTailIsMissing()
    {
        var (db, ids) = await ArrangeAsync(cluster);
        await TestData.ExecuteAsync(db.Owner, $"SET session_replication_role = replica; DELETE FROM audit_events WHERE id >= {ids[3]}");

        var report = await VerifyAsync(db.Owner);

        Assert.Equal(ids[4], report.FirstBadId);
        Assert.Contains("missing", report.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_AfterTheRetentionPurgeRemovedOldRowsMidChain_IsIntact()
    {
        var (db, ids) = await ArrangeAsync(cluster);
        await using var admin = NpgsqlDataSource.Create(db.Logins["coppice_admin"]);
        var old = new AuditLog(admin, new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow.AddYears(-7)));
        await old.WriteAsync(new AuditEntry("ict@s1.example", "old.event"));
        await new AuditLog(admin, TimeProvider.System).WriteAsync(new AuditEntry("ict@s1.example", "after.old"));

        Assert.Equal(1, await TestData.ScalarAsync(db.Logins["coppice_admin"], "SELECT audit_purge(now() - interval '6 years')"));
        var report = await VerifyAsync(db.Logins["coppice_admin"]);

        Assert.True(report.IsIntact, report.Problem);
        Assert.Equal(1, report.PurgedRowsSpanned);
        Assert.Equal(ids.Length + 2, report.RowsChecked);
    }
}
