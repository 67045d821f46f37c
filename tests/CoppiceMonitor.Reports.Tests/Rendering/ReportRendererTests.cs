using CoppiceMonitor.Storage.Reporting;
using System.Globalization;
using System.Text;
using CoppiceMonitor.Reports.Model;
using CoppiceMonitor.Reports.Rendering;

namespace CoppiceMonitor.Reports.Tests.Rendering;

public sealed class ReportRendererTests
{
    [Fact]
    public void Render_LineManager_CsvHasRequiredColumnsAndOneDecimalInvariant()
    {
        // The product runs with InvariantGlobalization, so a culture switch cannot be tested; the writer uses
        // CultureInfo.InvariantCulture explicitly regardless.
        Assert.Equal(string.Empty, CultureInfo.CurrentCulture.Name);
        {
            var rendered = ReportRenderer.Render(SampleReports.LineManagerReports().Single(r => r.Recipient.StaffId == "LM01"));
            var lines = Encoding.UTF8.GetString(rendered.Csv).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);

            Assert.Equal(
                "staff_id,service,date,minutes_total,minutes_directed,minutes_break,minutes_non_directed,minutes_outside_hours,minutes_work_use",
                lines[0]);
            Assert.Contains("T001,Facebook,2026-09-07,25.3,10.0,15.3,0.0,0.0,0.0", lines);
            Assert.Contains("T001,TikTok,2026-09-08,5.0,5.0,0.0,0.0,0.0,0.0", lines);
            Assert.Contains("T002,X,2026-09-10,30.0,0.0,0.0,30.0,0.0,30.0", lines);
            Assert.Contains("T002,LinkedIn,2026-09-11,5.0,0.0,5.0,0.0,0.0,0.0", lines);
            Assert.All(lines.Skip(1), l => Assert.Equal(9, l.Split(',').Length));
        }
    }

    [Fact]
    public void Render_LineManager_OnlyOwnStaffAppear()
    {
        var reports = SampleReports.LineManagerReports();
        var priya = ReportRenderer.Render(reports.Single(r => r.Recipient.StaffId == "LM01"));
        var dan = ReportRenderer.Render(reports.Single(r => r.Recipient.StaffId == "LM02"));

        Assert.Contains("Amy Lee", priya.Html);
        Assert.DoesNotContain("Raj Patel", priya.Html);
        Assert.DoesNotContain("Raj Patel", priya.Text);
        Assert.DoesNotContain("T003", Encoding.UTF8.GetString(priya.Csv));
        Assert.Contains("Raj Patel", dan.Text);
        Assert.DoesNotContain("Amy Lee", dan.Text);
        Assert.DoesNotContain("T001", Encoding.UTF8.GetString(dan.Csv));
    }

    [Fact]
    public void Render_AnyReport_NeverNamesSpecialCategorySite()
    {
        var renders = SampleReports.LineManagerReports().Select(ReportRenderer.Render)
            .Append(ReportRenderer.Render(SampleReports.HeadteacherReport()));

        foreach (var rendered in renders)
        {
            Assert.DoesNotContain(SampleReports.SpecialSiteName, rendered.Html, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(SampleReports.SpecialSiteName, rendered.Text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(SampleReports.SpecialSiteName, Encoding.UTF8.GetString(rendered.Csv), StringComparison.OrdinalIgnoreCase);
        }

        var priyaCsv = Encoding.UTF8.GetString(ReportRenderer.Render(SampleReports.LineManagerReports().Single(r => r.Recipient.StaffId == "LM01")).Csv);
        Assert.Contains("T001,[Health site],2026-09-09,9.0", priyaCsv);
    }

    [Fact]
    public void Render_NamesWithMarkup_AreHtmlEncoded()
    {
        var rendered = ReportRenderer.Render(SampleReports.LineManagerReports().Single(r => r.Recipient.StaffId == "LM01"));

        Assert.DoesNotContain("<Co>", rendered.Html);
        Assert.Contains("Tom O&#39;Brien &amp; &lt;Co&gt;", rendered.Html);
        Assert.DoesNotContain("<script", rendered.Html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<style", rendered.Html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Tom O'Brien & <Co>", rendered.Text);
    }

    [Fact]
    public void Render_LineManager_ReadingCitesPolicySectionsAndFigures()
    {
        var rendered = ReportRenderer.Render(SampleReports.LineManagerReports().Single(r => r.Recipient.StaffId == "LM01"));
        var html = System.Net.WebUtility.HtmlDecode(rendered.Html);

        // Tom: personal 25.25+70+5.04+12.35+9 = 121.64; directed 10+5.04 = 15.04; Tuesday 75.04 > 60.
        Assert.Contains("used social media for 121.6 minutes, 15.0 of them in directed time", html);
        Assert.Contains("On 1 day (Tue 8 Sep) the total was over the school's limit of 60 minutes a day (section 9.1)", html);
        Assert.Contains("section 5", rendered.Text);
        Assert.Contains("section 8.6.2", rendered.Text);
        Assert.Contains("section 11", rendered.Text);
        Assert.Contains("section 12", rendered.Text);
        Assert.Contains("81.6 minutes more than the previous week", html);
    }

    [Fact]
    public void Render_LineManager_ChartIsPngOfExpectedSize()
    {
        var rendered = ReportRenderer.Render(SampleReports.LineManagerReports()[0]);

        Assert.True(rendered.ChartPng.Length > 2000, $"chart is only {rendered.ChartPng.Length} bytes");
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, rendered.ChartPng[..4]);
        var width = (rendered.ChartPng[16] << 24) | (rendered.ChartPng[17] << 16) | (rendered.ChartPng[18] << 8) | rendered.ChartPng[19];
        Assert.Equal(ReportChartRenderer.Width, width);
        Assert.Contains("cid:" + RenderedReport.ChartContentId, rendered.Html);
        Assert.Contains("src=\"" + RenderedReport.ChartFileName + "\"", rendered.ArchiveHtml);
    }

    [Fact]
    public void Render_Headteacher_ShowsFlaggedStaffAnonymousTotalsAndCoverage()
    {
        var rendered = ReportRenderer.Render(SampleReports.HeadteacherReport());

        Assert.Contains("Raj Patel", rendered.Html);          // 45 directed minutes
        Assert.Contains("Tom O&#39;Brien", rendered.Html);     // directed and an excessive day
        Assert.DoesNotContain("Amy Lee", rendered.Html);       // only work use and a little break use
        Assert.Contains("TikTok", rendered.Html);
        Assert.Contains("Pupil", rendered.Html);
        Assert.Contains("Encrypted Client Hello", rendered.Text);
        Assert.Contains("DNS-over-HTTPS", rendered.Text);
        Assert.Contains("3.3%", rendered.Html);               // 22.5 of 678 minutes unattributed
        var csv = Encoding.UTF8.GetString(rendered.Csv);
        Assert.DoesNotContain("T002", csv);
        Assert.Contains("T003,Facebook,2026-09-07,90.0,45.0,20.0,25.0,0.0,0.0", csv);
    }

    [Theory]
    [InlineData("=cmd()", "\"'=cmd()\"")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    public void Write_AwkwardServiceNames_AreQuotedAndFormulaGuarded(string service, string expectedField)
    {
        var csv = Encoding.UTF8.GetString(CsvReportWriter.Write([new StaffDailyUsage("S1", service, "SocialMedia", new DateOnly(2026, 9, 7), 1, 0, 0, 0, 1, 0, 0)]));

        Assert.Contains("S1," + expectedField + ",2026-09-07,1.0,", csv);
    }
}
