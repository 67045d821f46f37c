using Microsoft.EntityFrameworkCore;

namespace CoppiceMonitor.Storage;

/// <summary>Applies the schema migrations (`coppice-monitor db migrate`, service start, test template).</summary>
public static class DatabaseMigrator
{
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
