using System.Collections.Concurrent;
using System.Globalization;
using CoppiceMonitor.Reports;
using CoppiceMonitor.Service.Jobs;
using CoppiceMonitor.Storage;
using CoppiceMonitor.Reports.Tests.Delivery;
using CoppiceMonitor.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Quartz;
using SchedulingOptions = CoppiceMonitor.Service.Jobs.SchedulingOptions;

namespace CoppiceMonitor.Service.Tests.Jobs;

public sealed class SchedulingTests(PostgresCluster cluster) : IClassFixture<PostgresCluster>
{
    private const string Never = "0 0 0 1 1 ? 2099";

    [Fact]
    public async Task AddCoppiceScheduling_TwoSchedulersOnOneDatabase_FireOneReportPerManagerBetweenThem()
    {
        await using var db = await ReportFixture.CreateAsync(cluster);
        await using var sink = await SmtpSink.StartNewAsync();
        var london = TimeZoneInfo.FindSystemTimeZoneById("Europe/London");

        // Fire the weekly job at a London time far enough ahead for both nodes to start (the first creates Quartz's
        // tables); daily, so a slow start cannot make it a trigger that never fires.
        var at = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow.AddSeconds(25), london);
        var cron = string.Create(CultureInfo.InvariantCulture, $"{at.Second} {at.Minute} {at.Hour} * * ?");
        var executions = new ConcurrentBag<string>();

        await using var first = await StartNodeAsync(db, sink, "node-a", cron, executions);
        await using var second = await StartNodeAsync(db, sink, "node-b", cron, executions);

        await sink.WaitForMessagesAsync(3, TimeSpan.FromSeconds(90));
        await WaitAsync(() => !executions.IsEmpty, TimeSpan.FromSeconds(30));
        await Task.Delay(TimeSpan.FromSeconds(3));

        Assert.Equal(3, sink.Count);
        Assert.Single(executions);
        Assert.Equal(
            ["dan.okafor@coppice.test", "head@coppice.test", "priya.shah@coppice.test"],
            sink.Received.Select(r => r.EnvelopeTo[0]).Order(StringComparer.Ordinal));

        // The weekly job reports the Monday-to-Sunday week before its scheduled firing.
        var expected = ReportPeriod.PreviousWeek(DateOnly.FromDateTime(at.DateTime));
        Assert.Equal(3L, await db.ScalarAsync<long>(string.Create(CultureInfo.InvariantCulture,
            $"SELECT count(*) FROM report_runs WHERE status = 'sent' AND period_start = '{expected.From:yyyy-MM-dd}'")));
    }

    [Fact]
    public async Task AddCoppiceScheduling_FiringMissedWhileDown_RunsOnceAtNextStart()
    {
        await using var db = await ReportFixture.CreateAsync(cluster);
        await using var sink = await SmtpSink.StartNewAsync();
        var london = TimeZoneInfo.FindSystemTimeZoneById("Europe/London");
        var executions = new ConcurrentBag<string>();

        // The only instance stores the schedule and stops before the firing is due.
        var at = DateTimeOffset.UtcNow.AddSeconds(20);
        var local = TimeZoneInfo.ConvertTime(at, london);
        var cron = string.Create(CultureInfo.InvariantCulture, $"{local.Second} {local.Minute} {local.Hour} * * ?");
        await (await StartNodeAsync(db, sink, "node-a", cron, executions)).DisposeAsync();
        Assert.True(DateTimeOffset.UtcNow < at, "the first node took too long to start and stop; the firing was not missed");

        // Down through the firing time and past the misfire threshold (1 s in this test).
        var downFor = at - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(3);
        await Task.Delay(downFor);
        await using var restarted = await StartNodeAsync(db, sink, "node-b", cron, executions);

        await sink.WaitForMessagesAsync(3, TimeSpan.FromSeconds(60));
        await WaitAsync(() => !executions.IsEmpty, TimeSpan.FromSeconds(30));
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(3, sink.Count);
        Assert.Equal(["node-b"], executions);
        var expected = ReportPeriod.PreviousWeek(DateOnly.FromDateTime(local.DateTime));
        Assert.Equal(3L, await db.ScalarAsync<long>(string.Create(CultureInfo.InvariantCulture,
            $"SELECT count(*) FROM report_runs WHERE status = 'sent' AND period_start = '{expected.From:yyyy-MM-dd}'")));
    }

    [Fact]
    public void SchedulingOptionsValidator_BadCronAndZone_Fail()
    {
        var result = new SchedulingOptionsValidator().Validate(null, new SchedulingOptions { WeeklyLineManagerCron = "every monday", TimeZone = "Mars/Olympus" });

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.Contains("WeeklyLineManagerCron", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.Contains("Mars/Olympus", StringComparison.Ordinal));
        Assert.True(new SchedulingOptionsValidator().Validate(null, new SchedulingOptions()).Succeeded);
    }

    private static async Task<Node> StartNodeAsync(ReportFixture db, SmtpSink sink, string instanceId, string weeklyCron, ConcurrentBag<string> executions)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Coppice"] = db.ConnectionString,
            ["Schools:0:Id"] = ReportFixture.SchoolId,
            ["Reports:ArchiveFolder"] = db.ArchiveFolder,
            ["Reports:Smtp:Host"] = sink.Host,
            ["Reports:Smtp:Port"] = sink.Port.ToString(CultureInfo.InvariantCulture),
            ["Reports:Smtp:Security"] = "None",
            ["Reports:Smtp:FromAddress"] = "reports@coppice.test",
            ["Scheduling:InstanceId"] = instanceId,
            ["Scheduling:ClusterCheckinInterval"] = "00:00:02",
            ["Scheduling:MisfireThreshold"] = "00:00:01",
            ["Scheduling:WeeklyLineManagerCron"] = weeklyCron,
            ["Scheduling:MonthlyHeadteacherCron"] = Never,
            ["Scheduling:RetentionPurgeCron"] = Never,
            ["Scheduling:PartitionMaintenanceCron"] = Never,
        });
        builder.Services.AddLogging();
        builder.Services.AddCoppiceStorage(builder.Configuration);
        builder.Services.AddCoppiceReports(builder.Configuration);
        builder.Services.AddCoppiceScheduling(builder.Configuration);
        builder.Services.AddQuartz(q => q.AddJobListener(new CountingListener(instanceId, executions)));
        var host = builder.Build();
        await host.StartAsync();
        return new Node(host);
    }

    private static async Task WaitAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached in time");
            await Task.Delay(100);
        }
    }

    private sealed class Node(IHost host) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await host.StopAsync();
            host.Dispose();
        }
    }

    private sealed class CountingListener(string node, ConcurrentBag<string> executions) : IJobListener
    {
        public string Name => "counting-" + node;

        public ValueTask JobToBeExecuted(IJobExecutionContext context, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public ValueTask JobExecutionVetoed(IJobExecutionContext context, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public ValueTask JobWasExecuted(IJobExecutionContext context, JobExecutionException? jobException, CancellationToken cancellationToken = default)
        {
            if (context.JobDetail.Key.Name == SchedulingServiceCollectionExtensions.WeeklyLineManagerKey)
            {
                executions.Add(node + (jobException is null ? string.Empty : ": " + jobException.Message));
            }

            return ValueTask.CompletedTask;
        }
    }
}
