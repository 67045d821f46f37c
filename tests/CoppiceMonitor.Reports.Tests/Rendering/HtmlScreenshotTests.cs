using System.Diagnostics;
using System.Net;
using CoppiceMonitor.Reports.Rendering;
using SkiaSharp;

namespace CoppiceMonitor.Reports.Tests.Rendering;

/// <summary>
/// Renders the archived HTML (chart referenced as a file) in headless Chromium and keeps the PNG in the test output
/// (bin/.../report-screenshots/{line-manager,headteacher}/screenshot.png) so a person can look at it, then checks
/// Chromium's DOM and the picture itself. The set-up script installs chromium.
/// </summary>
public sealed class HtmlScreenshotTests
{
    // The report's brand colour: the banner and every data table's header row are painted in it.
    private static readonly SKColor HeaderGreen = new(0x1f, 0x4e, 0x3d);
    private static readonly SKColor PageBackground = new(0xf3, 0xf5, 0xf4);

    [Fact]
    public async Task Screenshot_LineManagerReport_OpensInChromiumAndShowsTable()
    {
        var report = SampleReports.LineManagerReports().Single(r => r.Recipient.StaffId == "LM01");
        var rendered = ReportRenderer.Render(report);

        var shot = await ScreenshotAsync(rendered, "line-manager");

        // Chromium opened and parsed the page: its DOM holds the data tables with every person of the team.
        var tables = CountOccurrences(shot.Dom, "<table role=\"table\"");
        Assert.True(tables >= 1 + report.People.Count, $"{tables} data tables in Chromium's DOM");
        Assert.Contains(">Personal minutes</th>", shot.Dom, StringComparison.Ordinal);
        var text = WebUtility.HtmlDecode(shot.Dom);
        foreach (var person in report.People)
        {
            Assert.Contains($">{person.DisplayName}</td>", text, StringComparison.Ordinal);
        }

        AssertPicture(shot, rendered, tables);
    }

    [Fact]
    public async Task Screenshot_HeadteacherReport_OpensInChromiumAndShowsTables()
    {
        var rendered = ReportRenderer.Render(SampleReports.HeadteacherReport());

        var shot = await ScreenshotAsync(rendered, "headteacher");

        var tables = CountOccurrences(shot.Dom, "<table role=\"table\"");
        Assert.True(tables >= 3, $"{tables} data tables in Chromium's DOM");
        Assert.Contains("TikTok", shot.Dom, StringComparison.Ordinal);
        AssertPicture(shot, rendered, tables);
    }

    /// <summary>
    /// What the PNG shows: the whole page fits (page background at the bottom), one green band for the banner and
    /// one per data table's header row (so each table Chromium parsed was painted), and the chart image loaded (its
    /// main bar colour covers a real area of the screenshot).
    /// </summary>
    private static void AssertPicture(Screenshot shot, RenderedReport rendered, int tables)
    {
        using var bitmap = SKBitmap.Decode(shot.Png);
        Assert.NotNull(bitmap);
        Assert.Equal(WindowWidth, bitmap.Width);
        Assert.Equal(WindowHeight, bitmap.Height);
        for (var y = bitmap.Height - 20; y < bitmap.Height; y++)
        {
            Assert.True(RowCount(bitmap, y, PageBackground) > bitmap.Width * 9 / 10, $"row {y} is not page background: the page is longer than the window");
        }

        var bands = 0;
        var inBand = false;
        for (var y = 0; y < bitmap.Height; y++)
        {
            var green = RowCount(bitmap, y, HeaderGreen) >= 300;
            if (green && !inBand)
            {
                bands++;
            }

            inBand = green;
        }

        Assert.Equal(1 + tables, bands);

        using var chart = SKBitmap.Decode(rendered.ChartPng);
        var barColour = chart.Pixels
            .Where(c => Math.Abs(c.Red - c.Green) + Math.Abs(c.Green - c.Blue) + Math.Abs(c.Red - c.Blue) > 120)
            .GroupBy(c => c)
            .OrderByDescending(g => g.Count())
            .First().Key;
        var inScreenshot = Enumerable.Range(0, bitmap.Height).Sum(y => RowCount(bitmap, y, barColour));
        Assert.True(inScreenshot > 1_000, $"the chart's bar colour {barColour} covers only {inScreenshot} pixels: the chart did not load");
    }

    private static int RowCount(SKBitmap bitmap, int y, SKColor colour)
    {
        var count = 0;
        for (var x = 0; x < bitmap.Width; x++)
        {
            var c = bitmap.GetPixel(x, y);
            if (Math.Abs(c.Red - colour.Red) <= 8 && Math.Abs(c.Green - colour.Green) <= 8 && Math.Abs(c.Blue - colour.Blue) <= 8)
            {
                count++;
            }
        }

        return count;
    }

    private static int CountOccurrences(string text, string value)
    {
        var count = 0;
        for (var i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + value.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private sealed record Screenshot(string PngPath, byte[] Png, string Dom);

    private const int WindowWidth = 1000;
    private const int WindowHeight = 4000;

    private static async Task<Screenshot> ScreenshotAsync(RenderedReport rendered, string name)
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "report-screenshots", name);
        Directory.CreateDirectory(folder);
        var htmlPath = Path.Combine(folder, "report.html");
        await File.WriteAllTextAsync(htmlPath, rendered.ArchiveHtml);
        await File.WriteAllBytesAsync(Path.Combine(folder, RenderedReport.ChartFileName), rendered.ChartPng);
        await File.WriteAllTextAsync(Path.Combine(folder, "report.txt"), rendered.Text);
        var pngPath = Path.Combine(folder, "screenshot.png");
        File.Delete(pngPath);

        var url = new Uri(htmlPath).AbsoluteUri;
        var (exit, _, stderr) = await RunChromiumAsync($"--screenshot={pngPath}", $"--window-size={WindowWidth},{WindowHeight}", url);
        Assert.True(File.Exists(pngPath), $"chromium exited {exit} without a screenshot: {stderr}");
        var (domExit, dom, domError) = await RunChromiumAsync("--dump-dom", url);
        Assert.True(domExit == 0 && dom.Contains("</html>", StringComparison.Ordinal), $"chromium --dump-dom exited {domExit}: {domError}");
        return new Screenshot(pngPath, await File.ReadAllBytesAsync(pngPath), dom);
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunChromiumAsync(params string[] arguments)
    {
        var chromium = FindChromium() ?? throw new InvalidOperationException(
            "chromium is not installed (deploy/dev/setup.sh installs it; on Debian: apt-get install -y chromium).");
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
                     }.Concat(arguments))
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(timeout.Token);
            return (process.ExitCode, await stdout, await stderr);
        }
        finally
        {
            profile.Delete(recursive: true);
        }
    }

    private static string? FindChromium() =>
        new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome" }.FirstOrDefault(File.Exists);
}
