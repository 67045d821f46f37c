using CoppiceMonitor.Reports;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quartz;

namespace CoppiceMonitor.Service.Jobs;

/// <summary>
/// Weekly line-manager reports for the Monday-to-Sunday week before the scheduled firing. The period comes from the
/// scheduled (not actual) fire time, so a firing missed while the service was down and run at start still reports
/// the week it was meant for.
/// </summary>
[DisallowConcurrentExecution]
public sealed class WeeklyLineManagerReportJob(ReportRunner runner, IOptions<SchedulingOptions> options, ILogger<WeeklyLineManagerReportJob> logger) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var period = ReportPeriod.PreviousWeek(JobTime.LocalDate(context.ScheduledFireTimeUtc ?? context.FireTimeUtc, options.Value.TimeZone));
        Log.JobStarted(logger, nameof(WeeklyLineManagerReportJob), period.ToString());
        var results = await runner.RunLineManagerReportsAsync(period, cancellationToken).ConfigureAwait(false);
        context.Result = results;
        Log.JobFinished(logger, nameof(WeeklyLineManagerReportJob), JobTime.Summary(results));
    }
}

/// <summary>The headteacher's summary of the calendar month before the scheduled firing.</summary>
[DisallowConcurrentExecution]
public sealed class MonthlyHeadteacherReportJob(ReportRunner runner, IOptions<SchedulingOptions> options, ILogger<MonthlyHeadteacherReportJob> logger) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var period = ReportPeriod.PreviousMonth(JobTime.LocalDate(context.ScheduledFireTimeUtc ?? context.FireTimeUtc, options.Value.TimeZone));
        Log.JobStarted(logger, nameof(MonthlyHeadteacherReportJob), period.ToString());
        var results = await runner.RunHeadteacherReportsAsync(period, cancellationToken).ConfigureAwait(false);
        context.Result = results;
        Log.JobFinished(logger, nameof(MonthlyHeadteacherReportJob), JobTime.Summary(results));
    }
}

internal static class JobTime
{
    public static DateOnly LocalDate(DateTimeOffset instant, string timeZone) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, TimeZoneInfo.FindSystemTimeZoneById(timeZone)).DateTime);

    public static string Summary(IReadOnlyList<ReportDeliveryResult> results) =>
        string.Join(", ", results.GroupBy(r => r.Outcome).Select(g => $"{g.Count()} {g.Key}"));
}
