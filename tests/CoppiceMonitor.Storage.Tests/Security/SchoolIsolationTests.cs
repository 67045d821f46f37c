using CoppiceMonitor.Testing;

namespace CoppiceMonitor.Storage.Tests.Security;

/// <summary>Two schools on one server: each school's sensor and report logins see none of the other's rows.</summary>
public sealed class SchoolIsolationTests(PostgresCluster cluster) : IClassFixture<PostgresCluster>
{
    [Fact]
    public async Task TwoSchools_EachLoginSeesOnlyItsOwnSchool()
    {
        var db = await SecurityTestDatabase.CreateAsync(cluster);
        foreach (var (school, other) in new[] { ("s1", "s2"), ("s2", "s1") })
        {
            var ingest = db.Logins[school == "s1" ? "coppice_ingest" : "coppice_ingest@s2"];
            var reporting = db.Logins[school == "s1" ? "coppice_reporting" : "coppice_reporting@s2"];

            // Rows exist for both schools (the owner sees 2 of each); each login sees its own school's only.
            Assert.Equal(2, await TestData.ScalarAsync(db.Owner, "SELECT count(DISTINCT school_id) FROM staff"));
            Assert.Equal(0, await TestData.ScalarAsync(ingest, $"SELECT count(*) FROM staff WHERE school_id <> '{school}'"));
            Assert.True(await TestData.ScalarAsync(ingest, $"SELECT count(*) FROM staff WHERE school_id = '{school}'") > 0);
            Assert.Equal(0, await TestData.ScalarAsync(ingest, $"SELECT count(*) FROM devices WHERE school_id = '{other}'"));
            Assert.Equal(1, await TestData.ScalarAsync(ingest, "SELECT count(*) FROM schools"));
            foreach (var table in new[] { "staff", "anonymous_usage", "report_runs", "schools" })
            {
                Assert.Equal(0, await TestData.ScalarAsync(reporting, $"SELECT count(*) FROM {table} WHERE school_id = '{other}'"));
                Assert.True(await TestData.ScalarAsync(reporting, $"SELECT count(*) FROM {table} WHERE school_id = '{school}'") > 0, table);
            }

            // The aggregate and ingest functions refuse the other school outright.
            Assert.Equal(1, await TestData.ScalarAsync(reporting,
                $"SELECT count(*) FROM report_staff_usage('{school}', 'Europe/London', current_date - 7, current_date, ARRAY['SocialMedia'], NULL)"));
            Assert.NotNull(await SecurityTestDatabase.TryAsync(reporting,
                $"SELECT * FROM report_staff_usage('{other}', 'Europe/London', current_date - 7, current_date, ARRAY['SocialMedia'], NULL)"));
            Assert.NotNull(await SecurityTestDatabase.TryAsync(reporting,
                $"SELECT * FROM report_coverage('{other}', 'Europe/London', current_date - 7, current_date, 'Hidden', 'EncryptedDns')"));
            Assert.NotNull(await SecurityTestDatabase.TryAsync(ingest,
                $"SELECT anonymous_usage_add(ARRAY['{other}'], ARRAY[current_date], ARRAY['YouTube'], ARRAY['Video'], ARRAY[2::smallint], ARRAY[60::bigint], ARRAY[1])"));
            Assert.NotNull(await SecurityTestDatabase.TryAsync(ingest, $"SELECT * FROM ingest_held_devices('{other}')"));
            // Nor can a login rebind itself, or write a row the other school would then see.
            Assert.NotNull(await SecurityTestDatabase.TryAsync(reporting, $"INSERT INTO login_schools VALUES (session_user, '{other}')"));
            Assert.NotNull(await SecurityTestDatabase.TryAsync(reporting,
                $"UPDATE report_runs SET school_id = '{other}' WHERE school_id = '{school}'"));
        }

        // An unmapped ingest login sees no school at all.
        var unmapped = await SecurityTestDatabase.LoginAsync(db.Owner, "coppice_ingest", null);
        Assert.Equal(0, await TestData.ScalarAsync(unmapped, "SELECT count(*) FROM staff"));
    }
}
