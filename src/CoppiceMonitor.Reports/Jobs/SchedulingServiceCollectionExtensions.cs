using CoppiceMonitor.Storage;
using CoppiceMonitor.Storage.Retention;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Quartz;

namespace CoppiceMonitor.Reports.Jobs;

public static class SchedulingServiceCollectionExtensions
{
    public const string WeeklyLineManagerKey = "weekly-line-manager-reports";
    public const string MonthlyHeadteacherKey = "monthly-headteacher-report";
    public const string RetentionPurgeKey = "retention-purge";
    public const string PartitionMaintenanceKey = "partition-maintenance";

    /// <summary>DI key of the owner's data source used by the purge and partition maintenance when one is given.</summary>
    public const string OwnerDataSourceKey = "coppice-owner";

    /// <summary>
    /// Quartz with the persistent ADO.NET job store on the product's PostgreSQL database (tables
    /// <see cref="SchedulingOptions.TablePrefix"/>*, created by Quartz itself when missing), clustered so any number of instances share the jobs and each firing runs once, the
    /// System.Text.Json serializer, and the four jobs on the cron schedules of <see cref="SchedulingOptions"/>.
    /// A firing missed while every instance was down runs once when the first one starts (misfire: fire once now).
    /// Also registers the reports (<see cref="ReportsServiceCollectionExtensions.AddCoppiceReports"/>).
    /// </summary>
    public static IServiceCollection AddCoppiceScheduling(this IServiceCollection services, IConfiguration configuration, string? connectionString = null) =>
        services.AddCoppiceScheduling(configuration, connectionString is null ? null : _ => connectionString);

    /// <summary>
    /// As above, with the connection string from a factory run when the database is first needed; Quartz takes its
    /// connections from the same pooled data source as the reports. The purge and partition maintenance drop and
    /// create tables, so with <paramref name="ownerConnectionString"/> they use the owner's connections instead of
    /// the reports' (which may then be a least-privilege reporting login).
    /// </summary>
    public static IServiceCollection AddCoppiceScheduling(this IServiceCollection services, IConfiguration configuration, Func<IServiceProvider, string>? connectionString,
        Func<IServiceProvider, string>? ownerConnectionString = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddCoppiceReports(configuration, connectionString);
        services.AddOptions<SchedulingOptions>().Bind(configuration.GetSection(SchedulingOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SchedulingOptions>, SchedulingOptionsValidator>());
        if (ownerConnectionString is not null)
        {
            services.AddKeyedSingleton(OwnerDataSourceKey, (sp, _) => NpgsqlDataSource.Create(ownerConnectionString(sp)));
        }

        NpgsqlDataSource Maintenance(IServiceProvider sp) => ownerConnectionString is null
            ? sp.GetRequiredService<Data.ReportDatabase>().DataSource
            : sp.GetRequiredKeyedService<NpgsqlDataSource>(OwnerDataSourceKey);

        services.TryAddSingleton(sp => new PartitionMaintainer(
            Maintenance(sp),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<PartitionMaintainer>>()));

        // The nightly purge's database part, on the maintenance data source, unless the host registered Storage's
        // own (AddCoppiceStorage); without either the job would purge nothing but the archive.
        services.AddOptions<RetentionOptions>().Bind(configuration.GetSection(RetentionOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(sp => new RetentionPurger(
            Maintenance(sp),
            sp.GetRequiredService<IOptions<RetentionOptions>>(),
            new AuditLog(Maintenance(sp), sp.GetRequiredService<TimeProvider>()),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<RetentionPurger>>()));

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
                    ds.DataSourceFactory = sp => sp.GetRequiredService<Data.ReportDatabase>().DataSource;
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
