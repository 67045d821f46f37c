using CoppiceMonitor.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Quartz;

namespace CoppiceMonitor.Service.Jobs;

public static class SchedulingServiceCollectionExtensions
{
    public const string WeeklyLineManagerKey = "weekly-line-manager-reports";
    public const string MonthlyHeadteacherKey = "monthly-headteacher-report";
    public const string RetentionPurgeKey = "retention-purge";
    public const string PartitionMaintenanceKey = "partition-maintenance";

    /// <summary>
    /// Quartz with the persistent ADO.NET job store on the product's PostgreSQL database (tables
    /// <see cref="SchedulingOptions.TablePrefix"/>*, created by the migration), clustered so any number of instances
    /// share the jobs and each firing runs once, the System.Text.Json serializer, and the four jobs on the cron
    /// schedules of <see cref="SchedulingOptions"/>. A firing missed while every instance was down runs once when the
    /// first one starts (misfire: fire once now). The jobs call Storage and Reports through their public objects, so
    /// the host registers those first (AddCoppiceStorage, AddCoppiceReports); Quartz's own tables use the reporting
    /// role's connections, while the purge and partition maintenance use Storage's admin (owner) ones.
    /// </summary>
    public static IServiceCollection AddCoppiceScheduling(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<SchedulingOptions>().Bind(configuration.GetSection(SchedulingOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SchedulingOptions>, SchedulingOptionsValidator>());

        // Quartz reads its schedule while the container is being built, so the values are bound here as well;
        // the validator above rejects the same bad values at start.
        var schedule = configuration.GetSection(SchedulingOptions.SectionName).Get<SchedulingOptions>() ?? new SchedulingOptions();
        if (!schedule.Enabled)
        {
            return services;
        }

        var zone = TimeZoneInfo.FindSystemTimeZoneById(schedule.TimeZone);

        // Replacing the declared triggers at every start keeps configuration changes effective; taking over the
        // replaced trigger's last fire time is what lets a firing missed while down be noticed as a misfire.
        services.Configure<QuartzOptions>(o =>
        {
            o.Scheduling.OverwriteExistingData = true;
            o.Scheduling.ScheduleTriggerRelativeToReplacedTrigger = true;
        });

        services.AddQuartz(q =>
        {
            q.ConfigureScheduler(s =>
            {
                s.InstanceName = schedule.SchedulerName;
                if (!string.IsNullOrWhiteSpace(schedule.InstanceId))
                {
                    s.InstanceId = schedule.InstanceId;
                }
            });
            q.UseDefaultThreadPool(schedule.MaxConcurrency);
            q.UsePersistentStore(store =>
            {
                store.UsePostgres(ds =>
                {
                    ds.Provider = DataSourceOptions.Providers.Npgsql;
                    ds.DataSourceFactory = sp => sp.GetRequiredService<CoppiceDataSources>().Reporting;
                });
                store.UseClustering(c => c.CheckinInterval = schedule.ClusterCheckinInterval);
                store.UseSystemTextJsonSerializer();
                store.ConfigureStore(o =>
                {
                    o.MisfireThreshold = schedule.MisfireThreshold;
                    o.TablePrefix = schedule.TablePrefix;
                    o.SchemaProvisioning = schedule.ProvisionSchema ? SchemaProvisioning.CreateIfMissing : SchemaProvisioning.Validate;
                });
            });

            Schedule<WeeklyLineManagerReportJob>(q, WeeklyLineManagerKey, schedule.WeeklyLineManagerCron, zone);
            Schedule<MonthlyHeadteacherReportJob>(q, MonthlyHeadteacherKey, schedule.MonthlyHeadteacherCron, zone);
            Schedule<RetentionPurgeJob>(q, RetentionPurgeKey, schedule.RetentionPurgeCron, zone);
            Schedule<PartitionMaintenanceJob>(q, PartitionMaintenanceKey, schedule.PartitionMaintenanceCron, zone);
        });
        services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);
        return services;
    }

    private static void Schedule<TJob>(IQuartzBuilder quartz, string key, string cron, TimeZoneInfo zone)
        where TJob : class, IJob =>
        quartz.ScheduleJob<TJob>(
            trigger => trigger
                .WithIdentity(key)
                .WithCronSchedule(cron, c => c.InTimeZone(zone).WithMisfireInstruction(CronTriggerMisfireInstruction.FireAndProceed)),
            job => job.WithIdentity(key).StoreDurably().RequestRecovery());
}
