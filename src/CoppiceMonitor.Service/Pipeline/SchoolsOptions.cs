using CoppiceMonitor.Visits;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CoppiceMonitor.Service.Pipeline;

/// <summary>
/// The "Schools" list: each school's calendar and rules (<see cref="SchoolOptions"/>) and, bound from the same
/// entries, its networks (<see cref="SchoolNetworkOptions"/>). Every school is attributed; the first is the default
/// for verbs run without --school.
/// </summary>
public sealed class SchoolsOptions
{
    public List<SchoolOptions> Schools { get; } = [];

    public List<SchoolNetworkOptions> Networks { get; } = [];
}

public sealed class SchoolsOptionsValidator : IValidateOptions<SchoolsOptions>
{
    public ValidateOptionsResult Validate(string? name, SchoolsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = SchoolOptionsValidator.CheckAll(options.Schools).Concat(SchoolNetworkOptions.CheckAll(options.Networks)).ToList();
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

    /// <summary>The first configured school: the default of verbs run without --school.</summary>
    public SchoolOptions School => schools.Value.Schools[0];

    public IReadOnlyList<SchoolOptions> Schools => schools.Value.Schools;

    /// <summary>The school with this id, or null.</summary>
    public SchoolOptions? Find(string id) => schools.Value.Schools.FirstOrDefault(s => string.Equals(s.Id, id, StringComparison.Ordinal));

    public SchoolCalendar CreateCalendar() => SchoolCalendar.Create(School);

    /// <summary>The service catalogue (shipped rows plus the Catalogue configuration), loaded once.</summary>
    public ServiceCatalog Catalog => _catalog ??= ServiceCatalog.LoadDefault(catalogue.Value);

    public SchoolRouter CreateRouter() => new(schools.Value.Networks);

    public VisitPipeline Create(IVisitSink sink, DeviceRegistry registry) => Create(School, sink, registry);

    /// <summary>One pipeline for one school: its calendar, its registry.</summary>
    public VisitPipeline Create(SchoolOptions school, IVisitSink sink, DeviceRegistry registry)
    {
        return new VisitPipeline(SchoolCalendar.Create(school), Catalog, registry, sink, visits.Value, loggerFactory.CreateLogger<VisitPipeline>());
    }
}

public static class VisitsServiceCollectionExtensions
{
    /// <summary>Schools, Visits and Catalogue sections, validated at start with messages naming the key.</summary>
    public static IServiceCollection AddCoppiceVisits(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SchoolsOptions>()
            .Configure(o =>
            {
                configuration.GetSection(SchoolOptions.SectionName).Bind(o.Schools);
                configuration.GetSection(SchoolOptions.SectionName).Bind(o.Networks);
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<SchoolsOptions>, SchoolsOptionsValidator>();
        services.AddOptions<VisitsOptions>().Bind(configuration.GetSection(VisitsOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<CatalogueOptions>().Bind(configuration.GetSection(CatalogueOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<VisitPipelineFactory>();
        return services;
    }
}
