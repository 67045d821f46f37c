using System.Net;
using System.Text.RegularExpressions;

namespace CoppiceMonitor.Portal.Tests;

/// <summary>A browser-like HTTP client of the portal: its own cookies, no automatic redirects, the form tokens.</summary>
public sealed partial class PortalClient : IDisposable
{
    private readonly PortalServer _server;
    private readonly HttpClient _http;

    public PortalClient(PortalServer server)
    {
        _server = server;
        Cookies = new CookieContainer();
        var handler = new HttpClientHandler
        {
            CookieContainer = Cookies,
            AllowAutoRedirect = false,
            // The portal's self-signed trial certificate: trusted for this loopback test only.
            ServerCertificateCustomValidationCallback = (_, cert, _, _) => cert is not null,
        };
        _http = new HttpClient(handler) { BaseAddress = server.BaseAddress };
    }

    public CookieContainer Cookies { get; }

    public Task<HttpResponseMessage> GetAsync(string path) => _http.GetAsync(new Uri(path, UriKind.Relative));

    public async Task<string> GetPageAsync(string path)
    {
        using var response = await GetAsync(path);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode} {response.Headers.Location}");
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>Posts a form from <paramref name="formPage"/> with its antiforgery token (or without, to test refusal).</summary>
    public async Task<HttpResponseMessage> PostFormAsync(string formPage, string action, IEnumerable<KeyValuePair<string, string>> fields, bool withToken = true)
    {
        var values = fields.ToList();
        if (withToken)
        {
            var page = await GetPageAsync(formPage);
            values.Add(new("__RequestVerificationToken", Token(page)));
        }

        using var content = new FormUrlEncodedContent(values);
        return await _http.PostAsync(new Uri(action, UriKind.Relative), content);
    }

    /// <summary>Signs in with the password and, when the account has one, the TOTP code; returns where the portal sent us.</summary>
    public async Task<string?> SignInAsync(string email, string password = PortalServer.Password)
    {
        using var login = await PostFormAsync("/account/login", "/account/login",
            [new("email", email), new("password", password), new("returnUrl", "/")]);
        var location = login.Headers.Location?.ToString();
        if (location is not null && location.StartsWith("/account/login-2fa", StringComparison.Ordinal))
        {
            var code = Totp.Code(_server.Keys[email], DateTimeOffset.UtcNow);
            using var second = await PostFormAsync(location, location, [new("code", code), new("returnUrl", "/")]);
            return second.Headers.Location?.ToString() ?? $"{(int)second.StatusCode}";
        }

        return location ?? $"{(int)login.StatusCode}: {Message(await login.Content.ReadAsStringAsync())}";
    }

    public static string Token(string page)
    {
        var match = TokenInput().Match(page);
        Assert.True(match.Success, "no antiforgery token on the page");
        return match.Groups[1].Value;
    }

    private static string Message(string page) => AlertText().Match(page) is { Success: true } m ? m.Groups[1].Value : "";

    public void Dispose() => _http.Dispose();

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenInput();

    [GeneratedRegex("role=\"alert\">([^<]*)<")]
    private static partial Regex AlertText();
}
