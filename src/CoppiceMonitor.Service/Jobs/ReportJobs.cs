using CoppiceMonitor.Reports;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quartz;

namespace CoppiceMonitor.Service.Jobs;

/// <summary>
/// A scheduled report run. The period comes from the scheduled (not actual) fire time, in the scheduling zone, so a
/// firing missed while the service was down and run at start still reports the period it was meant for.
/// </summary>
public abstract class ReportJob(
    Func<DateOnly, ReportPeriod> periodFor,
    Func<ReportPeriod, CancellationToken, Task<IReadOnlyList<ReportDeliveryResult>>> run,
    IOptions<SchedulingOptions> options,
    ILogger logger) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var fired = context.ScheduledFireTimeUtc ?? context.FireTimeUtc;
        var period = periodFor(DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(fired, TimeZoneInfo.FindSystemTimeZoneById(options.Value.TimeZone)).DateTime));
        var name = GetType().Name;
        Log.JobStarted(logger, name, period.ToString());
        var results = await run(period, cancellationToken).ConfigureAwait(false);
        context.Result = results;
        Log.JobFinished(logger, name, string.Join(", ", results.GroupBy(r => r.Outcome).Select(g => $"{g.Count()} {g.Key}")));
    }
}

/// <summary>Weekly line-manager reports for the Monday-to-Sunday week before the scheduled firing.</summary>
[DisallowConcurrentExecution]
public sealed class WeeklyLineManagerReportJob(ReportRunner runner, IOptions<SchedulingOptions> options, ILogger<WeeklyLineManagerReportJob> logger)
    : ReportJob(ReportPeriod.PreviousWeek, runner.RunLineManagerReportsAsync, options, logger);

/// <summary>The headteacher's summary of the calendar month before the scheduled firing.</summary>
[DisallowConcurrentExecution]
public sealed class MonthlyHeadteacherReportJob(ReportRunner runner, IOptions<SchedulingOptions> options, ILogger<MonthlyHeadteacherReportJob> logger)
    : ReportJob(ReportPeriod.PreviousMonth, runner.RunHeadteacherReportsAsync, options, logger);
