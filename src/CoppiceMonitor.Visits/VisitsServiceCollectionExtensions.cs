using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CoppiceMonitor.Visits;

/// <summary>Registers the Visits configuration and the service catalogue with the host.</summary>
public static class VisitsServiceCollectionExtensions
{
    /// <summary>
    /// Binds and validates (at start) "Visits", "Catalogue" and "Schools"; registers <see cref="ServiceCatalog"/>
    /// as a singleton (shipped files, the system Public Suffix List when present, and the school's additions).
    /// VisitPipeline instances are made by the caller, one per school, with its sink and the current registry.
    /// </summary>
    public static IServiceCollection AddVisits(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<VisitsOptions>()
            .Bind(configuration.GetSection(VisitsOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<CatalogueOptions>()
            .Bind(configuration.GetSection(CatalogueOptions.SectionName));
        services.AddOptions<SchoolsOptions>()
            .Bind(configuration)
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SchoolsOptions>, SchoolsOptionsValidator>());
        services.TryAddSingleton(sp => ServiceCatalog.LoadDefault(sp.GetRequiredService<IOptions<CatalogueOptions>>().Value));
        return services;
    }
}
