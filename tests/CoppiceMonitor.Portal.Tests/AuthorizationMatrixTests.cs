using System.Net;

namespace CoppiceMonitor.Portal.Tests;

/// <summary>
/// Every route as every role, and signed out: allowed routes answer 200, a signed-out request is sent to sign in,
/// and a signed-in person outside the route's roles gets 404 (the same as for something that does not exist).
/// </summary>
[Collection(PortalGroup.Name)]
public sealed class AuthorizationMatrixTests(PortalServer server)
{
    private const string Out = "signed-out";

    /// <summary>Who may GET each route (besides /health, which everyone may).</summary>
    private Dictionary<string, string[]> Matrix() => new()
    {
        ["/"] = ["head", "hr", "lm1", "lm2", "t1", "ict", "dpo"],
        ["/account/two-factor"] = ["head", "hr", "lm1", "lm2", "t1", "ict", "dpo"],
        ["/reports"] = ["head", "lm1", "lm2"],
        [$"/reports/{server.Lm1ReportId}"] = ["head", "lm1"],
        [$"/reports/{server.Lm1ReportId}/html"] = ["head", "lm1"],
        [$"/reports/{server.Lm1ReportId}/csv"] = ["head", "lm1"],
        [$"/reports/{server.Lm2ReportId}"] = ["head", "lm2"],
        [$"/reports/{server.HeadReportId}"] = ["head"],
        ["/investigations"] = ["head", "hr"],
        [$"/investigations/{server.InvestigationId}"] = ["head", "hr"],
        [$"/investigations/{server.InvestigationId}/print"] = ["head", "hr"],
        [$"/investigations/{server.InvestigationId}/export/csv"] = ["head", "hr"],
        ["/audit"] = ["head", "dpo"],
        ["/audit?action=investigation.read&who=hr"] = ["head", "dpo"],
        ["/subject-access"] = ["head", "dpo"],
        ["/subject-access?staffId=t1"] = ["head", "dpo"],
        ["/subject-access/download?staffId=t1"] = ["head", "dpo"],
        ["/subject-access?staffId=nobody"] = [],
        ["/investigations/999999"] = [],
        ["/reports/999999"] = [],
    };

    public static TheoryData<string> Roles() => new() { Out, "head", "hr", "lm1", "lm2", "t1", "ict", "dpo" };

    [Theory]
    [MemberData(nameof(Roles))]
    public async Task Every_route_allows_exactly_its_roles(string who)
    {
        using var client = server.Client();
        if (who != Out)
        {
            Assert.Equal("/", await client.SignInAsync($"{who}@coppice.sch.uk"));
        }

        using (var health = await client.GetAsync("/health"))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }

        var failures = new List<string>();
        foreach (var (route, allowed) in Matrix())
        {
            using var response = await client.GetAsync(route);
            var expected = allowed.Contains(who) ? HttpStatusCode.OK : who == Out ? HttpStatusCode.Redirect : HttpStatusCode.NotFound;
            if (response.StatusCode != expected)
            {
                failures.Add($"{route}: expected {(int)expected}, got {(int)response.StatusCode} {response.Headers.Location}");
            }
            else if (who == Out)
            {
                Assert.StartsWith($"{server.BaseAddress}account/login", response.Headers.Location!.ToString(), StringComparison.Ordinal);
            }
        }

        Assert.True(failures.Count == 0, who + ":\n" + string.Join('\n', failures));
    }

    [Theory]
    [InlineData("lm1")]
    [InlineData("t1")]
    [InlineData("ict")]
    [InlineData("dpo")]
    public async Task Posting_to_investigations_outside_the_role_is_not_found_and_changes_nothing(string who)
    {
        using var client = server.Client();
        Assert.Equal("/", await client.SignInAsync($"{who}@coppice.sch.uk"));
        var token = PortalClient.Token(await client.GetPageAsync("/"));
        var before = (await server.AuditAsync()).Count;
        foreach (var (action, fields) in new (string, KeyValuePair<string, string>[])[]
        {
            ("/investigations", [new("staffId", "t2"), new("reason", "x"), new("from", "2026-11-24"), new("to", "2026-11-24")]),
            ($"/investigations/{server.InvestigationId}?handler=note", [new("note", "x")]),
            ($"/investigations/{server.InvestigationId}?handler=close", [new("closeReason", "x")]),
        })
        {
            using var content = new FormUrlEncodedContent([.. fields, new("__RequestVerificationToken", token)]);
            using var response = await new HttpClient(new HttpClientHandler
            {
                CookieContainer = client.Cookies,
                AllowAutoRedirect = false,
                ServerCertificateCustomValidationCallback = (_, c, _, _) => c is not null,
            }) { BaseAddress = server.BaseAddress }.PostAsync(new Uri(action, UriKind.Relative), content);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        Assert.Equal(before, (await server.AuditAsync()).Count);
    }
}
