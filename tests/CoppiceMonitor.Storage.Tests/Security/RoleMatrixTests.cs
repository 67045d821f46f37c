using System.Text;
using CoppiceMonitor.Testing;

namespace CoppiceMonitor.Storage.Tests.Security;

/// <summary>
/// Issue 13's acceptance: each statement of the issue (and the other ways round the rules) runs for real as a login
/// of each role and must be allowed or refused as listed; then every table, view and function of the schema is
/// checked for each role's privileges, and the whole matrix must equal docs/security/role-matrix.md (regenerate with
/// COPPICE_WRITE_ROLE_MATRIX=1 after an intended change, and review the diff).
/// </summary>
public sealed class RoleMatrixTests(PostgresCluster cluster) : IClassFixture<PostgresCluster>
{
    private const bool Allow = true;
    private const bool Deny = false;

    /// <summary>(what, SQL, ingest, reporting, admin). {inv} is the open investigation's id.</summary>
    private static readonly (string What, string Sql, bool Ingest, bool Reporting, bool Admin)[] Statements =
    [
        ("read visit-level detail", "SELECT staff_id, service, site_name, start_utc FROM visits", Deny, Deny, Allow),
        ("read observations", "SELECT name FROM observations", Deny, Deny, Allow),
        ("read held observations", "SELECT name FROM held_observations", Deny, Deny, Allow),
        ("forge an audit row directly", "INSERT INTO audit_events (occurred_utc, actor, action) VALUES (now(), 'x', 'investigation.close')", Deny, Deny, Deny),
        ("append an audit row through audit_append", "SELECT audit_append(now(), 'x', 'investigation.close', NULL, 's1', NULL, NULL, NULL, NULL)", Deny, Deny, Allow),
        ("read the audit", "SELECT * FROM audit_events", Deny, Deny, Allow),
        ("erase the audit with the old session setting", "SET LOCAL coppice.audit_purge_before = '9999-01-01'; DELETE FROM audit_events", Deny, Deny, Deny),
        ("update an audit row", "UPDATE audit_events SET actor = 'x'", Deny, Deny, Deny),
        ("truncate the audit", "TRUNCATE audit_events", Deny, Deny, Deny),
        ("disable the audit triggers", "ALTER TABLE audit_events DISABLE TRIGGER ALL", Deny, Deny, Deny),
        ("purge the audit up to now", "SELECT audit_purge('9999-01-01')", Deny, Deny, Deny),
        ("purge audit rows past a year", "SELECT audit_purge(now() - interval '6 years')", Deny, Deny, Allow),
        ("move the chain head", "UPDATE audit_chain_head SET head_id = 0", Deny, Deny, Deny),
        ("delete a Quartz lock row", "DELETE FROM qrtz_locks", Deny, Deny, Allow),
        ("delete a fired trigger (Quartz job completion)", "DELETE FROM qrtz_fired_triggers", Deny, Allow, Allow),
        ("lower an anonymous total", "UPDATE anonymous_usage SET active_seconds = 0", Deny, Deny, Allow),
        ("add to an anonymous total", "SELECT anonymous_usage_add(ARRAY['s1'], ARRAY[current_date], ARRAY['YouTube'], ARRAY['Video'], ARRAY[2::smallint], ARRAY[60::bigint], ARRAY[1])", Allow, Deny, Allow),
        ("subtract through anonymous_usage_add", "SELECT anonymous_usage_add(ARRAY['s1'], ARRAY[current_date], ARRAY['YouTube'], ARRAY['Video'], ARRAY[2::smallint], ARRAY[-60::bigint], ARRAY[0])", Deny, Deny, Deny),
        ("read staff e-mails", "SELECT email FROM staff", Deny, Allow, Allow),
        ("read staff ids and devices (attribution)", "SELECT s.staff_id, d.mac FROM staff s JOIN devices d USING (school_id, staff_id)", Allow, Deny, Allow),
        ("read daily totals per person", "SELECT * FROM report_staff_usage('s1', 'Europe/London', current_date - 7, current_date, ARRAY['SocialMedia'], NULL)", Deny, Allow, Allow),
        ("read coverage totals", "SELECT * FROM report_coverage('s1', 'Europe/London', current_date - 7, current_date, 'Hidden', 'EncryptedDns')", Deny, Allow, Allow),
        ("read an investigation's visits as its HR lead", "SELECT * FROM investigation_visits({inv}, 'hr@s1.example', 'case review', NULL, now())", Deny, Deny, Allow),
        ("read an investigation's visits as a non-investigator", "SELECT * FROM investigation_visits({inv}, 'p1@s1.example', 'curious', NULL, now())", Deny, Deny, Deny),
        ("close an investigation as an unknown account", "SELECT investigation_close({inv}, 'nobody@example.com', 'done', now())", Deny, Deny, Deny),
        ("open an investigation on someone not in the registry", "SELECT investigation_open('s1', 'ghost', now() - interval '1 day', now(), 'r', 'hr@s1.example', now())", Deny, Deny, Deny),
        ("bind itself to every school", "INSERT INTO login_schools VALUES (session_user, '*')", Deny, Deny, Allow),
        ("learn which devices are held", "SELECT * FROM ingest_held_devices('s1')", Allow, Deny, Allow),
        ("write a report run", "INSERT INTO report_runs (run_key, school_id, kind, period_start, period_end, status, created_utc) VALUES ('x', 's1', 'weekly', current_date, current_date, 'sent', now())", Deny, Allow, Allow),
        ("write a report run for another school", "INSERT INTO report_runs (run_key, school_id, kind, period_start, period_end, status, created_utc) VALUES ('y', 's2', 'weekly', current_date, current_date, 'sent', now())", Deny, Deny, Allow),
        ("delete visits", "DELETE FROM visits", Deny, Deny, Allow),
    ];

