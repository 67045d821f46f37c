using System.Net;
using System.Text.RegularExpressions;
using CoppiceMonitor.Portal.Hosting;
using CoppiceMonitor.Storage.Retention;

namespace CoppiceMonitor.Portal.Tests;

/// <summary>The portal's flows against the real server: sign-in, second factor, reports scope, investigations and their audit.</summary>
[Collection(PortalGroup.Name)]
public sealed partial class PortalFlowTests(PortalServer server)
{
    [Fact]
    public async Task Health_needs_no_sign_in_and_shows_no_personal_data()
    {
        using var client = server.Client();
        var body = await client.GetPageAsync("/health");
        Assert.StartsWith("ok", body, StringComparison.Ordinal);
        foreach (var person in PortalServer.People)
        {
            Assert.DoesNotContain(person.Email, body, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(person.Name, body, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void The_generated_trial_certificate_and_the_cookie_keys_are_private_to_the_service_user()
    {
        var certificate = Path.Combine(server.DataFolder, PortalCertificate.GeneratedFileName);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(certificate));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.Combine(server.DataFolder, "keys")));
        Assert.Throws<InvalidOperationException>(() => PortalApplication.ParseHttpsUrl("http://0.0.0.0:8080"));
        Assert.Equal(8443, PortalApplication.ParseHttpsUrl("https://+:8443").Port);
    }

    [Fact]
    public async Task Responses_carry_HSTS_a_script_free_CSP_and_secure_same_site_cookies()
    {
        using var client = server.Client();
        using var login = await client.GetAsync("/account/login");
        var csp = string.Join(";", login.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'none'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("script-src", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.Contains("max-age=", string.Join(";", login.Headers.GetValues("Strict-Transport-Security")), StringComparison.Ordinal);
        Assert.Equal("DENY", login.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("nosniff", login.Headers.GetValues("X-Content-Type-Options").Single());
        var html = await login.Content.ReadAsStringAsync();
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("http://", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("https://", html, StringComparison.OrdinalIgnoreCase);

        using var signIn = await client.PostFormAsync("/account/login", "/account/login",
            [new("email", "lm1@coppice.sch.uk"), new("password", PortalServer.Password)]);
        var cookies = signIn.Headers.GetValues("Set-Cookie").ToList();
        var session = Assert.Single(cookies, c => c.StartsWith("coppice-portal=", StringComparison.Ordinal));
        Assert.Contains("secure", session, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", session, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", session, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("expires=", session, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_form_posted_without_its_antiforgery_token_is_refused()
    {
        using var client = server.Client();
        Assert.Equal("/", await client.SignInAsync("hr@coppice.sch.uk"));
        var before = (await server.InvestigationsAsync()).Count;
        using var response = await client.PostFormAsync("/investigations", "/investigations",
            [new("staffId", "t2"), new("reason", "forged"), new("from", "2026-11-24"), new("to", "2026-11-24")], withToken: false);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(before, (await server.InvestigationsAsync()).Count);
    }

    [Fact]
    public async Task A_privileged_account_without_a_second_factor_must_set_one_up_before_anything_else()
    {
        using var client = server.Client();
        Assert.Equal("/", await client.SignInAsync("hr2@coppice.sch.uk"));
        using (var blocked = await client.GetAsync("/investigations"))
        {
            Assert.Equal(HttpStatusCode.Redirect, blocked.StatusCode);
            Assert.Equal("/account/two-factor", blocked.Headers.Location?.ToString());
        }

        var setup = await client.GetPageAsync("/account/two-factor");
        var key = SharedKey().Match(setup).Groups[1].Value.Replace(" ", "", StringComparison.Ordinal);
        Assert.NotEmpty(key);
        using (var wrong = await client.PostFormAsync("/account/two-factor", "/account/two-factor", [new("code", "000000")]))
        {
            Assert.Contains("not right", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var done = await client.PostFormAsync("/account/two-factor", "/account/two-factor", [new("code", Totp.Code(key, DateTimeOffset.UtcNow))]))
        {
            Assert.Contains("recovery codes", await done.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Contains("Open an investigation", await client.GetPageAsync("/investigations"), StringComparison.Ordinal);

        // From now on, a password alone is not enough.
        using var again = server.Client();
        using var passwordOnly = await again.PostFormAsync("/account/login", "/account/login",
            [new("email", "hr2@coppice.sch.uk"), new("password", PortalServer.Password), new("returnUrl", "/")]);
        Assert.StartsWith("/account/login-2fa", passwordOnly.Headers.Location?.ToString(), StringComparison.Ordinal);
        using var notYet = await again.GetAsync("/investigations");
        Assert.Equal(HttpStatusCode.Redirect, notYet.StatusCode);
    }

    [Fact]
    public async Task Wrong_passwords_lock_the_account_and_a_disabled_account_cannot_sign_in()
    {
        await using (var admin = AccountAdministration.Create(server.ConnectionString))
        {
            Assert.False((await admin.AddAsync(PortalServer.School, "nobody@coppice.sch.uk", PortalServer.Password)).Succeeded);
            Assert.False((await admin.AddAsync(PortalServer.School, "t2@coppice.sch.uk", "short")).Succeeded);
            Assert.Contains("already taken", (await admin.AddAsync(PortalServer.School, "t2@coppice.sch.uk", PortalServer.Password)).Message, StringComparison.Ordinal);
        }

        using var client = server.Client();
        for (var i = 0; i < 4; i++)
        {
            Assert.Contains("do not match", await client.SignInAsync("t2@coppice.sch.uk", "wrong password 123"), StringComparison.Ordinal);
        }

        // The fifth failure locks the account; then even the right password is refused.
        Assert.Contains("locked", await client.SignInAsync("t2@coppice.sch.uk", "wrong password 123"), StringComparison.Ordinal);
        Assert.Contains("locked", await client.SignInAsync("t2@coppice.sch.uk"), StringComparison.Ordinal);

        await using (var admin = AccountAdministration.Create(server.ConnectionString))
        {
            Assert.True((await admin.DisableAsync("t2@coppice.sch.uk")).Succeeded);
            var listed = (await admin.ListAsync()).Single(a => a.Email == "t2@coppice.sch.uk");
            Assert.True(listed.Disabled);
        }

        Assert.Contains("disabled", await client.SignInAsync("t2@coppice.sch.uk"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_line_manager_sees_only_their_own_teams_reports_and_the_headteacher_sees_all()
    {
        using var lm = server.Client();
        Assert.Equal("/", await lm.SignInAsync("lm1@coppice.sch.uk"));
        var list = await lm.GetPageAsync("/reports");
        Assert.Contains("Team summary for Liam Lane", list, StringComparison.Ordinal);
        Assert.DoesNotContain("Lara", list, StringComparison.Ordinal);
        Assert.DoesNotContain("School summary", list, StringComparison.Ordinal);
        Assert.Contains("Liam team report text", await lm.GetPageAsync($"/reports/{server.Lm1ReportId}"), StringComparison.Ordinal);
        using (var html = await lm.GetAsync($"/reports/{server.Lm1ReportId}/html"))
        {
            Assert.Contains("sandbox", string.Join(";", html.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);
            Assert.DoesNotContain("cid:", await html.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using var head = server.Client();
        Assert.Equal("/", await head.SignInAsync("head@coppice.sch.uk"));
        var all = await head.GetPageAsync("/reports");
        Assert.Contains("Liam Lane", all, StringComparison.Ordinal);
        Assert.Contains("Lara Lowe", all, StringComparison.Ordinal);
        Assert.Contains("School summary", all, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HR_opens_views_exports_annotates_and_closes_an_investigation_and_each_step_is_audited()
    {
        using var client = server.Client();
        Assert.Equal("/", await client.SignInAsync("hr@coppice.sch.uk"));
        using var opened = await client.PostFormAsync("/investigations", "/investigations",
            [new("staffId", "t1"), new("reason", "conduct review 7"), new("from", "2026-11-24"), new("to", "2026-11-24")]);
        Assert.Equal(HttpStatusCode.Redirect, opened.StatusCode);
        var path = opened.Headers.Location!.ToString();
        var id = long.Parse(path["/investigations/".Length..], System.Globalization.CultureInfo.InvariantCulture);
        var open = Assert.Single(await server.AuditAsync(AuditActions.InvestigationOpen), a => a.InvestigationId == id);
        Assert.Equal("hr@coppice.sch.uk", open.Actor);
        Assert.Equal(2, open.RowCount);

        var page = await client.GetPageAsync(path);
        Assert.Contains("facebook.com", page, StringComparison.Ordinal);
        Assert.Contains("www.facebook.com", page, StringComparison.Ordinal);
        // Special category (policy 10.3): category only, the observed name is withheld.
        Assert.Contains("withheld: health", page, StringComparison.Ordinal);
        Assert.DoesNotContain("sensitive-clinic", page, StringComparison.Ordinal);
        Assert.DoesNotContain("x.com", page, StringComparison.Ordinal);
        var read = Assert.Single(await server.AuditAsync(AuditActions.InvestigationRead), a => a.InvestigationId == id);
        Assert.Equal("hr@coppice.sch.uk", read.Actor);
        Assert.Equal("t1", read.SubjectStaffId);
        Assert.Contains("detail page", read.Reason, StringComparison.Ordinal);
        Assert.Equal(2, read.Details!.RootElement.GetProperty("visits").GetInt64());

        using (var csv = await client.GetAsync($"{path}/export/csv"))
        {
            Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
            var text = await csv.Content.ReadAsStringAsync();
            Assert.Contains("visit,", text, StringComparison.Ordinal);
            Assert.Contains("observation,", text, StringComparison.Ordinal);
            Assert.Contains("www.facebook.com", text, StringComparison.Ordinal);
            Assert.DoesNotContain("sensitive-clinic", text, StringComparison.Ordinal);
        }

        Assert.Contains("Confidential", await client.GetPageAsync($"{path}/print"), StringComparison.Ordinal);
        var exports = (await server.AuditAsync(AuditActions.InvestigationExport)).Where(a => a.InvestigationId == id).ToList();
        Assert.Equal(2, exports.Count);
        Assert.Contains(exports, e => e.Reason!.Contains("CSV", StringComparison.Ordinal));
        Assert.Contains(exports, e => e.Reason!.Contains("printable", StringComparison.Ordinal));

        using (var note = await client.PostFormAsync(path, $"{path}?handler=note", [new("note", "spoke to line manager")]))
        {
            Assert.Equal(HttpStatusCode.Redirect, note.StatusCode);
        }

        Assert.Contains("spoke to line manager", await client.GetPageAsync(path), StringComparison.Ordinal);
        Assert.Single(await server.AuditAsync(AuditActions.InvestigationNote), a => a.InvestigationId == id);

        using (var close = await client.PostFormAsync(path, $"{path}?handler=close", [new("closeReason", "no case to answer")]))
        {
            Assert.Equal(HttpStatusCode.Redirect, close.StatusCode);
        }

        Assert.Contains("closed", await client.GetPageAsync(path), StringComparison.Ordinal);
        Assert.Single(await server.AuditAsync(AuditActions.InvestigationClose), a => a.InvestigationId == id && a.Actor == "hr@coppice.sch.uk");
        // Every page view of the detail is a read: the first view, the two form pages, the two views after posting.
        Assert.Equal(5, (await server.AuditAsync(AuditActions.InvestigationRead)).Count(a => a.InvestigationId == id));
    }

    [Fact]
    public async Task The_DPO_answers_a_subject_access_request_and_reads_the_audit_log_and_both_are_audited()
    {
        using var client = server.Client();
        Assert.Equal("/", await client.SignInAsync("dpo@coppice.sch.uk"));
        var summary = await client.GetPageAsync("/subject-access?staffId=t1");
        Assert.Contains("Tom Tyler", summary, StringComparison.Ordinal);
        Assert.Contains("laptop-t1", summary, StringComparison.Ordinal);
        Assert.Contains("Facebook", summary, StringComparison.Ordinal);
        using (var download = await client.GetAsync("/subject-access/download?staffId=t1"))
        {
            Assert.Equal("application/json", download.Content.Headers.ContentType?.MediaType);
            using var json = System.Text.Json.JsonDocument.Parse(await download.Content.ReadAsStringAsync());
            Assert.Equal(2, json.RootElement.GetProperty("visits").GetArrayLength());
            Assert.Equal("t1", json.RootElement.GetProperty("person").GetProperty("staffId").GetString());
        }

        var requests = (await server.AuditAsync(AuditActions.SubjectAccess)).Where(a => a.Actor == "dpo@coppice.sch.uk" && a.SubjectStaffId == "t1").ToList();
        Assert.Equal(2, requests.Count);
        Assert.Contains(requests, r => r.Reason!.Contains("download", StringComparison.Ordinal));

        var audit = await client.GetPageAsync("/audit?action=subject-access");
        Assert.Contains("portal: subject access summary", audit, StringComparison.Ordinal);
        Assert.DoesNotContain("investigation.open</td>", audit, StringComparison.Ordinal);
        Assert.Contains(await server.AuditAsync(AuditActions.AuditRead), a => a.Actor == "dpo@coppice.sch.uk");
    }

    [GeneratedRegex("id=\"shared-key\">([^<]+)<")]
    private static partial Regex SharedKey();
}
