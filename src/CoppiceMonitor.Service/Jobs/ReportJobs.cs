using CoppiceMonitor.Reports;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quartz;

namespace CoppiceMonitor.Service.Jobs;

/// <summary>
/// A scheduled report run. The period comes from the scheduled (not actual) fire time, in the scheduling zone, so a
/// firing missed while the service was down and run at start still reports the period it was meant for.
/// </summary>
public abstract class ReportJob(IOptions<SchedulingOptions> options, ILogger logger) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var fired = context.ScheduledFireTimeUtc ?? context.FireTimeUtc;
        var period = PeriodFor(DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(fired, TimeZoneInfo.FindSystemTimeZoneById(options.Value.TimeZone)).DateTime));
        var name = GetType().Name;
        Log.JobStarted(logger, name, period.ToString());
        var results = await RunAsync(period, cancellationToken).ConfigureAwait(false);
        context.Result = results;
        Log.JobFinished(logger, name, string.Join(", ", results.GroupBy(r => r.Outcome).Select(g => $"{g.Count()} {g.Key}")));
    }

    /// <summary>The period to report for a firing on <paramref name="localDate"/>.</summary>
    protected abstract ReportPeriod PeriodFor(DateOnly localDate);

    protected abstract Task<IReadOnlyList<ReportDeliveryResult>> RunAsync(ReportPeriod period, CancellationToken cancellationToken);
}

/// <summary>Weekly line-manager reports for the Monday-to-Sunday week before the scheduled firing.</summary>
[DisallowConcurrentExecution]
public sealed class WeeklyLineManagerReportJob(ReportRunner runner, IOptions<SchedulingOptions> options, ILogger<WeeklyLineManagerReportJob> logger)
    : ReportJob(options, logger)
{
    protected override ReportPeriod PeriodFor(DateOnly localDate) => ReportPeriod.PreviousWeek(localDate);

    protected override Task<IReadOnlyList<ReportDeliveryResult>> RunAsync(ReportPeriod period, CancellationToken cancellationToken) =>
        runner.RunLineManagerReportsAsync(period, cancellationToken);
}

/// <summary>The headteacher's summary of the calendar month before the scheduled firing.</summary>
[DisallowConcurrentExecution]
public sealed class MonthlyHeadteacherReportJob(ReportRunner runner, IOptions<SchedulingOptions> options, ILogger<MonthlyHeadteacherReportJob> logger)
    : ReportJob(options, logger)
{
    protected override ReportPeriod PeriodFor(DateOnly localDate) => ReportPeriod.PreviousMonth(localDate);

    protected override Task<IReadOnlyList<ReportDeliveryResult>> RunAsync(ReportPeriod period, CancellationToken cancellationToken) =>
        runner.RunHeadteacherReportsAsync(period, cancellationToken);
}
