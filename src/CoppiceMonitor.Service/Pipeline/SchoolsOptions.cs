using CoppiceMonitor.Visits;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CoppiceMonitor.Service.Pipeline;

/// <summary>The "Schools" list. One sensor watches one school's network: the first school is the one attributed.</summary>
public sealed class SchoolsOptions
{
    public List<SchoolOptions> Schools { get; } = [];
}

public sealed class SchoolsOptionsValidator : IValidateOptions<SchoolsOptions>
{
    public ValidateOptionsResult Validate(string? name, SchoolsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = SchoolOptionsValidator.CheckAll(options.Schools);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>Builds the visit pipeline from validated configuration and a registry.</summary>
public sealed class VisitPipelineFactory(
    IOptions<SchoolsOptions> schools,
    IOptions<VisitsOptions> visits,
    IOptions<CatalogueOptions> catalogue,
    ILoggerFactory loggerFactory)
{
    private ServiceCatalog? _catalog;

    public SchoolOptions School => schools.Value.Schools[0];

    public SchoolCalendar CreateCalendar() => SchoolCalendar.Create(School);

    public VisitPipeline Create(IVisitSink sink, DeviceRegistry registry)
    {
        _catalog ??= ServiceCatalog.LoadDefault(catalogue.Value);
        return new VisitPipeline(CreateCalendar(), _catalog, registry, sink, visits.Value, loggerFactory.CreateLogger<VisitPipeline>());
    }
}

public static class VisitsServiceCollectionExtensions
{
    /// <summary>Schools, Visits and Catalogue sections, validated at start with messages naming the key.</summary>
    public static IServiceCollection AddCoppiceVisits(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SchoolsOptions>()
            .Configure(o => configuration.GetSection(SchoolOptions.SectionName).Bind(o.Schools))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<SchoolsOptions>, SchoolsOptionsValidator>();
        services.AddOptions<VisitsOptions>().Bind(configuration.GetSection(VisitsOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<CatalogueOptions>().Bind(configuration.GetSection(CatalogueOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<VisitPipelineFactory>();
        return services;
    }
}
