using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CoppiceMonitor.Capture;

public static class CaptureServiceCollectionExtensions
{
    /// <summary>
    /// Capture's one registration: binds the "Capture" section once and validates it at start (DataAnnotations
    /// ranges and <see cref="CaptureOptions.Validate"/>'s cross-field rules), and registers the
    /// <see cref="CaptureFactory"/> that builds every decoder and live capture from it.
    /// </summary>
    public static IServiceCollection AddCoppiceCapture(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<CaptureOptions>()
            .Bind(configuration.GetSection(CaptureOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<CaptureFactory>();
        return services;
    }
}
