using System.Reflection;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace CoppiceMonitor.Storage.Migrations;

/// <summary>
/// Tables of Quartz.NET's ADO.NET job store for PostgreSQL, created from Quartz's own script: the restored Quartz
/// assembly embeds it (the one its SchemaProvisioning runs), so the schema always matches the Quartz version we
/// run, and the service's roles need no CREATE right at run time (the scheduler only validates).
/// </summary>
[DbContext(typeof(CoppiceDbContext))]
[Migration("20261125090100_QuartzJobStore")]
public sealed class QuartzJobStore : Migration
{
    /// <summary>The table prefix the scheduler is configured with (Scheduling:TablePrefix).</summary>
    public const string TablePrefix = "qrtz_";

    private const string ScriptResource = "Quartz.Impl.AdoJobStore.Schema.create_postgres.sql";

    /// <summary>The job store's tables, in the order the Down step drops them.</summary>
    private static readonly string[] Tables =
    [
        "fired_triggers", "paused_trigger_grps", "scheduler_state", "locks", "simple_triggers", "simprop_triggers",
        "cron_triggers", "blob_triggers", "triggers", "job_status", "paused_job_grps", "job_details", "calendars",
        "misfire_history", "execution_history",
    ];

    protected override void Up(MigrationBuilder migrationBuilder)
    {
        ArgumentNullException.ThrowIfNull(migrationBuilder);
        foreach (var statement in ReadScriptStatements())
        {
            migrationBuilder.Sql(statement);
        }
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        ArgumentNullException.ThrowIfNull(migrationBuilder);
        migrationBuilder.Sql("DROP TABLE IF EXISTS " + string.Join(", ", Tables.Select(t => TablePrefix + t)) + " CASCADE;");
    }

    /// <summary>
    /// The script's statements are separated by lines reading '--;;'; {0} is the table prefix and {1} the prefix
    /// used inside index names.
    /// </summary>
    internal static IEnumerable<string> ReadScriptStatements()
    {
        var assembly = typeof(Quartz.IScheduler).Assembly;
        using var stream = assembly.GetManifestResourceStream(ScriptResource)
            ?? throw new InvalidOperationException($"Quartz {assembly.GetName().Version} no longer embeds {ScriptResource}");
        using var reader = new StreamReader(stream);
        var script = reader.ReadToEnd().Replace("{0}", TablePrefix, StringComparison.Ordinal)
            .Replace("{1}", TablePrefix, StringComparison.Ordinal);
        var lines = script.ReplaceLineEndings("\n").Split('\n');
        var statements = new List<string>();
        var current = new List<string>();
        foreach (var line in lines.Append("--;;"))
        {
            // Only a line that is exactly '--;;' separates statements; the header mentions the marker in prose.
            if (line.Trim() == "--;;")
            {
                statements.Add(string.Join('\n', current));
                current.Clear();
            }
            else
            {
                current.Add(line);
            }
        }

        return statements
            .Where(s => s.Split('\n').Any(line => line.Trim().Length > 0 && !line.TrimStart().StartsWith("--", StringComparison.Ordinal)))
            .ToArray();
    }
}
