using CoppiceMonitor.Storage.Reporting;
using CoppiceMonitor.Visits;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using CoppiceMonitor.Reports.Model;
using CoppiceMonitor.Reports.Rendering;

namespace CoppiceMonitor.Reports.Tests.Rendering;

/// <summary>Issue 12, "reports that never mislead": trends, whole minutes, per-person chart, the time buckets.</summary>
public sealed partial class HonestFiguresTests
{
    private static readonly ReportPeriod September = new(new DateOnly(2026, 9, 1), new DateOnly(2026, 9, 30));

    [Fact]
    public void Render_LineManager_NoPreviousData_SaysSoInsteadOfARise()
    {
        var reports = ReportBuilder.BuildLineManagerReports(SampleReports.School, SampleReports.Week, SampleReports.Staff, SampleReports.Usage, [], SampleReports.GeneratedUtc);
        var priya = ReportRenderer.Render(reports.Single(r => r.Recipient.StaffId == "LM01"));
        var html = WebUtility.HtmlDecode(priya.Html);

        Assert.All(reports.SelectMany(r => r.People), p => Assert.Null(p.Change));
        Assert.Contains("no data for the previous week", html, StringComparison.Ordinal);
        Assert.Contains("There is no data for the previous week to compare with.", OneLine(priya.Text), StringComparison.Ordinal);
        Assert.DoesNotContain("more than the previous", html, StringComparison.Ordinal);
        Assert.DoesNotMatch(SignedFigure(), html);
        Assert.DoesNotMatch(SignedFigure(), priya.Text);
    }

    [Fact]
    public void Render_LineManager_PreviousDataForTheTeam_ShowsRealChanges()
    {
        // Amy had nothing last week while the monitor was running: her figure is a real rise, not "no data".
        var reports = SampleReports.LineManagerReports();
        var amy = reports.Single(r => r.Recipient.StaffId == "LM01").People.Single(p => p.StaffId == "T002");

        Assert.Equal(5, Math.Round(amy.Change!.Value));
    }

    [Theory]
    [InlineData(2026, 9, 1, 2026, 9, 30, "month")]
    [InlineData(2026, 9, 8, 2026, 9, 10, "period")]
    public void Render_Headteacher_NoPreviousData_NamesThePeriod(int y1, int m1, int d1, int y2, int m2, int d2, string noun)
    {
        var period = new ReportPeriod(new DateOnly(y1, m1, d1), new DateOnly(y2, m2, d2));
        var report = ReportBuilder.BuildHeadteacherReport(SampleReports.School, SampleReports.School.Headteacher!, period, SampleReports.Staff, SampleReports.Usage, [], SampleReports.Anonymous, SampleReports.Coverage, SampleReports.GeneratedUtc);
        var rendered = ReportRenderer.Render(report);

        Assert.Contains($"no data for the previous {noun}", rendered.Text, StringComparison.Ordinal);
        Assert.Contains($"no data for the previous {noun}", rendered.Html, StringComparison.Ordinal);
    }

    [Fact]
    public void Previous_OfAWholeMonth_IsTheCalendarMonthBefore()
    {
        Assert.Equal(ReportPeriodKind.Month, September.Kind);
        Assert.Equal(new ReportPeriod(new DateOnly(2026, 8, 1), new DateOnly(2026, 8, 31)), September.Previous);
        Assert.Equal(ReportPeriodKind.Week, SampleReports.Week.Kind);
        Assert.Equal(ReportPeriodKind.Range, new ReportPeriod(new DateOnly(2026, 9, 8), new DateOnly(2026, 9, 14)).Kind);
    }

    [Fact]
    public void Render_AnyReport_ShowsWholeMinutesOnly()
    {
        var renders = SampleReports.LineManagerReports().Select(ReportRenderer.Render).Append(ReportRenderer.Render(SampleReports.HeadteacherReport()));

        foreach (var rendered in renders)
        {
            foreach (var text in new[] { WebUtility.HtmlDecode(rendered.Html), rendered.Text, Encoding.UTF8.GetString(rendered.Csv) })
            {
                // Section numbers (8.6.2, 9.1, 10.3) and coverage percentages are not minutes.
                var figures = SectionOrPercent().Replace(text, string.Empty);
                Assert.DoesNotMatch(DecimalFigure(), figures);
            }
        }
    }

