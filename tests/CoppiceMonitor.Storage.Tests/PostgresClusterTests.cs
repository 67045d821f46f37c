using CoppiceMonitor.Testing;
using Npgsql;

namespace CoppiceMonitor.Storage.Tests;

public sealed class PostgresClusterTests(PostgresCluster cluster) : IClassFixture<PostgresCluster>
{
    [Fact]
    public async Task CreateDatabaseAsync_FreshDatabase_IsARealMigratedServer()
    {
        var cs = await cluster.CreateDatabaseAsync();
        await using var connection = new NpgsqlConnection(cs);
        await connection.OpenAsync();
        await using var version = new NpgsqlCommand("SELECT version()", connection);
        Assert.StartsWith("PostgreSQL", (string?)await version.ExecuteScalarAsync(), StringComparison.Ordinal);

        // The investigations table rejects a row without a reason: a constraint only a real server enforces.
        await using var bad = new NpgsqlCommand(
            "INSERT INTO investigations (school_id, staff_id, from_utc, to_utc, reason, opened_by, opened_by_role, opened_utc) " +
            "VALUES ('s', 'p', now(), now() + interval '1 day', '  ', 'hr', 'HR', now())", connection);
        var error = await Assert.ThrowsAsync<PostgresException>(() => bad.ExecuteNonQueryAsync());
        Assert.Equal(PostgresErrorCodes.CheckViolation, error.SqlState);
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void StartAsync_Server_PasswordFileIsOwnerOnlyAndFoldersAre0700()
    {
        var server = cluster.Server;
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(server.PasswordFile));
        const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(server.RootDirectory));
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(server.DataDirectory));
    }

    [Fact]
    public async Task CreateDatabaseAsync_TwoDatabases_AreIsolated()
    {
        var first = await cluster.CreateDatabaseAsync();
        var second = await cluster.CreateDatabaseAsync();
        Assert.NotEqual(first, second);
        await using (var a = new NpgsqlConnection(first))
        {
            await a.OpenAsync();
            await using var insert = new NpgsqlCommand("INSERT INTO schools (school_id, name) VALUES ('x', 'X')", a);
            await insert.ExecuteNonQueryAsync();
        }

        await using var b = new NpgsqlConnection(second);
        await b.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM schools", b);
        Assert.Equal(0L, (long)(await count.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task RemoveStaleDirectories_DeadOwner_RemovesFolder()
    {
        var parent = Directory.CreateTempSubdirectory("coppice-stale-test").FullName;
        try
        {
            var stale = Directory.CreateDirectory(Path.Combine(parent, LocalPostgresServer.TempPrefix + "dead")).FullName;
            var live = Directory.CreateDirectory(Path.Combine(parent, LocalPostgresServer.TempPrefix + "live")).FullName;
            // A pid that cannot be running: above the kernel's pid_max.
            await File.WriteAllTextAsync(Path.Combine(stale, "owner.pid"), "99999999");
            await File.WriteAllTextAsync(Path.Combine(live, "owner.pid"), Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));

            var removed = LocalPostgresServer.RemoveStaleDirectories(parent);

            Assert.Equal(1, removed);
            Assert.False(Directory.Exists(stale));
            Assert.True(Directory.Exists(live));
        }
        finally
        {
            Directory.Delete(parent, recursive: true);
        }
    }
}
