using System.CommandLine;

namespace CoppiceMonitor.Service.Verbs;

/// <summary>`db migrate`: create or upgrade the schema.</summary>
public static class DatabaseVerbs
{
    public static Command Create()
    {
        var migrate = new Command("migrate", "Create or upgrade the database schema (embedded server unless ConnectionStrings:Coppice is set).");
        migrate.SetAction((parse, ct) => Pending.Run("db migrate", "storage"));
        return new Command("db", "Database administration.") { migrate };
    }
}
