using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CoppiceMonitor.Portal.Hosting;

/// <summary>What the host gives the portal: its configuration, the admin connection string, a folder, logging.</summary>
public sealed record PortalHostSettings(IConfiguration Configuration, string ConnectionString, string DataFolder, ILoggerFactory? LoggerFactory = null);

/// <summary>
/// Builds the portal as a web application of its own (Kestrel, HTTPS only) so the Service can run it beside the
/// monitor's generic host or alone, and tests can start it on a loopback port.
/// </summary>
public static class PortalApplication
{
    public static WebApplication Create(PortalHostSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(PortalApplication).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = "Production",
        });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddConfiguration(settings.Configuration);
        builder.Logging.ClearProviders();
        if (settings.LoggerFactory is { } loggerFactory)
        {
            builder.Services.AddSingleton(loggerFactory);
        }

        var options = settings.Configuration.GetSection(PortalOptions.SectionName).Get<PortalOptions>() ?? new PortalOptions();
        var certificate = PortalCertificate.Load(options, settings.DataFolder);
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            foreach (var url in options.EffectiveUrls)
            {
                var endPoint = ParseHttpsUrl(url);
                kestrel.Listen(endPoint, listen => listen.UseHttps(certificate));
            }
        });
        builder.Services.AddCoppicePortal(settings.Configuration, settings.ConnectionString, settings.DataFolder);
        var app = builder.Build();
        app.MapCoppicePortal();
        return app;
    }

    /// <summary>The addresses the started application listens on (the real port when 0 was asked for).</summary>
    public static IReadOnlyList<string> Addresses(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return [.. app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? []];
    }

    /// <summary>https://HOST:PORT with HOST an address, 0.0.0.0, [::] or localhost; plain http is refused.</summary>
    public static IPEndPoint ParseHttpsUrl(string url)
    {
        if (!Uri.TryCreate(url?.Replace("://+", "://0.0.0.0", StringComparison.Ordinal).Replace("://*", "://0.0.0.0", StringComparison.Ordinal),
                UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps)
        {
            throw new InvalidOperationException($"Portal:Urls: '{url}' is not an https:// address (the portal serves HTTPS only)");
        }

        var host = uri.Host.Trim('[', ']');
        var address = host.Equals("localhost", StringComparison.OrdinalIgnoreCase) ? IPAddress.Loopback
            : IPAddress.TryParse(host, out var ip) ? ip
            : throw new InvalidOperationException($"Portal:Urls: '{url}': give an IP address (or 0.0.0.0 for all), not a name");
        return new IPEndPoint(address, uri.Port);
    }
}
