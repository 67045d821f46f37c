using CoppiceMonitor.Reports.Data;
using CoppiceMonitor.Reports.Delivery;
using CoppiceMonitor.Storage.Retention;
using CoppiceMonitor.Visits;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CoppiceMonitor.Reports;

public static class ReportsServiceCollectionExtensions
{
    /// <summary>Connection string key read when no other is given: ConnectionStrings:Coppice.</summary>
    public const string ConnectionStringName = "Coppice";

    /// <summary>
    /// Registers report building, rendering and delivery (<see cref="ReportRunner"/>, <see cref="ReportRunStore"/>)
    /// with <see cref="ReportOptions"/> and <see cref="SmtpOptions"/> validated on start. The database is
    /// ConnectionStrings:Coppice unless <paramref name="connectionString"/> is given.
    /// </summary>
    public static IServiceCollection AddCoppiceReports(this IServiceCollection services, IConfiguration configuration, string? connectionString = null) =>
        services.AddCoppiceReports(configuration, connectionString is null ? null : _ => connectionString);

    /// <summary>
    /// As above, with the connection string from a factory run when the database is first needed (for a host whose
    /// database is an embedded server started on demand).
    /// </summary>
    public static IServiceCollection AddCoppiceReports(this IServiceCollection services, IConfiguration configuration, Func<IServiceProvider, string>? connectionString)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<ReportOptions>().Bind(configuration.GetSection(ReportOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SmtpOptions>().Bind(configuration.GetSection(SmtpOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ReportOptions>, ReportOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new ReportDatabase(
            connectionString?.Invoke(sp)
            ?? (configuration.GetConnectionString(ConnectionStringName) is { Length: > 0 } configured ? configured : null)
            ?? throw new InvalidOperationException($"ConnectionStrings:{ConnectionStringName} is not set.")));
        services.TryAddSingleton<IReportDataSource>(sp => new PostgresReportDataSource(
            sp.GetRequiredService<ReportDatabase>(),
            configuration.GetSection(SchoolOptions.SectionName).Get<List<SchoolOptions>>() ?? []));
        services.TryAddSingleton<ReportRunStore>();
        services.TryAddSingleton<SmtpReportSender>();
        services.TryAddSingleton<ReportRunner>();

        // The archive shares the report_runs window (Retention:ReportRunsDays) unless Reports:ArchiveRetentionDays is set.
        services.AddOptions<RetentionOptions>().Bind(configuration.GetSection(RetentionOptions.SectionName));
        services.TryAddSingleton<ReportArchivePurger>();
        return services;
    }
}
