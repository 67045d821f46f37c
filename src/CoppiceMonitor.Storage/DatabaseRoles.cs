using Npgsql;

namespace CoppiceMonitor.Storage;

/// <summary>The least-privilege roles of deploy/postgres/roles.sql (embedded so the service can apply it).</summary>
public static class DatabaseRoles
{
    public const string Ingest = "coppice_ingest";
    public const string Reporting = "coppice_reporting";
    public const string Admin = "coppice_admin";

    public static string Script
    {
        get
        {
            using var stream = typeof(DatabaseRoles).Assembly.GetManifestResourceStream("CoppiceMonitor.Storage.roles.sql")
                ?? throw new InvalidOperationException("roles.sql is not embedded");
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }
    }

    /// <summary>Creates the group roles and grants on the database (run as a superuser or the owner, after migrating).</summary>
    public static async Task ApplyAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(Script, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
