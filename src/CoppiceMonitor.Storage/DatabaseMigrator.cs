using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace CoppiceMonitor.Storage;

/// <summary>Applies the schema migrations (`coppice-monitor db migrate`, service start, test template).</summary>
public static class DatabaseMigrator
{
    /// <summary>
    /// Creates database <paramref name="name"/> on the server of <paramref name="serverConnectionString"/> (a
    /// superuser's) unless it exists; true when it was created. Returns the connection string to that database.
    /// </summary>
    public static async Task<(string ConnectionString, bool Created)> EnsureDatabaseAsync(string serverConnectionString, string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var created = false;
        await using (var connection = new NpgsqlConnection(serverConnectionString))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection);
            exists.Parameters.AddWithValue("name", name);
            if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is null)
            {
                // A name cannot be a parameter; quoting keeps it one identifier whatever it holds.
                await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", connection);
                await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                created = true;
            }
        }

        return (new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = name }.ConnectionString, created);
    }

    public static async Task MigrateAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        await using var db = CoppiceDbContext.Create(connectionString);
        await db.Database.MigrateAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Migrations not yet applied to the database (for `db status`).</summary>
    public static async Task<IReadOnlyList<string>> GetPendingMigrationsAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        await using var db = CoppiceDbContext.Create(connectionString);
        return [.. await db.Database.GetPendingMigrationsAsync(cancellationToken).ConfigureAwait(false)];
    }
}
