using CoppiceMonitor.Capture;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CoppiceMonitor.Service.Pipeline;

public static class CaptureServiceCollectionExtensions
{
    /// <summary>The "Capture" section, validated at start (DataAnnotations name the member; the section is Capture).</summary>
    public static IServiceCollection AddCoppiceCaptureOptions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<CaptureOptions>()
            .Bind(configuration.GetSection(CaptureOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        return services;
    }
}
