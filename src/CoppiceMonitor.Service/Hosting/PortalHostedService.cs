using CoppiceMonitor.Portal;
using CoppiceMonitor.Portal.Hosting;
using CoppiceMonitor.Service.Database;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CoppiceMonitor.Service.Hosting;

/// <summary>
/// Runs the portal's own web application (Kestrel, HTTPS) inside the service's host: started after the database is
/// reachable, stopped with the host. `run` adds it when Portal:Enabled; `portal` always.
/// </summary>
internal sealed class PortalHostedService(IConfiguration configuration, CoppiceDatabase database, IOptions<ServiceOptions> serviceOptions,
    ILoggerFactory loggerFactory) : IHostedService, IAsyncDisposable
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<PortalHostedService>();
    private WebApplication? _app;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // The admin role: investigations, the audit log and the registry (see README, database roles).
        var connectionString = await database.GetConnectionStringAsync(cancellationToken).ConfigureAwait(false);
        var folder = configuration.GetValue<string>($"{PortalOptions.SectionName}:{nameof(PortalOptions.DataFolder)}") is { Length: > 0 } configured
            ? configured : Path.Combine(serviceOptions.Value.DataFolder, "portal");
        _app = PortalApplication.Create(new PortalHostSettings(configuration, connectionString, folder, loggerFactory));
        await _app.StartAsync(cancellationToken).ConfigureAwait(false);
        PortalLog.PortalListening(_logger, string.Join(", ", PortalApplication.Addresses(_app)));
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync().ConfigureAwait(false);
            _app = null;
        }
    }
}

internal static class PortalRegistration
{
    /// <summary>Adds the portal to a host when Portal:Enabled is true or <paramref name="always"/> (the `portal` verb).</summary>
    public static IServiceCollection AddCoppicePortalHosting(this IServiceCollection services, IConfiguration configuration, bool always = false)
    {
        if (always || configuration.GetValue<bool>($"{PortalOptions.SectionName}:{nameof(PortalOptions.Enabled)}"))
        {
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, PortalHostedService>());
        }

        return services;
    }
}

internal static partial class PortalLog
{
    [LoggerMessage(5900, LogLevel.Information, "Portal listening on {Addresses}")]
    public static partial void PortalListening(ILogger logger, string addresses);
}
