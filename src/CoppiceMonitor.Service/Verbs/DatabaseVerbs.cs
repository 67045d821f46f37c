using System.CommandLine;
using CoppiceMonitor.Service.Cli;
using CoppiceMonitor.Service.Database;
using CoppiceMonitor.Service.Hosting;
using CoppiceMonitor.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace CoppiceMonitor.Service.Verbs;

/// <summary>`db migrate`: create or upgrade the schema.</summary>
public static class DatabaseVerbs
{
    public static Command Create()
    {
        var migrate = new Command("migrate", "Create or upgrade the database schema (embedded server unless ConnectionStrings:Coppice is set).");
        migrate.SetAction((parse, ct) => VerbRunner.RunAsync(parse, HostKind.Command, b => b.Services.AddCoppiceDatabase(b.Configuration), async (services, token) =>
        {
            var database = services.GetRequiredService<CoppiceDatabase>();
            var connectionString = await database.GetConnectionStringAsync(token).ConfigureAwait(false);
            var pending = await DatabaseMigrator.GetPendingMigrationsAsync(connectionString, token).ConfigureAwait(false);
            await DatabaseMigrator.MigrateAsync(connectionString, token).ConfigureAwait(false);
            var output = parse.InvocationConfiguration.Output;
            output.WriteLine(pending.Count == 0
                ? "db migrate: schema is up to date"
                : $"db migrate: applied {pending.Count} migration(s): {string.Join(", ", pending)}");
            output.WriteLine(database.IsEmbedded ? $"  database: embedded PostgreSQL in {database.EmbeddedFolder}" : "  database: ConnectionStrings:Coppice");
            return ExitCodes.Success;
        }, ct));
        return new Command("db", "Database administration.") { migrate };
    }
}