    [Fact]
    public void Render_ServiceWithoutPersonalMinutes_GetsNoRow()
    {
        // Amy's 30 minutes on X were all authorised work use: her service table has LinkedIn and no X row.
        var priya = ReportRenderer.Render(SampleReports.LineManagerReports().Single(r => r.Recipient.StaffId == "LM01"));
        var amySection = priya.Html[priya.Html.IndexOf("Amy Lee: by service and day", StringComparison.Ordinal)..];
        amySection = amySection[..amySection.IndexOf("</table>", StringComparison.Ordinal)];

        Assert.Contains(">LinkedIn</td>", amySection, StringComparison.Ordinal);
        Assert.DoesNotContain(">X</td>", amySection, StringComparison.Ordinal);
        Assert.Contains("30", WebUtility.HtmlDecode(priya.Html), StringComparison.Ordinal); // her work use stays in the totals
    }

    [Fact]
    public void Chart_LineManager_ComparesEachPersonWithTheLimit_NeverTheTeamTotal()
    {
        // Three people, 40 minutes each on Monday: each is under the 60-minute limit; the team's 120 is no one's figure.
        var staff = new List<StaffRecord> { new("M1", "Manager", "m@coppice.test", null, StaffRoles.None) };
        var usage = new List<StaffDailyUsage>();
        foreach (var id in new[] { "A", "B", "C" })
        {
            staff.Add(new(id, "Person " + id, id + "@coppice.test", "M1", StaffRoles.None));
            usage.Add(new(id, "Facebook", "SocialMedia", SampleReports.Week.From, 40, 0, 40, 0, 0, 0, 0));
        }

        var report = ReportBuilder.BuildLineManagerReports(SampleReports.School, SampleReports.Week, staff, usage, [], SampleReports.GeneratedUtc).Single();
        var bars = ReportChartRenderer.PersonBars(report.Period, report.People);

        Assert.Equal(["Person A", "Person B", "Person C"], bars.Select(b => b.Person));
        Assert.All(bars, b => Assert.Equal(40, b.Minutes[0]));
        Assert.True(bars.SelectMany(b => b.Minutes).Max() < SampleReports.School.ExcessiveMinutesPerDay);
        Assert.Empty(report.People.SelectMany(p => p.ExcessiveDays));
        Assert.True(ReportRenderer.Render(report).ChartPng.Length > 2000);
    }

