using System.Diagnostics;
using CoppiceMonitor.Reports.Rendering;

namespace CoppiceMonitor.Reports.Tests.Rendering;

/// <summary>
/// Renders the archived HTML (chart referenced as a file) in headless Chromium and keeps the PNG in the test output
/// (bin/.../report-screenshots) so a person can look at it. The set-up script installs chromium.
/// </summary>
public sealed class HtmlScreenshotTests
{
    [Fact]
    public async Task Screenshot_LineManagerReport_OpensInChromiumAndShowsTable()
    {
        var rendered = ReportRenderer.Render(SampleReports.LineManagerReports().Single(r => r.Recipient.StaffId == "LM01"));

        var png = await ScreenshotAsync(rendered, "line-manager");

        Assert.True(png.Length > 20_000, $"screenshot is only {png.Length} bytes: the page probably did not render");
        Assert.Contains("<table", rendered.ArchiveHtml);
    }

    [Fact]
    public async Task Screenshot_HeadteacherReport_OpensInChromium()
    {
        var rendered = ReportRenderer.Render(SampleReports.HeadteacherReport());

        var png = await ScreenshotAsync(rendered, "headteacher");

        Assert.True(png.Length > 20_000, $"screenshot is only {png.Length} bytes: the page probably did not render");
    }

    private static async Task<byte[]> ScreenshotAsync(RenderedReport rendered, string name)
    {
        var chromium = FindChromium() ?? throw new InvalidOperationException(
            "chromium is not installed (deploy/dev/setup.sh installs it; on Debian: apt-get install -y chromium).");
        var folder = Path.Combine(AppContext.BaseDirectory, "report-screenshots", name);
        Directory.CreateDirectory(folder);
        var htmlPath = Path.Combine(folder, "report.html");
        await File.WriteAllTextAsync(htmlPath, rendered.ArchiveHtml);
        await File.WriteAllBytesAsync(Path.Combine(folder, RenderedReport.ChartFileName), rendered.ChartPng);
        await File.WriteAllTextAsync(Path.Combine(folder, "report.txt"), rendered.Text);
        var pngPath = Path.Combine(folder, "screenshot.png");
        File.Delete(pngPath);
        var profile = Directory.CreateTempSubdirectory("coppice-chromium-");
        try
        {
            var start = new ProcessStartInfo(chromium)
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            foreach (var argument in new[]
                     {
                         "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
                         "--disable-component-update", "--disable-sync", "--hide-scrollbars", "--run-all-compositor-stages-before-draw",
                         "--virtual-time-budget=3000", $"--user-data-dir={profile.FullName}",
                         $"--screenshot={pngPath}", "--window-size=1000,1400", new Uri(htmlPath).AbsoluteUri,
                     })
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            _ = process.StandardOutput.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(timeout.Token);
            Assert.True(File.Exists(pngPath), $"chromium exited {process.ExitCode} without a screenshot: {await stderr}");
            return await File.ReadAllBytesAsync(pngPath);
        }
        finally
        {
            profile.Delete(recursive: true);
        }
    }

    private static string? FindChromium() =>
        new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome" }.FirstOrDefault(File.Exists);
}
