using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using Quartz;

namespace CoppiceMonitor.Service.Jobs;

/// <summary>
/// Quartz schedules (configuration section "Scheduling"). Cron expressions are Quartz's six/seven-field form
/// (seconds first) and are read in <see cref="TimeZone"/>, so 07:00 stays 07:00 across the clock changes.
/// </summary>
public sealed class SchedulingOptions
{
    public const string SectionName = "Scheduling";

    /// <summary>Run the scheduler in this instance. Every instance may: the clustered store fires each job once.</summary>
    public bool Enabled { get; set; } = true;

    [Required]
    public string TimeZone { get; set; } = "Europe/London";

    /// <summary>Weekly line-manager reports for the previous Monday to Sunday: Monday 07:00.</summary>
    [Required]
    public string WeeklyLineManagerCron { get; set; } = "0 0 7 ? * MON";

    /// <summary>Headteacher summary for the previous calendar month: 07:00 on the 1st.</summary>
    [Required]
    public string MonthlyHeadteacherCron { get; set; } = "0 0 7 1 * ?";

    /// <summary>Retention purge (policy 10.4): daily 02:30.</summary>
    [Required]
    public string RetentionPurgeCron { get; set; } = "0 30 2 * * ?";

    /// <summary>Day partitions ahead and default-partition stragglers: daily 01:15.</summary>
    [Required]
    public string PartitionMaintenanceCron { get; set; } = "0 15 1 * * ?";

    /// <summary>Days of partitions created ahead by the partition maintenance job.</summary>
    [Range(1, 60)]
    public int PartitionHorizonDays { get; set; } = 7;

    /// <summary>Name shared by every instance of the cluster (rows in qrtz_* are keyed by it).</summary>
    [Required]
    public string SchedulerName { get; set; } = "CoppiceMonitor";

    /// <summary>This instance's id in the cluster; empty: generated (host name and time).</summary>
    public string? InstanceId { get; set; }

    /// <summary>How often instances check in; a dead instance's jobs are recovered after a few missed check-ins.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan ClusterCheckinInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How late a firing may be before it counts as missed (and then runs once at start).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan MisfireThreshold { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Prefix of Quartz's tables. Storage's migration creates them from the script embedded in the Quartz assembly
    /// we run, with the prefix "qrtz_", so the layout always matches this Quartz version.
    /// </summary>
    [Required]
    [RegularExpression("^[A-Za-z_][A-Za-z0-9_]*$")]
    public string TablePrefix { get; set; } = "qrtz_";

    /// <summary>Let Quartz create missing tables at start (needs CREATE on the schema); false (default): only validate the migration's tables.</summary>
    public bool ProvisionSchema { get; set; }

    /// <summary>Jobs run at once per instance.</summary>
    [Range(1, 10)]
    public int MaxConcurrency { get; set; } = 2;
}

/// <summary>Checks the cron expressions parse and the zone exists, at start rather than at first firing.</summary>
public sealed class SchedulingOptionsValidator : IValidateOptions<SchedulingOptions>
{
    public ValidateOptionsResult Validate(string? name, SchedulingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        foreach (var (key, cron) in new[]
                 {
                     (nameof(SchedulingOptions.WeeklyLineManagerCron), options.WeeklyLineManagerCron),
                     (nameof(SchedulingOptions.MonthlyHeadteacherCron), options.MonthlyHeadteacherCron),
                     (nameof(SchedulingOptions.RetentionPurgeCron), options.RetentionPurgeCron),
                     (nameof(SchedulingOptions.PartitionMaintenanceCron), options.PartitionMaintenanceCron),
                 })
        {
            if (string.IsNullOrWhiteSpace(cron) || !CronExpression.TryParse(cron, out _))
            {
                failures.Add($"{SchedulingOptions.SectionName}:{key} '{cron}' is not a valid Quartz cron expression (seconds minutes hours day-of-month month day-of-week).");
            }
        }

        if (!TimeZoneInfo.TryFindSystemTimeZoneById(options.TimeZone, out _))
        {
            failures.Add($"{SchedulingOptions.SectionName}:TimeZone '{options.TimeZone}' is not a known time zone.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
