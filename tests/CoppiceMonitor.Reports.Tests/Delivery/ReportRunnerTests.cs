using CoppiceMonitor.Storage.Reporting;
using System.Text;
using CoppiceMonitor.Reports.Delivery;
using CoppiceMonitor.Reports.Rendering;
using CoppiceMonitor.Testing;
using Microsoft.Extensions.Time.Testing;
using MimeKit;

namespace CoppiceMonitor.Reports.Tests.Delivery;

public sealed class ReportRunnerTests(PostgresCluster cluster) : IClassFixture<PostgresCluster>
{
    private static readonly ReportPeriod Week = new(new DateOnly(2026, 9, 7), new DateOnly(2026, 9, 13));
    private static readonly DateTimeOffset Monday = new(2026, 9, 14, 6, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task RunLineManagerReportsAsync_RealSmtp_OneMessagePerManagerWithOwnStaffCsvAndInlineChart()
    {
        await using var db = await ReportFixture.CreateAsync(cluster);
        await using var sink = await SmtpSink.StartNewAsync();
        var runner = db.CreateRunner(sink, new FakeTimeProvider(Monday));

        var results = await runner.RunLineManagerReportsAsync(Week, CancellationToken.None);

        Assert.All(results, r => Assert.Equal(ReportDeliveryOutcome.Sent, r.Outcome));
        await sink.WaitForMessagesAsync(3, TimeSpan.FromSeconds(10));
        var received = sink.Received;
        Assert.Equal(3, received.Count);
        Assert.Equal(
            ["dan.okafor@coppice.test", "head@coppice.test", "priya.shah@coppice.test"],
            received.Select(r => Assert.Single(r.EnvelopeTo)).Order(StringComparer.Ordinal));

        var priya = received.Single(r => r.EnvelopeTo[0] == "priya.shah@coppice.test").Message;
        Assert.Equal("reports@coppice.test", priya.From.Mailboxes.Single().Address);
        var csv = CsvOf(priya);
        Assert.StartsWith(CsvReportWriter.Header, csv, StringComparison.Ordinal);
        Assert.Contains("T001,Tom O'Brien,Facebook,2026-09-07,25,10,15,0,0,0", csv);
        Assert.Contains("T001,Tom O'Brien,TikTok,2026-09-08,70,0,0,0,70,0", csv);   // 23:30 UTC is Tuesday in London
        Assert.Contains("T002,Amy Lee,X,2026-09-10,30,0,0,30,0,30", csv);
        Assert.DoesNotContain("T003", csv);
        Assert.DoesNotContain("Raj Patel", priya.HtmlBody);
        Assert.DoesNotContain("mind-health-support", priya.HtmlBody);
        Assert.DoesNotContain("mind-health-support", csv);
        Assert.Contains("Tom O&#39;Brien", priya.HtmlBody);
        Assert.Contains("Amy Lee", priya.TextBody);

        var chart = priya.BodyParts.OfType<MimePart>().Single(p => p.ContentType.MimeType == "image/png");
        Assert.Equal(RenderedReport.ChartContentId, chart.ContentId);
        Assert.False(chart.IsAttachment);
        Assert.Contains("cid:" + RenderedReport.ChartContentId, priya.HtmlBody);

        var dan = received.Single(r => r.EnvelopeTo[0] == "dan.okafor@coppice.test").Message;
        Assert.Contains("Raj Patel", dan.TextBody);
        Assert.DoesNotContain("Tom O", dan.TextBody);
        Assert.DoesNotContain("bbc.co.uk", CsvOf(dan));
        Assert.Equal(3L, await db.ScalarAsync<long>("SELECT count(*) FROM report_runs WHERE status = 'sent' AND message_id IS NOT NULL"));
        Assert.True(File.Exists(Path.Combine(results[0].ArchiveFolder!, "report.html")));
        Assert.True(File.Exists(Path.Combine(results[0].ArchiveFolder!, "message.eml")));
    }

    [Fact]
    public async Task RunLineManagerReportsAsync_RunTwice_SendsEachReportOnce()
    {
        await using var db = await ReportFixture.CreateAsync(cluster);
        await using var sink = await SmtpSink.StartNewAsync();
        var runner = db.CreateRunner(sink, new FakeTimeProvider(Monday));

        await runner.RunLineManagerReportsAsync(Week, CancellationToken.None);
        var second = await runner.RunLineManagerReportsAsync(Week, CancellationToken.None);

        Assert.All(second, r => Assert.Equal(ReportDeliveryOutcome.AlreadyDone, r.Outcome));
        await Task.Delay(200);
        Assert.Equal(3, sink.Count);
        Assert.Equal(3, sink.Messages.Select(m => m.MessageId).Distinct().Count());
    }

    [Fact]
    public async Task RunLineManagerReportsAsync_TwoInstancesAtOnce_SendEachReportOnce()
    {
        await using var db = await ReportFixture.CreateAsync(cluster);
        await using var sink = await SmtpSink.StartNewAsync();
        var time = new FakeTimeProvider(Monday);
        var first = db.CreateRunner(sink, time);
        var second = db.CreateRunner(sink, time);

        var both = await Task.WhenAll(
            Task.Run(() => first.RunLineManagerReportsAsync(Week, CancellationToken.None)),
            Task.Run(() => second.RunLineManagerReportsAsync(Week, CancellationToken.None)));

        await sink.WaitForMessagesAsync(3, TimeSpan.FromSeconds(10));
        await Task.Delay(200);
        Assert.Equal(3, sink.Count);
        Assert.Equal(3, both.SelectMany(r => r).Count(r => r.Outcome == ReportDeliveryOutcome.Sent));
    }

    [Fact]
    public async Task RunLineManagerReportsAsync_SmtpDownThenUp_RetriesWithBackoffAndDeliversOnce()
    {
        await using var db = await ReportFixture.CreateAsync(cluster);
        await using var sink = await SmtpSink.StartNewAsync();
        var time = new FakeTimeProvider(Monday);
        var runner = db.CreateRunner(sink, time);
        await sink.StopAsync();

        var run = runner.RunLineManagerReportsAsync(Week, CancellationToken.None);
        await WaitUntilAsync(() => db.ScalarAsync<long>("SELECT count(*) FROM report_runs WHERE attempts >= 1 AND status = 'sending'"), 1);
        var error = await db.ScalarAsync<string>("SELECT error FROM report_runs WHERE attempts >= 1 LIMIT 1");
        Assert.Contains("SocketException", error, StringComparison.Ordinal);
        await sink.StartAsync();
        while (!run.IsCompleted)
        {
            // The first retry waits RetryInitialDelay (1 minute of fake time).
            time.Advance(TimeSpan.FromMinutes(1));
            await Task.WhenAny(run, Task.Delay(50));
        }

        var results = await run;
        Assert.All(results, r => Assert.Equal(ReportDeliveryOutcome.Sent, r.Outcome));
        Assert.Equal(2, results[0].Attempts);
        await sink.WaitForMessagesAsync(3, TimeSpan.FromSeconds(10));
        Assert.Equal(3, sink.Count);
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM report_runs WHERE status <> 'sent'"));
    }

    [Fact]
    public async Task RunLineManagerReportsAsync_SmtpDownThroughAllAttempts_RecordsFailedAndNextRunSends()
    {
        await using var db = await ReportFixture.CreateAsync(cluster);
        await using var sink = await SmtpSink.StartNewAsync();
        var time = new FakeTimeProvider(Monday);
        var runner = db.CreateRunner(sink, time, o => o.SendAttempts = 2);
        await sink.StopAsync();

        var run = runner.RunLineManagerReportsAsync(Week, CancellationToken.None);
        while (!run.IsCompleted)
        {
            time.Advance(TimeSpan.FromMinutes(1));
            await Task.WhenAny(run, Task.Delay(50));
        }

        var failed = await run;
        Assert.All(failed, r => Assert.Equal(ReportDeliveryOutcome.Failed, r.Outcome));
        var store = new ReportRunStore(new ReportRunTable(db.Database, time));
        var visible = await store.GetFailedAsync(CancellationToken.None);
        Assert.Equal(3, visible.Count);
        Assert.All(visible, r => Assert.Equal(2, r.Attempts));

        await sink.StartAsync();
        var retried = await runner.RunLineManagerReportsAsync(Week, CancellationToken.None);

        Assert.All(retried, r => Assert.Equal(ReportDeliveryOutcome.Sent, r.Outcome));
        await sink.WaitForMessagesAsync(3, TimeSpan.FromSeconds(10));
        Assert.Empty(await store.GetFailedAsync(CancellationToken.None));
    }

    [Fact]
    public async Task RunLineManagerReportsAsync_FolderDelivery_ArchivesWithoutMail()
    {
        await using var db = await ReportFixture.CreateAsync(cluster);
        await using var sink = await SmtpSink.StartNewAsync();
        var runner = db.CreateRunner(sink, new FakeTimeProvider(Monday), o => o.Delivery = ReportDeliveryMode.Folder);

        var results = await runner.RunLineManagerReportsAsync(Week, CancellationToken.None);

        Assert.All(results, r => Assert.Equal(ReportDeliveryOutcome.Archived, r.Outcome));
        foreach (var result in results)
        {
            foreach (var file in new[] { "report.html", "report.txt", "usage.csv", "chart.png", "message.eml" })
            {
                Assert.True(File.Exists(Path.Combine(result.ArchiveFolder!, file)), $"{file} missing in {result.ArchiveFolder}");
            }
        }

        await Task.Delay(200);
        Assert.Equal(0, sink.Count);
        Assert.Equal(3L, await db.ScalarAsync<long>("SELECT count(*) FROM report_runs WHERE status = 'archived'"));
    }

    [Fact]
    public async Task DryRun_BothKindsIntoOneFolder_OneFolderPerReportNothingOverwritten()
    {
        // Helen is the headteacher and line-manages Priya and Dan: she gets a team report and the school summary.
        await using var db = await ReportFixture.CreateAsync(cluster);
        await using var sink = await SmtpSink.StartNewAsync();
        var runner = db.CreateRunner(sink, new FakeTimeProvider(Monday));
        var output = Directory.CreateTempSubdirectory("coppice-out-");
        try
        {
            var request = new ReportRunRequest(DryRun: true, OutputFolder: output.FullName);
            var results = (await runner.RunLineManagerReportsAsync(Week, request, CancellationToken.None))
                .Concat(await runner.RunHeadteacherReportsAsync(Week, request, CancellationToken.None))
                .ToList();

            Assert.Equal(results.Count, output.GetDirectories().Length);
            var helen = output.GetDirectories().Where(d => d.Name.Contains("HT01", StringComparison.Ordinal)).ToList();
            Assert.Equal(2, helen.Count);
            var summary = Assert.Single(helen, d => d.Name.StartsWith("headteacher_", StringComparison.Ordinal));
            var team = Assert.Single(helen, d => d.Name.StartsWith("line-manager_", StringComparison.Ordinal));
            Assert.Contains(ReportReading.HeadteacherClosingHeading, await File.ReadAllTextAsync(Path.Combine(summary.FullName, "report.txt")), StringComparison.Ordinal);
            Assert.DoesNotContain(ReportReading.HeadteacherClosingHeading, await File.ReadAllTextAsync(Path.Combine(team.FullName, "report.txt")), StringComparison.Ordinal);
            Assert.All(output.GetDirectories(), d => Assert.True(File.Exists(Path.Combine(d.FullName, "message.eml")), d.Name));
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task RunLineManagerReportsAsync_DryRunWithOutputFolder_WritesFilesPerRecipientAndRecordsNothing()
    {
        await using var db = await ReportFixture.CreateAsync(cluster);
        await using var sink = await SmtpSink.StartNewAsync();
        var runner = db.CreateRunner(sink, new FakeTimeProvider(Monday));
        var output = Directory.CreateTempSubdirectory("coppice-out-");
        try
        {
            var results = await runner.RunLineManagerReportsAsync(Week, new ReportRunRequest(DryRun: true, OutputFolder: output.FullName), CancellationToken.None);

            Assert.All(results, r => Assert.Equal(ReportDeliveryOutcome.DryRun, r.Outcome));
            Assert.Equal(3, output.GetDirectories().Length);
            Assert.Contains(output.GetDirectories(), d => d.Name.Contains("priya.shah@coppice.test", StringComparison.Ordinal));
            await Task.Delay(200);
            Assert.Equal(0, sink.Count);
            Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM report_runs"));
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task RunHeadteacherReportsAsync_RealSmtp_SendsSummaryWithAnonymousTotalsAndCoverage()
    {
        await using var db = await ReportFixture.CreateAsync(cluster);
        await using var sink = await SmtpSink.StartNewAsync();
        var runner = db.CreateRunner(sink, new FakeTimeProvider(Monday));

        var results = await runner.RunHeadteacherReportsAsync(Week, CancellationToken.None);

        Assert.Equal(ReportDeliveryOutcome.Sent, Assert.Single(results).Outcome);
        var message = await sink.WaitForMessagesAsync(1, TimeSpan.FromSeconds(10));
        Assert.Equal("head@coppice.test", message.To.Mailboxes.Single().Address);
        var text = message.TextBody!;
        Assert.Contains("Raj Patel", text);          // 45 directed minutes
        Assert.Contains("Tom O'Brien", text);        // 10 directed minutes, Tuesday 70 > 60
        Assert.DoesNotContain("Amy Lee", text);      // only work use
        Assert.Contains("TikTok", text);
        Assert.Contains("Pupil", text);
        Assert.Contains("DNS-over-HTTPS: 5 minutes", text.ReplaceLineEndings(" ").Replace("  ", " ", StringComparison.Ordinal));
        Assert.DoesNotContain("mind-health-support", message.HtmlBody);
    }

    private static string CsvOf(MimeMessage message)
    {
        var part = message.Attachments.OfType<MimePart>().Single(a => a.FileName == RenderedReport.CsvFileName);
        using var stream = new MemoryStream();
        part.Content!.DecodeTo(stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static async Task WaitUntilAsync(Func<Task<long>> probe, long atLeast)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (await probe() < atLeast)
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached in 20 s");
            await Task.Delay(50);
        }
    }
}
