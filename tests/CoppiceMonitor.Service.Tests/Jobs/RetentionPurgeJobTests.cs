using CoppiceMonitor.Reports;
using CoppiceMonitor.Reports.Delivery;
using CoppiceMonitor.Reports.Rendering;
using CoppiceMonitor.Reports.Tests;
using CoppiceMonitor.Service.Jobs;
using CoppiceMonitor.Storage;
using CoppiceMonitor.Storage.Retention;
using CoppiceMonitor.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Quartz;

namespace CoppiceMonitor.Service.Tests.Jobs;

/// <summary>
/// The nightly retention job as the service schedules it: Storage's purge and Reports' archive purge, composed by
/// AddCoppiceStorage, AddCoppiceReports and AddCoppiceScheduling, on a real PostgreSQL and a fake clock.
/// </summary>
public sealed class RetentionPurgeJobTests(PostgresCluster cluster) : IClassFixture<PostgresCluster>, IDisposable
{
    private static readonly DateTimeOffset Now = new(2027, 11, 20, 2, 30, 0, TimeSpan.Zero);
    private static readonly ReportPeriod Expired = new(new DateOnly(2026, 10, 9), new DateOnly(2026, 10, 15));
    private static readonly ReportPeriod Recent = new(new DateOnly(2027, 11, 8), new DateOnly(2027, 11, 14));

    private readonly string _archive = Directory.CreateTempSubdirectory("coppice-archive-purge-").FullName;

    public void Dispose() => Directory.Delete(_archive, recursive: true);

    [Fact]
    public async Task RetentionPurgeJob_NightlyFiring_PurgesDatabaseAndArchiveWithAnAuditEventEach()
    {
        var connectionString = await cluster.CreateDatabaseAsync("archive");
        var expired = await WriteReportAsync(Expired);
        var recent = await WriteReportAsync(Recent);
        var clock = new FakeTimeProvider(Now.AddSeconds(-5));
        var fired = new TaskCompletionSource<IJobExecutionContext>(TaskCreationOptions.RunContinuationsAsynchronously);

        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Coppice"] = connectionString,
            ["Reports:Delivery"] = "Folder",
            ["Reports:ArchiveFolder"] = _archive,
            ["Scheduling:InstanceId"] = "purge-test",
            ["Scheduling:TimeZone"] = "UTC",
            ["Scheduling:RetentionPurgeCron"] = "0 30 2 * * ?",
        });
        builder.Services.AddLogging();
        builder.Services.AddSingleton<TimeProvider>(clock);
        builder.Services.AddCoppiceStorage(builder.Configuration);
        builder.Services.AddCoppiceReports(builder.Configuration);
        builder.Services.AddCoppiceScheduling(builder.Configuration);
        builder.Services.AddQuartz(q => q.AddJobListener(new FiredListener(SchedulingServiceCollectionExtensions.RetentionPurgeKey, fired)));
        using (var host = builder.Build())
        {
            await host.StartAsync();
            try
            {
                var deadline = DateTime.UtcNow.AddSeconds(60);
                while (!fired.Task.IsCompleted)
                {
                    Assert.True(DateTime.UtcNow < deadline, "the retention purge job did not fire");
                    if (clock.GetUtcNow() < Now.AddSeconds(30))
                    {
                        clock.Advance(TimeSpan.FromSeconds(1));
                    }

                    await Task.WhenAny(fired.Task, Task.Delay(200));
                }
            }
            finally
            {
                await host.StopAsync();
            }
        }

        var result = Assert.IsType<RetentionPurgeJobResult>((await fired.Task).Result);
        Assert.NotNull(result.Database);
        Assert.Equal(5, result.Archive.FilesDeleted);
        Assert.False(Directory.Exists(expired));
        Assert.Equal(5, Directory.GetFiles(recent).Length);
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand("SELECT action FROM audit_events WHERE actor = 'scheduler' ORDER BY id");
        var actions = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                actions.Add(reader.GetString(0));
            }
        }

        Assert.Equal([AuditActions.Purge, ReportArchivePurger.AuditAction], actions);
    }

    /// <summary>A real archived line-manager report (html, txt, csv, chart, eml) for the period; returns its folder.</summary>
    private async Task<string> WriteReportAsync(ReportPeriod period, string schoolId = "coppice-primary")
    {
        var rendered = ReportRenderer.Render(SampleReports.LineManagerReports().Single(r => r.Recipient.StaffId == "LM01")) with
        {
            Period = period,
            SchoolId = schoolId,
        };
        var folder = ReportArchive.FolderFor(_archive, rendered);
        var message = ReportMessageFactory.Create(rendered, new MimeKit.MailboxAddress("CoppiceMonitor", "reports@coppice.test"), "<id@coppice.test>");
        await ReportArchive.WriteAsync(folder, rendered, message, CancellationToken.None);
        Assert.Equal(5, Directory.GetFiles(folder).Length);
        return folder;
    }

    private sealed class FiredListener(string jobName, TaskCompletionSource<IJobExecutionContext> fired) : IJobListener
    {
        public string Name => "fired-" + jobName;

        public ValueTask JobToBeExecuted(IJobExecutionContext context, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public ValueTask JobExecutionVetoed(IJobExecutionContext context, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public ValueTask JobWasExecuted(IJobExecutionContext context, JobExecutionException? jobException, CancellationToken cancellationToken = default)
        {
            if (context.JobDetail.Key.Name == jobName)
            {
                if (jobException is null)
                {
                    fired.TrySetResult(context);
                }
                else
                {
                    fired.TrySetException(jobException);
                }
            }

            return ValueTask.CompletedTask;
        }
    }
}