    private static readonly string[] TablePrivileges = ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE"];

    [Fact]
    public async Task EveryRole_IssueStatements_AreAllowedOrRefusedAsDocumented()
    {
        var db = await SecurityTestDatabase.CreateAsync(cluster);
        var failures = new List<string>();
        var rows = new List<string>();
        foreach (var (what, template, ingest, reporting, admin) in Statements)
        {
            var sql = template.Replace("{inv}", db.InvestigationId.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
            var cells = new List<string>();
            foreach (var (role, expected) in new[] { ("coppice_ingest", ingest), ("coppice_reporting", reporting), ("coppice_admin", admin) })
            {
                var refusal = await SecurityTestDatabase.TryAsync(db.Logins[role], sql);
                if ((refusal is null) != expected)
                {
                    failures.Add($"{role}: {what}: expected {(expected ? "allowed" : "refused")}, got {refusal ?? "allowed"}");
                }

                cells.Add(refusal is null ? "allow" : "deny");
            }

            rows.Add($"| {what} | `{template.Replace("|", "\\|", StringComparison.Ordinal)}` | {string.Join(" | ", cells)} |");
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
        var inventory = await InventoryAsync(db);
        CompareWithDocs(rows, inventory);
    }

    /// <summary>Every table, view and function of the schema: which privileges each role's login holds.</summary>
    private static async Task<List<string>> InventoryAsync(SecurityTestDatabase db)
    {
        var lines = new List<string>();
        var logins = SecurityTestDatabase.Roles.Select(r => new Npgsql.NpgsqlConnectionStringBuilder(db.Logins[r]).Username!).ToArray();
        var cells = string.Join(", ", logins.Select((l, i) => $"""
            concat_ws(' ', {string.Join(", ", TablePrivileges.Select(p => $"CASE WHEN has_table_privilege('{l}', c.oid, '{p}') THEN '{p[0]}' END"))},
                CASE WHEN EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                                  AND NOT has_table_privilege('{l}', c.oid, 'SELECT') AND has_column_privilege('{l}', c.oid, a.attnum, 'SELECT'))
                     THEN 's(' || (SELECT string_agg(a.attname, ',' ORDER BY a.attnum) FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0
                                   AND NOT a.attisdropped AND has_column_privilege('{l}', c.oid, a.attnum, 'SELECT')) || ')' END) AS r{i}
            """));
        await using (var connection = new Npgsql.NpgsqlConnection(db.Owner))
        {
            await connection.OpenAsync();
            await using var command = new Npgsql.NpgsqlCommand($"""
                SELECT c.relname, CASE c.relkind WHEN 'v' THEN 'view' ELSE 'table' END, c.relrowsecurity, {cells}
                FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v') AND NOT c.relispartition
                ORDER BY c.relname
                """, connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var privileges = Enumerable.Range(3, logins.Length).Select(i => reader.GetString(i) is { Length: > 0 } p ? p : "-");
                lines.Add($"| {reader.GetString(1)} `{reader.GetString(0)}`{(reader.GetBoolean(2) ? " (RLS)" : "")} | {string.Join(" | ", privileges)} |");
            }
        }

        await using (var connection = new Npgsql.NpgsqlConnection(db.Owner))
        {
            await connection.OpenAsync();
            await using var command = new Npgsql.NpgsqlCommand($"""
                SELECT p.oid::regprocedure::text, p.prosecdef, pg_get_userbyid(p.proowner) = '{AuditOwner}',
                       {string.Join(", ", logins.Select(l => $"has_function_privilege('{l}', p.oid, 'EXECUTE')"))}
                FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace ORDER BY 1
                """, connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var notes = (reader.GetBoolean(1) ? " definer" : "") + (reader.GetBoolean(2) ? ", audit owner" : "");
                var privileges = Enumerable.Range(3, logins.Length).Select(i => reader.GetBoolean(i) ? "X" : "-");
                lines.Add($"| function `{reader.GetString(0)}`{notes} | {string.Join(" | ", privileges)} |");
            }
        }

        return lines;
    }

    private const string AuditOwner = DatabaseRoles.AuditOwner;

    private static void CompareWithDocs(List<string> statements, List<string> inventory)
    {
        var text = new StringBuilder();
        text.AppendLine("# Role matrix (generated by RoleMatrixTests; do not edit by hand)");
        text.AppendLine();
        text.AppendLine("Each statement ran as a login of each role (ingest and reporting logins bound to school s1 in `login_schools`;");
        text.AppendLine("admin is a member of `coppice_admin`, not the owner), in a transaction rolled back afterwards. `deny` is a");
        text.AppendLine("refusal by privilege, row-level security, a trigger or a function's own check. Regenerate with");
        text.AppendLine("`COPPICE_WRITE_ROLE_MATRIX=1 dotnet test tests/CoppiceMonitor.Storage.Tests --filter RoleMatrix` and review the diff.");
        text.AppendLine();
        text.AppendLine("## Statements");
        text.AppendLine();
        text.AppendLine("| What | Statement | coppice_ingest | coppice_reporting | coppice_admin |");
        text.AppendLine("|---|---|---|---|---|");
        statements.ForEach(l => text.AppendLine(l));
        text.AppendLine();
        text.AppendLine("## Every table, view and function");
        text.AppendLine();
        text.AppendLine("Table privileges: S select, I insert, U update, D delete, T truncate; `s(cols)` = SELECT on those columns only;");
        text.AppendLine("(RLS) = row-level security by school. Functions: X = may execute; `definer` = SECURITY DEFINER.");
        text.AppendLine("Day partitions inherit their parent's grants and are not listed. `audit_events`, `audit_chain_head`, `audit_purged`");
        text.AppendLine($"and the audit functions belong to `{AuditOwner}` (NOLOGIN).");
        text.AppendLine();
        text.AppendLine("| Object | coppice_ingest | coppice_reporting | coppice_admin |");
        text.AppendLine("|---|---|---|---|");
        inventory.ForEach(l => text.AppendLine(l));
        var generated = text.ToString().ReplaceLineEndings("\n");

        var path = Path.Combine(RepositoryRoot(), "docs", "security", "role-matrix.md");
        if (Environment.GetEnvironmentVariable("COPPICE_WRITE_ROLE_MATRIX") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, generated);
        }

        Assert.True(File.Exists(path), $"{path} is missing: run the test with COPPICE_WRITE_ROLE_MATRIX=1");
        Assert.Equal(File.ReadAllText(path).ReplaceLineEndings("\n"), generated);
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "CoppiceMonitor.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("CoppiceMonitor.sln not found above the test binaries");
    }
}
