using System.Text.Json;
using Microsoft.Playwright;

namespace CoppiceMonitor.Portal.Tests;

/// <summary>
/// End to end in headless Chromium (Debian's, never a downloaded one): sign in with password and TOTP, open an
/// investigation, view, export, note, close; a line manager sees only their team. Every page is screenshotted (into
/// the test output's screenshots/ folder, or $COPPICE_SCREENSHOTS) and checked with axe-core for WCAG 2.2 AA.
/// </summary>
[Collection(PortalGroup.Name)]
public sealed class BrowserTests(PortalServer server) : IAsyncLifetime
{
    private const string Chromium = "/usr/bin/chromium";
    private static readonly string[] ChromiumArgs =
        ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

    private readonly string _screenshots = Environment.GetEnvironmentVariable("COPPICE_SCREENSHOTS") is { Length: > 0 } folder
        ? folder : Path.Combine(AppContext.BaseDirectory, "screenshots");

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public async Task InitializeAsync()
    {
        if (!File.Exists(Chromium))
        {
            return;
        }

        Directory.CreateDirectory(_screenshots);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = Chromium, Headless = true, Args = ChromiumArgs });
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }

        _playwright?.Dispose();
    }

    [SkippableFact]
    public async Task HR_signs_in_with_TOTP_and_opens_views_exports_and_closes_an_investigation()
    {
        var page = await NewPageAsync();
        await page.GotoAsync("/account/login");
        await CheckAsync(page, "login");
        await SignInAsync(page, "hr@coppice.sch.uk");
        Assert.EndsWith("/", page.Url, StringComparison.Ordinal);
        await CheckAsync(page, "home-hr");

        await page.GotoAsync("/investigations");
        await CheckAsync(page, "investigations");
        await page.SelectOptionAsync("#staffId", "t1");
        await page.FillAsync("#reason", "browser test: conduct review");
        await page.FillAsync("#from", "2026-11-24");
        await page.FillAsync("#to", "2026-11-24");
        await page.ClickAsync("button:has-text('Open investigation')");
        Assert.Matches("/investigations/[0-9]+$", page.Url);
        var detail = page.Url;
        Assert.Contains("www.facebook.com", await page.ContentAsync(), StringComparison.Ordinal);
        await CheckAsync(page, "investigation-detail");

        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("a:has-text('CSV')"));
        var csv = await File.ReadAllTextAsync(await download.PathAsync() ?? throw new InvalidOperationException("no download"));
        Assert.Contains("observation,", csv, StringComparison.Ordinal);

        await page.GotoAsync(detail + "/print");
        await CheckAsync(page, "investigation-print");

        await page.GotoAsync(detail);
        await page.FillAsync("#note", "browser note");
        await page.ClickAsync("button:has-text('Add note')");
        Assert.Contains("browser note", await page.ContentAsync(), StringComparison.Ordinal);
        await page.FillAsync("#closeReason", "browser test finished");
        await page.ClickAsync("button:has-text('Close investigation')");
        Assert.Contains("closed", await page.InnerTextAsync("dl.facts"), StringComparison.Ordinal);
        await CheckAsync(page, "investigation-closed");
    }

    [SkippableFact]
    public async Task A_line_manager_sees_only_their_own_team()
    {
        var page = await NewPageAsync();
        await SignInAsync(page, "lm1@coppice.sch.uk");
        await CheckAsync(page, "home-line-manager");
        await page.GotoAsync("/reports");
        var text = await page.InnerTextAsync("main");
        Assert.Contains("Liam Lane", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Lara", text, StringComparison.Ordinal);
        await CheckAsync(page, "reports-line-manager");
        await page.ClickAsync("a:has-text('Team summary for Liam Lane')");
        await CheckAsync(page, "report-line-manager");
        var other = await page.GotoAsync($"/reports/{server.Lm2ReportId}");
        Assert.Equal(404, other!.Status);
        await CheckAsync(page, "not-found");
        var investigation = await page.GotoAsync($"/investigations/{server.InvestigationId}");
        Assert.Equal(404, investigation!.Status);
    }

    [SkippableFact]
    public async Task The_DPO_pages_pass_the_accessibility_checks()
    {
        var page = await NewPageAsync();
        await SignInAsync(page, "dpo@coppice.sch.uk");
        await page.GotoAsync("/subject-access");
        await page.SelectOptionAsync("#staffId", "t1");
        await page.ClickAsync("button:has-text('Show what is held')");
        Assert.Contains("laptop-t1", await page.InnerTextAsync("main"), StringComparison.Ordinal);
        await CheckAsync(page, "subject-access");
        await page.GotoAsync("/audit");
        Assert.Contains("subject-access", await page.InnerTextAsync("main"), StringComparison.Ordinal);
        await CheckAsync(page, "audit");
    }

    private async Task<IPage> NewPageAsync()
    {
        Skip.If(_browser is null, $"{Chromium} is not installed (deploy/dev/setup.sh installs it)");
        var context = await _browser!.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = server.BaseAddress.ToString(),
            IgnoreHTTPSErrors = true,
            AcceptDownloads = true,
            ViewportSize = new ViewportSize { Width = 1200, Height = 900 },
        });
        return await context.NewPageAsync();
    }

    private async Task SignInAsync(IPage page, string email)
    {
        await page.GotoAsync("/account/login");
        await page.FillAsync("#email", email);
        await page.FillAsync("#password", PortalServer.Password);
        await page.ClickAsync("button[type=submit]");
        if (page.Url.Contains("/account/login-2fa", StringComparison.Ordinal))
        {
            await CheckAsync(page, "login-2fa");
            await page.FillAsync("#code", Totp.Code(server.Keys[email], DateTimeOffset.UtcNow));
            await page.ClickAsync("button[type=submit]");
        }
    }

    /// <summary>Saves a full-page screenshot and fails on any WCAG 2.0/2.1/2.2 A or AA violation axe-core finds.</summary>
    private async Task CheckAsync(IPage page, string name)
    {
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(_screenshots, name + ".png"), FullPage = true });
        // Evaluated through the DevTools protocol, so the page's CSP (no script at all) stays as it is.
        var axe = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Assets", "axe.min.js"));
        await page.EvaluateAsync(axe);
        var result = await page.EvaluateAsync<JsonElement>("""
            async () => {
                const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } });
                return r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' ')) }));
            }
            """);
        Assert.True(result.GetArrayLength() == 0, $"{name}: axe violations: {result}");
    }
}
