using System.Text.RegularExpressions;
using Npgsql;

namespace CoppiceMonitor.Storage;

/// <summary>The least-privilege roles of deploy/postgres/roles.sql (embedded so the service can apply it).</summary>
public static partial class DatabaseRoles
{
    public const string Ingest = "coppice_ingest";
    public const string Reporting = "coppice_reporting";
    public const string Admin = "coppice_admin";

    /// <summary>The NOLOGIN role owning the audit log and its functions (no login is a member).</summary>
    public const string AuditOwner = Migrations.AuditChain.AuditOwnerRole;

    /// <summary>
    /// Binds a login to a school (row-level security: an ingest or reporting login sees only its mapped schools;
    /// "*" = every school). Run as admin or the owner; the login itself cannot change the mapping.
    /// </summary>
    public static async Task MapLoginToSchoolAsync(string adminConnectionString, string login, string schoolId,
        CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(adminConnectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            "INSERT INTO login_schools (login, school_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", connection);
        command.Parameters.AddWithValue(login);
        command.Parameters.AddWithValue(schoolId);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

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

    /// <summary>
    /// For a server we own (the embedded one): applies the roles and grants to the database, then makes sure two
    /// LOGIN roles exist, <c>{prefix}_ingest_login</c> in <see cref="Ingest"/> and <c>{prefix}_reporting_login</c> in
    /// <see cref="Reporting"/>, with generated passwords kept in <paramref name="secretsDirectory"/> (files
    /// <c>ingest.password</c> and <c>reporting.password</c>, mode 0600; reused on later runs). Admin work keeps
    /// <paramref name="adminConnectionString"/> (the owner: dropping day partitions needs ownership).
    /// Run after every migration, so new tables get their grants.
    /// </summary>
    public static async Task<CoppiceConnectionStrings> EnsureLoginRolesAsync(string adminConnectionString, string secretsDirectory,
        string loginPrefix = "coppice", CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(adminConnectionString);
        ArgumentException.ThrowIfNullOrEmpty(secretsDirectory);
        if (!PlainIdentifier().IsMatch(loginPrefix))
        {
            throw new ArgumentException("login prefix must be a plain lower-case identifier", nameof(loginPrefix));
        }

        await ApplyAsync(adminConnectionString, cancellationToken).ConfigureAwait(false);
        var ingest = await EnsureLoginAsync(adminConnectionString, secretsDirectory, $"{loginPrefix}_ingest_login", Ingest,
            "ingest.password", cancellationToken).ConfigureAwait(false);
        var reporting = await EnsureLoginAsync(adminConnectionString, secretsDirectory, $"{loginPrefix}_reporting_login", Reporting,
            "reporting.password", cancellationToken).ConfigureAwait(false);
        return new CoppiceConnectionStrings(ingest, reporting, adminConnectionString);
    }

    private static async Task<string> EnsureLoginAsync(string adminConnectionString, string secretsDirectory, string login,
        string group, string fileName, CancellationToken cancellationToken)
    {
        var file = Path.Combine(secretsDirectory, fileName);
        var password = await LocalPostgresServer.ReadOrCreateSecretAsync(file, cancellationToken).ConfigureAwait(false);

        if (!GeneratedPassword().IsMatch(password))
        {
            throw new InvalidOperationException($"{file} does not hold a generated password");
        }

        // DDL takes no parameters; the login name and the password were checked to be plain text above.
        await using var connection = new NpgsqlConnection(adminConnectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"""
            DO $$
            BEGIN
                IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{login}') THEN
                    CREATE ROLE {login} LOGIN PASSWORD '{password}';
                ELSE
                    ALTER ROLE {login} LOGIN PASSWORD '{password}';
                END IF;
            END
            $$;
            GRANT {group} TO {login};
            -- The embedded server serves this installation's schools only: its logins see every school on it.
            INSERT INTO login_schools (login, school_id) VALUES ('{login}', '*') ON CONFLICT DO NOTHING;
            """, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return new NpgsqlConnectionStringBuilder(adminConnectionString) { Username = login, Password = password }.ConnectionString;
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,40}$")]
    private static partial Regex PlainIdentifier();

    [GeneratedRegex("^[0-9A-F]{16,}$")]
    private static partial Regex GeneratedPassword();

    /// <summary>Creates the group roles and grants on the database (run as a superuser or the owner, after migrating).</summary>
    public static async Task ApplyAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(Script, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
