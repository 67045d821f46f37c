using CoppiceMonitor.Storage.Ingest;
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
        return services.AddCoppiceStorage(configuration, CoppiceConnectionStrings.FromConfiguration(configuration, connectionString));
    }

    /// <summary>
    /// Registers the database with the least role per part: <see cref="CoppiceDataSources"/>; the unkeyed
    /// NpgsqlDataSource and the EF context are admin (partition maintenance, retention, investigations, audit,
    /// registry); keyed NpgsqlDataSources under <see cref="DatabaseRoles.Ingest"/>, <see cref="DatabaseRoles.Reporting"/>
    /// and <see cref="DatabaseRoles.Admin"/>; the hosted <see cref="IngestService"/> writes with the ingest one.
    /// Also binds and validates the "Ingest" and "Retention" sections.
    /// </summary>
    public static IServiceCollection AddCoppiceStorage(this IServiceCollection services, IConfiguration configuration,
        CoppiceConnectionStrings connectionStrings)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(connectionStrings);
        services.AddOptions<IngestOptions>().Bind(configuration.GetSection(IngestOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RetentionOptions>().Bind(configuration.GetSection(RetentionOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(connectionStrings);
        services.TryAddSingleton<CoppiceDataSources>();
        services.TryAddSingleton(sp => sp.GetRequiredService<CoppiceDataSources>().Admin);
        services.TryAddKeyedSingleton(DatabaseRoles.Ingest, (sp, _) => sp.GetRequiredService<CoppiceDataSources>().Ingest);
        services.TryAddKeyedSingleton(DatabaseRoles.Reporting, (sp, _) => sp.GetRequiredService<CoppiceDataSources>().Reporting);
        services.TryAddKeyedSingleton(DatabaseRoles.Admin, (sp, _) => sp.GetRequiredService<CoppiceDataSources>().Admin);
        services.AddDbContext<CoppiceDbContext>(o => CoppiceDbContext.Configure(o, connectionStrings.Admin));
        services.TryAddSingleton<PartitionMaintainer>();
        services.TryAddSingleton<AuditLog>();
        services.TryAddSingleton<InvestigationStore>();
        services.TryAddSingleton<RetentionPurger>();
        services.TryAddSingleton<RegistryStore>();
        services.TryAddSingleton(sp => new IngestService(sp.GetRequiredService<CoppiceDataSources>().Ingest,
            sp.GetRequiredService<IOptions<IngestOptions>>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<IngestService>>()));
        services.AddHostedService(sp => sp.GetRequiredService<IngestService>());
        return services;
    }
}
