using CoppiceMonitor.Storage.Reporting;
using CoppiceMonitor.Visits;
using System.Text;
using Xunit.Abstractions;
using CoppiceMonitor.Reports.Model;
using CoppiceMonitor.Reports.Rendering;

namespace CoppiceMonitor.Reports.Tests.Rendering;

/// <summary>Gmail clips an HTML part over 102 KB and hides the rest behind a link: every report must stay under 100 KB.</summary>
public sealed class ReportSizeTests(ITestOutputHelper output)
{
    private const int GmailSafeBytes = 100 * 1024;

    private static readonly string[] Services = ["Facebook", "Instagram", "TikTok", "X", "YouTube", "Snapchat", "LinkedIn", "WhatsApp", "Reddit", "Pinterest"];

    [Theory]
    [InlineData(2026, 9, 7, 2026, 9, 13)]
    [InlineData(2026, 9, 1, 2026, 9, 30)]
    [InlineData(2026, 8, 3, 2026, 10, 30)]
    public void Render_LargeTeamBusyPeriod_EveryHtmlPartUnder100KB(int y1, int m1, int d1, int y2, int m2, int d2)
    {
        var period = new ReportPeriod(new DateOnly(y1, m1, d1), new DateOnly(y2, m2, d2));
        var staff = new List<StaffRecord> { new("HT", "Head Teacher", "head@coppice.test", null, StaffRoles.None), new("LM", "Line Manager With A Long Name", "lm@coppice.test", "HT", StaffRoles.None) };
        var usage = new List<StaffDailyUsage>();
        for (var p = 0; p < 25; p++)
        {
            var id = $"S{p:00}";
            staff.Add(new(id, $"Person Number {p} O'Reilly-Smythe", id + "@coppice.test", "LM", StaffRoles.None));
            foreach (var date in period.Dates)
            {
                foreach (var service in Services)
                {
                    usage.Add(new(id, service, "SocialMedia", date, 17.3, 4.2, 6.1, 3, 4, 1.2, 0.2));
                }
            }
        }

        var school = SampleReports.School with { Headteacher = new Recipient("HT", "Head Teacher", "head@coppice.test") };
        var lineManager = ReportRenderer.Render(ReportBuilder.BuildLineManagerReports(school, period, staff, usage, usage, SampleReports.GeneratedUtc).Single(r => r.Recipient.StaffId == "LM"));
        var head = ReportRenderer.Render(ReportBuilder.BuildHeadteacherReport(school, school.Headteacher!, period, staff, usage, usage, SampleReports.Anonymous, SampleReports.Coverage, SampleReports.GeneratedUtc));

        // 25 people with 10 services each do not fit: the tables that would not are left to the CSV, and it says so.
        Assert.Contains("are not shown here; their figures per service and day are in the attached usage.csv", lineManager.Html, StringComparison.Ordinal);
        if (period.Days <= 31)
        {
            Assert.Contains(": by service and ", lineManager.Html, StringComparison.Ordinal);   // people with a concern come first
        }

        foreach (var rendered in new[] { lineManager, head })
        {
            var bytes = Encoding.UTF8.GetByteCount(rendered.Html);
            output.WriteLine($"{rendered.Kind} {period}: {bytes / 1024.0:0.0} KB");
            Assert.True(bytes < GmailSafeBytes, $"{rendered.Kind} HTML for {period} is {bytes / 1024.0:0.0} KB, over Gmail's clipping limit");
        }
    }
}

/// <summary>Issue 12: a service has one colour in every report.</summary>
public sealed class ServiceColourTests
{
    [Fact]
    public void ServiceColour_IsFixedPerServiceAcrossReports()
    {
        Assert.Equal(ReportChartRenderer.ServiceColour("Facebook"), ReportChartRenderer.ServiceColour("facebook"));
        Assert.Equal("#0072B2", ReportChartRenderer.ServiceColour("Facebook"));
        Assert.NotEqual(ReportChartRenderer.ServiceColour("Facebook"), ReportChartRenderer.ServiceColour("Instagram"));

        // An uncatalogued service gets the same colour every time (no per-process string hash, no rank order).
        Assert.Equal(ReportChartRenderer.ServiceColour("Mastodon"), ReportChartRenderer.ServiceColour("Mastodon"));
        Assert.Equal("#AA7744", ReportChartRenderer.ServiceColour("Mastodon"));   // FNV-1a of "MASTODON" mod 6
    }
}
