using CoppiceMonitor.Visits;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CoppiceMonitor.Service.Pipeline;

/// <summary>
/// The network part of the "Schools" list (<see cref="SchoolNetworkOptions"/>, bound from the same entries as the
/// Visits project's <see cref="SchoolOptions"/>): which school each packet belongs to. Each school's calendar and
/// rules are Visits' (<see cref="VisitsServiceCollectionExtensions.AddCoppiceVisits"/>).
/// </summary>
public sealed class SchoolsOptions
{
    public List<SchoolNetworkOptions> Networks { get; } = [];
}

public sealed class SchoolsOptionsValidator : IValidateOptions<SchoolsOptions>
{
    public ValidateOptionsResult Validate(string? name, SchoolsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = SchoolNetworkOptions.CheckAll(options.Networks);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

public static class SchoolNetworksServiceCollectionExtensions
{
    /// <summary>The schools' networks (for the <see cref="SchoolRouter"/>), validated at start with messages naming the key.</summary>
    public static IServiceCollection AddSchoolNetworks(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SchoolsOptions>()
            .Configure(o => configuration.GetSection(SchoolOptions.SectionName).Bind(o.Networks))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<SchoolsOptions>, SchoolsOptionsValidator>();
        return services;
    }

    public static SchoolRouter CreateSchoolRouter(this IServiceProvider services) =>
        new(services.GetRequiredService<IOptions<SchoolsOptions>>().Value.Networks);
}
