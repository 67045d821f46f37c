using CoppiceMonitor.Testing;
using Npgsql;

namespace CoppiceMonitor.Storage.Tests.Security;

/// <summary>
/// A migrated database with roles applied and two schools (s1, s2), each with staff (a subject, an HR lead, a
/// headteacher), a device, visits, anonymous totals and a report run, plus an open investigation on s1/p1; and one
/// login per role: ingest and reporting logins bound to one school each, an admin login (not the owner).
/// </summary>
internal sealed record SecurityTestDatabase(string Owner, IReadOnlyDictionary<string, string> Logins, long InvestigationId)
{
    public const string HrLead = "hr@s1.example";
    public const string Head = "head@s1.example";

    /// <summary>Role (column of the matrix) to login connection string; ingest/reporting of school s1.</summary>
    public static readonly string[] Roles = ["coppice_ingest", "coppice_reporting", "coppice_admin"];

    public static async Task<SecurityTestDatabase> CreateAsync(PostgresCluster cluster)
    {
        var owner = await cluster.CreateDatabaseAsync("sec");
        await DatabaseRoles.ApplyAsync(owner);
        await TestData.ExecuteAsync(owner, """
            INSERT INTO schools (school_id, name) VALUES ('s1', 'School One'), ('s2', 'School Two');
            INSERT INTO staff (school_id, staff_id, display_name, email, line_manager_id, roles) VALUES
                ('s1', 'p1', 'Pat One', 'p1@s1.example', 'head', 0),
                ('s1', 'hr', 'Hana Rees', 'hr@s1.example', NULL, 2),
                ('s1', 'head', 'Helen Head', 'head@s1.example', NULL, 4),
                ('s2', 'q1', 'Quin Two', 'q1@s2.example', NULL, 0),
                ('s2', 'hr2', 'Hugo Two', 'hr@s2.example', NULL, 2);
            INSERT INTO devices (school_id, device_id, staff_id, mac, kind) VALUES
                ('s1', 'd-p1', 'p1', '02:00:00:00:00:01', 0), ('s2', 'd-q1', 'q1', '02:00:00:00:00:02', 0);
            INSERT INTO visits (school_id, staff_id, device_id, service, category, start_utc, end_utc, active_seconds, directed_seconds,
                break_seconds, non_directed_seconds, outside_hours_seconds, is_work_use, site_name, evidence_count, batch_id)
            SELECT s, p, 'd-' || p, 'Facebook', 'SocialMedia', now() - interval '1 day', now() - interval '1 day' + interval '5 minutes',
                   300, 300, 0, 0, 0, false, 'facebook.com', 3, gen_random_uuid()
            FROM (VALUES ('s1', 'p1'), ('s2', 'q1')) AS t(s, p);
            INSERT INTO anonymous_usage VALUES ('s1', current_date, 'YouTube', 'Video', 2, 600, 3), ('s2', current_date, 'YouTube', 'Video', 2, 900, 4);
            INSERT INTO report_runs (run_key, school_id, kind, period_start, period_end, status, created_utc) VALUES
                ('k1', 's1', 'weekly', current_date, current_date, 'sent', now()), ('k2', 's2', 'weekly', current_date, current_date, 'sent', now());
            INSERT INTO qrtz_locks (sched_name, lock_name) VALUES ('test', 'TRIGGER_ACCESS');
            """);
        var investigation = await TestData.ScalarAsync(owner,
            $"SELECT investigation_open('s1', 'p1', now() - interval '7 days', now() + interval '1 day', 'grievance', '{HrLead}', now())");
        var logins = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var role in Roles)
        {
            logins[role] = await LoginAsync(owner, role, role == "coppice_admin" ? null : "s1");
        }

        logins["coppice_ingest@s2"] = await LoginAsync(owner, "coppice_ingest", "s2");
        logins["coppice_reporting@s2"] = await LoginAsync(owner, "coppice_reporting", "s2");
        return new SecurityTestDatabase(owner, logins, investigation);
    }

    /// <summary>A new LOGIN role in <paramref name="group"/>, bound to <paramref name="school"/> in login_schools.</summary>
    public static async Task<string> LoginAsync(string owner, string group, string? school)
    {
        var login = $"t_{group.Replace("coppice_", "", StringComparison.Ordinal)}_{Guid.NewGuid():N}"[..30];
        await TestData.ExecuteAsync(owner, $"CREATE ROLE {login} LOGIN PASSWORD 'pw' IN ROLE {group}");
        if (school is not null)
        {
            await DatabaseRoles.MapLoginToSchoolAsync(owner, login, school);
        }

        return new NpgsqlConnectionStringBuilder(owner) { Username = login, Password = "pw", Pooling = false }.ConnectionString;
    }

    /// <summary>
    /// Runs <paramref name="sql"/> in a transaction that is rolled back (so one statement never changes what the next
    /// sees): null when allowed, else the SQLSTATE and message of the refusal.
    /// </summary>
    public static async Task<string?> TryAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        try
        {
            await using var command = new NpgsqlCommand(sql, connection, transaction);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
            }

            return null;
        }
        catch (PostgresException e)
        {
            return $"{e.SqlState}: {e.MessageText}";
        }
        finally
        {
            if (transaction.Connection is not null)
            {
                await transaction.RollbackAsync();
            }
        }
    }
}
