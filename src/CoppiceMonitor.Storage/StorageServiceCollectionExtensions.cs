using CoppiceMonitor.Storage.Ingest;
using CoppiceMonitor.Storage.Reporting;
using CoppiceMonitor.Storage.Retention;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CoppiceMonitor.Storage;

public static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// Registers storage with <paramref name="connectionString"/> for every part, unless configuration names a
    /// per-part string (ConnectionStrings:CoppiceIngest / CoppiceReporting / CoppiceAdmin, each falling back to
    /// ConnectionStrings:Coppice, then to <paramref name="connectionString"/>).
    /// </summary>
    public static IServiceCollection AddCoppiceStorage(this IServiceCollection services, IConfiguration configuration, string connectionString)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        var connectionStrings = CoppiceConnectionStrings.FromConfiguration(configuration, connectionString);
        return services.AddCoppiceStorage(configuration, _ => connectionStrings);
    }

    /// <summary>
    /// The one place Storage's objects are built. Binds and validates the "Ingest" and "Retention" sections (once,
    /// checked at start), and registers the database with the least role per part: <see cref="CoppiceDataSources"/>
    /// from <paramref name="connectionStrings"/> (run when the database is first needed, so a host whose database is
    /// an embedded server started on demand can supply it; null: <see cref="CoppiceConnectionStrings.FromConfiguration"/>).
    /// Admin (owner) connections: partition maintenance, retention purge, investigations, audit, registry, status.
    /// Reporting: <see cref="ReportQueries"/> and <see cref="ReportRunTable"/>. Ingest: <see cref="IngestService"/>,
    /// whose start and drain its user owns (it replays the spool on start).
    /// </summary>
    public static IServiceCollection AddCoppiceStorage(this IServiceCollection services, IConfiguration configuration,
        Func<IServiceProvider, CoppiceConnectionStrings>? connectionStrings = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<IngestOptions>().Bind(configuration.GetSection(IngestOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RetentionOptions>().Bind(configuration.GetSection(RetentionOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RetentionOptions>, RetentionOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => connectionStrings?.Invoke(sp) ?? CoppiceConnectionStrings.FromConfiguration(configuration));
        services.TryAddSingleton<CoppiceDataSources>();
        services.TryAddSingleton(sp => sp.GetRequiredService<CoppiceDataSources>().Admin);
        services.TryAddKeyedSingleton(DatabaseRoles.Ingest, (sp, _) => sp.GetRequiredService<CoppiceDataSources>().Ingest);
        services.TryAddKeyedSingleton(DatabaseRoles.Reporting, (sp, _) => sp.GetRequiredService<CoppiceDataSources>().Reporting);
        services.TryAddKeyedSingleton(DatabaseRoles.Admin, (sp, _) => sp.GetRequiredService<CoppiceDataSources>().Admin);
        services.TryAddSingleton(sp => new PartitionMaintainer(Admin(sp), Time(sp), sp.GetService<ILogger<PartitionMaintainer>>()));
        services.TryAddSingleton(sp => new AuditLog(Admin(sp), Time(sp)));
        services.TryAddSingleton(sp => new InvestigationStore(Admin(sp), sp.GetRequiredService<AuditLog>(), Time(sp)));
        services.TryAddSingleton(sp => new RetentionPurger(Admin(sp), sp.GetRequiredService<IOptions<RetentionOptions>>(),
            sp.GetRequiredService<AuditLog>(), Time(sp), sp.GetService<ILogger<RetentionPurger>>()));
        services.TryAddSingleton(sp => new RegistryStore(Admin(sp), Time(sp)));
        services.TryAddSingleton(sp => new ReportQueries(sp.GetRequiredService<CoppiceDataSources>().Reporting));
        services.TryAddSingleton(sp => new ReportRunTable(sp.GetRequiredService<CoppiceDataSources>().Reporting, Time(sp)));
        services.TryAddSingleton(sp => new IngestService(sp.GetRequiredService<CoppiceDataSources>().Ingest,
            sp.GetRequiredService<IOptions<IngestOptions>>(), Time(sp), sp.GetService<ILogger<IngestService>>()));
        return services;
    }

    private static Npgsql.NpgsqlDataSource Admin(IServiceProvider services) => services.GetRequiredService<CoppiceDataSources>().Admin;

    private static TimeProvider Time(IServiceProvider services) => services.GetRequiredService<TimeProvider>();
}
