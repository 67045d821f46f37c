using CoppiceMonitor.Reports.Data;
using CoppiceMonitor.Reports.Delivery;
using CoppiceMonitor.Storage.Reporting;
using CoppiceMonitor.Storage.Retention;
using CoppiceMonitor.Visits;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CoppiceMonitor.Reports;

public static class ReportsServiceCollectionExtensions
{
    /// <summary>
    /// The one place Reports' objects are built. Binds "Reports" and "Reports:Smtp" once; with
    /// <paramref name="delivery"/> (report building, rendering and sending: <see cref="ReportRunner"/>) both are
    /// validated at start, SMTP included when Reports:Delivery is Smtp. Always registers the archive purge
    /// (<see cref="ReportArchivePurger"/>), which reads only the archive folder and window, so a host that only purges
    /// (<paramref name="delivery"/> false) never needs the SMTP settings. Reports reads and records through
    /// Storage's public objects (<see cref="ReportQueries"/>, <see cref="ReportRunTable"/>, <see cref="AuditLog"/>,
    /// Retention options): the host registers Storage (AddCoppiceStorage) too.
    /// </summary>
    public static IServiceCollection AddCoppiceReports(this IServiceCollection services, IConfiguration configuration, bool delivery = true)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(ReportOptions.SectionName);
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<ReportOptions>(ReportArchivePurger.OptionsName).Bind(section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(sp => new ReportArchivePurger(
            sp.GetRequiredService<IOptionsMonitor<ReportOptions>>().Get(ReportArchivePurger.OptionsName),
            sp.GetRequiredService<IOptions<RetentionOptions>>(),
            sp.GetRequiredService<AuditLog>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<ReportArchivePurger>>()));
        if (!delivery)
        {
            return services;
        }

        services.AddOptions<ReportOptions>().Bind(section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SmtpOptions>().Bind(configuration.GetSection(SmtpOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ReportOptions>, ReportOptionsValidator>());
        services.TryAddSingleton<IReportDataSource>(sp => new StoredReportDataSource(
            sp.GetRequiredService<ReportQueries>(),
            configuration.GetSection(SchoolOptions.SectionName).Get<List<SchoolOptions>>() ?? []));
        services.TryAddSingleton(sp => new ReportRunStore(sp.GetRequiredService<ReportRunTable>()));
        services.TryAddSingleton<SmtpReportSender>();
        services.TryAddSingleton<ReportRunner>();
        return services;
    }
}