    [Fact]
    public void Render_LineManager_BreaksAndNonDirectedSitBesideDirectedTime()
    {
        var priya = ReportRenderer.Render(SampleReports.LineManagerReports().Single(r => r.Recipient.StaffId == "LM01"));
        var html = WebUtility.HtmlDecode(priya.Html);

        // Tom: breaks 15.25 + 20 = 35; non-directed 30 + outside 20 + 12.35 = 62.
        Assert.Contains(">In breaks</th>", html, StringComparison.Ordinal);
        Assert.Contains(">Other non-directed</th>", html, StringComparison.Ordinal);
        Assert.Contains("35 were in breaks and lunch and 62 at other non-directed times", html, StringComparison.Ordinal);
        Assert.Contains("35 were in breaks and lunch and 62 at other", OneLine(priya.Text), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(2026, 9, 7, 2026, 9, 13, "Weekly social-media summary for your team, Mon 7 Sep to Sun 13 Sep 2026", "weekly summary")]
    [InlineData(2026, 9, 1, 2026, 9, 30, "Monthly social-media summary for your team, September 2026", "monthly summary")]
    [InlineData(2026, 9, 8, 2026, 9, 10, "Social-media summary for your team, Tue 8 Sep to Thu 10 Sep 2026", "summary for Tuesday 8 September 2026 to Thursday 10 September 2026")]
    public void Render_LineManager_TitleAndWordingFollowThePeriod(int y1, int m1, int d1, int y2, int m2, int d2, string subject, string summaryName)
    {
        var period = new ReportPeriod(new DateOnly(y1, m1, d1), new DateOnly(y2, m2, d2));
        var report = ReportBuilder.BuildLineManagerReports(SampleReports.School, period, SampleReports.Staff, SampleReports.Usage, SampleReports.PreviousUsage, SampleReports.GeneratedUtc)
            .Single(r => r.Recipient.StaffId == "LM01");
        var rendered = ReportRenderer.Render(report);

        Assert.Equal(subject, rendered.Subject);
        Assert.Contains("This is the " + summaryName, OneLine(rendered.Text), StringComparison.Ordinal);
        Assert.Contains("previous " + period.Noun, WebUtility.HtmlDecode(rendered.Html), StringComparison.Ordinal);
        var other = period.Kind == ReportPeriodKind.Week ? "month" : "week";
        Assert.DoesNotContain($"previous {other}", rendered.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(period.Kind == ReportPeriodKind.Week ? "onthly" : "eekly", rendered.Text + rendered.Html, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_Headteacher_HasItsOwnTitleAndClosing()
    {
        var week = ReportBuilder.BuildHeadteacherReport(SampleReports.School, SampleReports.School.Headteacher!, SampleReports.Week, SampleReports.Staff, SampleReports.Usage, SampleReports.PreviousUsage, SampleReports.Anonymous, SampleReports.Coverage, SampleReports.GeneratedUtc);
        var weekly = ReportRenderer.Render(week);
        var monthly = ReportRenderer.Render(SampleReports.HeadteacherReport());
        var lineManager = ReportRenderer.Render(SampleReports.LineManagerReports()[0]);

        Assert.Equal("Weekly social-media summary for Coppice Primary School, Mon 7 Sep to Sun 13 Sep 2026", weekly.Subject);
        Assert.Equal("Monthly social-media summary for Coppice Primary School, September 2026", monthly.Subject);
        Assert.Contains(ReportReading.HeadteacherClosingHeading, monthly.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(ReportReading.RaisingConcernHeading, monthly.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("about your team", monthly.Text, StringComparison.Ordinal);
        Assert.Contains(ReportReading.RaisingConcernHeading, lineManager.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(ReportReading.HeadteacherClosingHeading, lineManager.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Headteacher_AttentionList_SortedBySeverityAndOnlyAboveThreshold()
    {
        // Raj: 45 directed. Tom: 15 directed + 15 over the limit on Tuesday = 30. Amy: nothing of concern.
        var report = SampleReports.HeadteacherReport();
        Assert.Equal(["T003", "T001"], report.Flagged.Select(f => f.StaffId));

        // A threshold of 20 directed minutes: Tom stays (he was over the daily limit), and the order holds.
        var strict = ReportBuilder.BuildHeadteacherReport(SampleReports.School, SampleReports.School.Headteacher!, SampleReports.Week, SampleReports.Staff, SampleReports.Usage, SampleReports.PreviousUsage, SampleReports.Anonymous, SampleReports.Coverage, SampleReports.GeneratedUtc, attentionDirectedMinutes: 20);
        Assert.Equal(["T003", "T001"], strict.Flagged.Select(f => f.StaffId));

        // Only directed use, under the threshold, and no day over the limit: not named.
        IReadOnlyList<StaffDailyUsage> small = [new("T002", "X", "SocialMedia", new DateOnly(2026, 9, 8), 12, 12, 0, 0, 0, 0, 0)];
        Assert.Empty(ReportBuilder.BuildHeadteacherReport(SampleReports.School, SampleReports.School.Headteacher!, SampleReports.Week, SampleReports.Staff, small, [], [], SampleReports.Coverage, SampleReports.GeneratedUtc, attentionDirectedMinutes: 20).Flagged);
        Assert.Single(ReportBuilder.BuildHeadteacherReport(SampleReports.School, SampleReports.School.Headteacher!, SampleReports.Week, SampleReports.Staff, small, [], [], SampleReports.Coverage, SampleReports.GeneratedUtc, attentionDirectedMinutes: 10).Flagged);

        // A fraction of a minute in directed time shows as 0 and never names anyone.
        IReadOnlyList<StaffDailyUsage> blip = [new("T002", "X", "SocialMedia", new DateOnly(2026, 9, 8), 0.3, 0.3, 0, 0, 0, 0, 0)];
        Assert.Empty(ReportBuilder.BuildHeadteacherReport(SampleReports.School, SampleReports.School.Headteacher!, SampleReports.Week, SampleReports.Staff, blip, [], [], SampleReports.Coverage, SampleReports.GeneratedUtc).Flagged);
    }

    private static string OneLine(string text) => Whitespace().Replace(text, " ");

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"(?<![\w.])[+\u2212]\d")]
    private static partial Regex SignedFigure();

    [GeneratedRegex(@"(?<![\d.])\d+\.\d+(?![\d.])")]
    private static partial Regex DecimalFigure();

    [GeneratedRegex(@"\d+(\.\d+)+(?=\))|section \d+(\.\d+)*|\d+\.\d%|\b(8\.6\.2|9\.1|10\.[234])\b")]
    private static partial Regex SectionOrPercent();
}
