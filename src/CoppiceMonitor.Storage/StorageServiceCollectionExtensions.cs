using CoppiceMonitor.Storage.Ingest;
using CoppiceMonitor.Storage.Retention;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace CoppiceMonitor.Storage;

public static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// Registers the database (one NpgsqlDataSource, the EF context), ingest (hosted), partition maintenance,
    /// retention, investigations, audit and the registry store, with the "Ingest" and "Retention" sections.
    /// The connection string is resolved by the caller (ConnectionStrings:Coppice, or the embedded local server's).
    /// </summary>
    public static IServiceCollection AddCoppiceStorage(this IServiceCollection services, IConfiguration configuration, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        services.AddOptions<IngestOptions>().Bind(configuration.GetSection(IngestOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RetentionOptions>().Bind(configuration.GetSection(RetentionOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        services.AddDbContext<CoppiceDbContext>(o => CoppiceDbContext.Configure(o, connectionString));
        services.TryAddSingleton<PartitionMaintainer>();
        services.TryAddSingleton<AuditLog>();
        services.TryAddSingleton<InvestigationStore>();
        services.TryAddSingleton<RetentionPurger>();
        services.TryAddSingleton<RegistryStore>();
        services.TryAddSingleton<IngestService>();
        services.AddHostedService(sp => sp.GetRequiredService<IngestService>());
        return services;
    }
}
