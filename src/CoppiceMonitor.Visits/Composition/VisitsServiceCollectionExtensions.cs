using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CoppiceMonitor.Visits;

public static class VisitsServiceCollectionExtensions
{
    /// <summary>
    /// The "Schools", "Visits" and "Catalogue" sections, bound once and validated at start (ranges, rules between
    /// fields, every school and its per-weekday overrides, catalogue additions and category overrides) with messages
    /// naming the key, and the <see cref="VisitPipelineFactory"/> that builds calendars, the catalogue and pipelines.
    /// Calling it twice registers nothing twice.
    /// </summary>
    public static IServiceCollection AddCoppiceVisits(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        if (services.Any(d => d.ServiceType == typeof(VisitPipelineFactory)))
        {
            return services;
        }

        services.AddOptions<SchoolListOptions>()
            .Configure(o => configuration.GetSection(SchoolOptions.SectionName).Bind(o.Schools))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SchoolListOptions>, SchoolListOptionsValidator>());
        services.AddOptions<VisitsOptions>()
            .Bind(configuration.GetSection(VisitsOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<VisitsOptions>, VisitsOptionsValidator>());
        services.AddOptions<CatalogueOptions>()
            .Bind(configuration.GetSection(CatalogueOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CatalogueOptions>, CatalogueOptionsValidator>());
        services.AddSingleton<VisitPipelineFactory>();
        return services;
    }
}
