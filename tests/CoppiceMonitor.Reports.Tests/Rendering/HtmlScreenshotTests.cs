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

    /// <summary>A month (week columns, monthly wording, its own chart) opens and paints like the weekly report.</summary>
    [Fact]
    public async Task Screenshot_MonthlyLineManagerReport_OpensInChromiumAndShowsWeekColumns()
    {
        var september = new ReportPeriod(new DateOnly(2026, 9, 1), new DateOnly(2026, 9, 30));
        var report = Model.ReportBuilder.BuildLineManagerReports(SampleReports.School, september, SampleReports.Staff, SampleReports.Usage, [], SampleReports.GeneratedUtc)
            .Single(r => r.Recipient.StaffId == "LM01");
        var rendered = ReportRenderer.Render(report);

        var shot = await ScreenshotAsync(rendered, "line-manager-month");

        var tables = CountOccurrences(shot.Dom, "<table role=\"table\"");
        Assert.True(tables >= 1 + report.People.Count, $"{tables} data tables in Chromium's DOM");
        var text = WebUtility.HtmlDecode(shot.Dom);
        Assert.Contains(": by service and week", text, StringComparison.Ordinal);
        Assert.Contains(">7 Sep</th>", text, StringComparison.Ordinal);
        Assert.Contains("no data for the previous month", text, StringComparison.Ordinal);
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
    /// What Chromium laid out and painted. The layout boxes come from Chromium itself (a probe copy of the page reports
    /// element rects), so the check holds whatever fonts or Chromium version a machine has; counting green pixel rows
    /// did not (a header that wraps differently made 5 bands of 4). The PNG is then checked inside those boxes: the
    /// banner and every data table's header row are painted in the brand green, the chart image loaded and shows its
    /// bars, and the whole page fits the window (page background at the bottom).
    /// </summary>
    private static void AssertPicture(Screenshot shot, RenderedReport rendered, int tables)
    {
        using var bitmap = SKBitmap.Decode(shot.Png);
        Assert.NotNull(bitmap);
        Assert.Equal(WindowWidth, bitmap.Width);
        Assert.Equal(WindowHeight, bitmap.Height);
        var layout = shot.Layout;
        Assert.True(layout.PageHeight <= WindowHeight - 20, $"the page is {layout.PageHeight} px high, longer than the {WindowHeight} px window");
        for (var y = bitmap.Height - 20; y < bitmap.Height; y++)
        {
            Assert.True(RowCount(bitmap, y, PageBackground) > bitmap.Width * 9 / 10, $"row {y} is not page background: the page is longer than the window");
        }

        Assert.Equal(tables, layout.HeaderRows.Count);
        Box[] green = [layout.Banner, .. layout.HeaderRows];
        for (var i = 0; i < green.Length; i++)
        {
            var box = green[i];
            Assert.True(box.Width >= 300 && box.Height >= 10, $"green box {i} is {box}: not laid out");
            Assert.True(box.Bottom <= layout.PageHeight, $"green box {i} {box} lies outside the page");
            Assert.Equal("rgb(31, 78, 61)", box.Background);
            if (i > 0)
            {
                Assert.True(box.Top >= green[i - 1].Bottom, $"green box {i} {box} overlaps the one before {green[i - 1]}");
            }

            var share = Share(bitmap, box, HeaderGreen);
            Assert.True(share > 0.6, $"green box {i} {box} is only {share:P0} brand green in the screenshot: it was not painted");
        }

        var chart = layout.Chart;
        Assert.True(chart.Loaded, "the chart image did not load");
        Assert.Equal(ReportChartRenderer.Width, chart.NaturalWidth);
        Assert.True(chart.Box.Width > 0 && chart.Box.Bottom <= layout.PageHeight, $"chart box {chart.Box}");

        using var chartPng = SKBitmap.Decode(rendered.ChartPng);
        var barColour = chartPng.Pixels
            .Where(c => Math.Abs(c.Red - c.Green) + Math.Abs(c.Green - c.Blue) + Math.Abs(c.Red - c.Blue) > 120)
            .GroupBy(c => c)
            .OrderByDescending(g => g.Count())
            .First().Key;
        var inChart = Share(bitmap, chart.Box, barColour) * chart.Box.Width * chart.Box.Height;
        Assert.True(inChart > 1_000, $"the chart's bar colour {barColour} covers only {inChart:0} pixels of the chart's box: the chart did not paint");
    }

    /// <summary>The share of a layout box's pixels (inset by 1 px against anti-aliased edges) that are the colour.</summary>
    private static double Share(SKBitmap bitmap, Box box, SKColor colour)
    {
        var (x0, y0) = ((int)Math.Ceiling(box.Left) + 1, (int)Math.Ceiling(box.Top) + 1);
        var (x1, y1) = (Math.Min(bitmap.Width, (int)Math.Floor(box.Right) - 1), Math.Min(bitmap.Height, (int)Math.Floor(box.Bottom) - 1));
        var (all, hits) = (0, 0);
        for (var y = y0; y < y1; y++)
        {
            for (var x = x0; x < x1; x++)
            {
                all++;
                var c = bitmap.GetPixel(x, y);
                if (Math.Abs(c.Red - colour.Red) <= 8 && Math.Abs(c.Green - colour.Green) <= 8 && Math.Abs(c.Blue - colour.Blue) <= 8)
                {
                    hits++;
                }
            }
        }

        return all == 0 ? 0 : (double)hits / all;
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

    private sealed record Screenshot(string PngPath, byte[] Png, string Dom, Layout Layout);

    private sealed record Box(double Left, double Top, double Width, double Height, string? Background)
    {
        public double Right => Left + Width;

        public double Bottom => Top + Height;
    }

    private sealed record ChartImage(Box Box, bool Loaded, int NaturalWidth);

    private sealed record Layout(double PageHeight, Box Banner, IReadOnlyList<Box> HeaderRows, ChartImage Chart);

    /// <summary>
    /// Added to a copy of the page only (reports carry no script): after load, writes the layout boxes Chromium
    /// computed (banner, each data table's header row, the chart image) as JSON into the DOM that --dump-dom prints.
    /// </summary>
    private const string LayoutProbe = """
        <script>
        window.addEventListener('load', () => {
          const box = e => { const r = e.getBoundingClientRect(); return { left: r.left + scrollX, top: r.top + scrollY, width: r.width, height: r.height, background: getComputedStyle(e).backgroundColor }; };
          const banner = document.querySelector('td[bgcolor="#1f4e3d"]');
          const headers = [...document.querySelectorAll('table[role="table"]')].map(t => ({ ...box(t.querySelector('tr')), background: getComputedStyle(t.querySelector('th')).backgroundColor }));
          const img = document.querySelector('img');
          const out = document.createElement('pre');
          out.id = 'layout-probe';
          out.textContent = JSON.stringify({
            pageHeight: document.documentElement.scrollHeight,
            banner: box(banner),
            headerRows: headers,
            chart: { box: box(img), loaded: img.complete && img.naturalWidth > 0, naturalWidth: img.naturalWidth },
          });
          document.body.appendChild(out);
        });
        </script>
        """;

    private static readonly System.Text.Json.JsonSerializerOptions ProbeJson = new(System.Text.Json.JsonSerializerDefaults.Web);

    private static Layout ReadLayout(string dom)
    {
        var match = System.Text.RegularExpressions.Regex.Match(dom, "<pre id=\"layout-probe\">(.*?)</pre>", System.Text.RegularExpressions.RegexOptions.Singleline);
        Assert.True(match.Success, "the layout probe wrote nothing: Chromium did not run it");
        var layout = System.Text.Json.JsonSerializer.Deserialize<Layout>(
            WebUtility.HtmlDecode(match.Groups[1].Value),
            ProbeJson);
        return layout ?? throw new InvalidOperationException("empty layout probe");
    }

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

        // The same page, same window, plus the probe: Chromium reports its own layout boxes.
        var probePath = Path.Combine(folder, "layout-probe.html");
        await File.WriteAllTextAsync(probePath, rendered.ArchiveHtml.Replace("</body>", LayoutProbe + "</body>", StringComparison.Ordinal));
        var (probeExit, probeDom, probeError) = await RunChromiumAsync("--dump-dom", $"--window-size={WindowWidth},{WindowHeight}", new Uri(probePath).AbsoluteUri);
        Assert.True(probeExit == 0, $"chromium --dump-dom of the layout probe exited {probeExit}: {probeError}");
        return new Screenshot(pngPath, await File.ReadAllBytesAsync(pngPath), dom, ReadLayout(probeDom));
    }

    /// <summary>
    /// Runs headless Chromium; on a machine shared by many builds it now and then stalls at start-up, so a run that has
    /// not finished in two minutes is killed (with its helper processes) and tried once more.
    /// </summary>
    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunChromiumAsync(params string[] arguments)
    {
        try
        {
            return await RunChromiumOnceAsync(arguments);
        }
        catch (TimeoutException)
        {
            return await RunChromiumOnceAsync(arguments);
        }
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunChromiumOnceAsync(string[] arguments)
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
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
                throw new TimeoutException($"chromium {string.Join(' ', arguments)} did not finish in 120 s");
            }

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
