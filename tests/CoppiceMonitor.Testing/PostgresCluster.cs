using CoppiceMonitor.Storage;
using Npgsql;
using Xunit;

namespace CoppiceMonitor.Testing;

/// <summary>
/// xunit fixture (use as <c>IClassFixture&lt;PostgresCluster&gt;</c> or in a collection): one throwaway PostgreSQL
/// server per test process, shared by every fixture instance, with a template database migrated once.
/// <see cref="CreateDatabaseAsync"/> clones the template, so each test gets an isolated database with the schema
/// in milliseconds. The server stops and its folder is deleted when the test process exits; folders left by a
/// crashed run are removed when the next run starts.
/// </summary>
public sealed class PostgresCluster : IAsyncLifetime
{
    public const string TemplateDatabase = "coppice_template";

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static LocalPostgresServer? s_server;
    private static int s_databaseCounter;
    private LocalPostgresServer? _server;

    /// <summary>The shared server (started by <see cref="InitializeAsync"/>).</summary>
    public LocalPostgresServer Server => _server ?? throw new InvalidOperationException("PostgresCluster not initialised");

    /// <summary>Superuser connection to the maintenance database <c>postgres</c>.</summary>
    public string AdminConnectionString => Server.GetConnectionString("postgres");

    public async Task InitializeAsync() => _server = await EnsureServerAsync().ConfigureAwait(false);

    // The server outlives fixture instances on purpose (one per run); it is stopped at process exit.
    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>Creates a fresh database from the migrated template and returns its superuser connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string? prefix = null, CancellationToken cancellationToken = default)
    {
        var server = _server ??= await EnsureServerAsync().ConfigureAwait(false);
        var name = $"{prefix ?? "t"}_{Environment.ProcessId}_{Interlocked.Increment(ref s_databaseCounter)}".ToLowerInvariant();
        await CreateFromTemplateAsync(server, name, cancellationToken).ConfigureAwait(false);
        return server.GetConnectionString(name);
    }

    /// <summary>
    /// A server of the caller's own (not shared), with a migrated database <c>coppice</c>: for tests that stop and
    /// start the server. Dispose it to stop it and delete its folder.
    /// </summary>
    public static async Task<(LocalPostgresServer Server, string ConnectionString)> StartDedicatedServerAsync(
        CancellationToken cancellationToken = default)
    {
        var server = await LocalPostgresServer.StartAsync(LocalPostgresServerOptions.ForTests(), cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        try
        {
            var cs = await CreateMigratedDatabaseAsync(server, "coppice", cancellationToken).ConfigureAwait(false);
            return (server, cs);
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Creates database <paramref name="name"/> on <paramref name="server"/> and applies the migrations.</summary>
    public static async Task<string> CreateMigratedDatabaseAsync(LocalPostgresServer server, string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(server);
        await ExecuteAsync(server.GetConnectionString("postgres"), $"CREATE DATABASE \"{name}\"", cancellationToken).ConfigureAwait(false);
        var cs = server.GetConnectionString(name);
        await DatabaseMigrator.MigrateAsync(cs, cancellationToken).ConfigureAwait(false);
        return cs;
    }

    private static async Task<LocalPostgresServer> EnsureServerAsync()
    {
        if (s_server is { } existing)
        {
            return existing;
        }

        await Gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (s_server is { } again)
            {
                return again;
            }

            var server = await LocalPostgresServer.StartAsync(LocalPostgresServerOptions.ForTests()).ConfigureAwait(false);
            try
            {
                var builder = new NpgsqlConnectionStringBuilder(await CreateMigratedDatabaseAsync(server, TemplateDatabase).ConfigureAwait(false));
                NpgsqlConnection.ClearPool(new NpgsqlConnection(builder.ConnectionString));
                // Nobody may stay connected to a template while it is being copied.
                await ExecuteAsync(server.GetConnectionString("postgres"),
                    $"ALTER DATABASE {TemplateDatabase} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false", default).ConfigureAwait(false);
            }
            catch
            {
                await server.DisposeAsync().ConfigureAwait(false);
                throw;
            }

            // Best effort only: the test host may be killed before this finishes; the server's reaper then cleans up.
            AppDomain.CurrentDomain.ProcessExit += (_, _) => server.DisposeAsync().AsTask().GetAwaiter().GetResult();
            s_server = server;
            return server;
        }
        finally
        {
            Gate.Release();
        }
    }

    private static async Task CreateFromTemplateAsync(LocalPostgresServer server, string name, CancellationToken cancellationToken)
    {
        // Concurrent copies of one template can collide on its lock; serialise them (each takes milliseconds).
        await Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await ExecuteAsync(server.GetConnectionString("postgres"),
                $"CREATE DATABASE \"{name}\" TEMPLATE {TemplateDatabase}", cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Gate.Release();
        }
    }

    private static async Task ExecuteAsync(string connectionString, string sql, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
