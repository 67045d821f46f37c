using CoppiceMonitor.Reports;
using CoppiceMonitor.Service.Database;
using CoppiceMonitor.Service.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CoppiceMonitor.Service.Pipeline;

public static class ReportingServiceCollectionExtensions
{
    /// <summary>
    /// Reports (AddCoppiceReports) on the same database as everything else (AddCoppiceDatabase); with
    /// <paramref name="delivery"/> false only the archive purge, which needs no SMTP settings. A relative
    /// Reports:ArchiveFolder is under the data folder.
    /// </summary>
    public static IServiceCollection AddCoppiceReporting(this IServiceCollection services, IConfiguration configuration, bool delivery = true)
    {
        services.AddCoppiceDatabase(configuration);
        services.AddCoppiceReports(configuration, delivery);
        services.AddSingleton<IPostConfigureOptions<ReportOptions>, ArchiveUnderDataFolder>();
        return services;
    }

    /// <summary>A relative Reports:ArchiveFolder is under the data folder (for every named copy of the options).</summary>
    private sealed class ArchiveUnderDataFolder(IOptions<ServiceOptions> service) : IPostConfigureOptions<ReportOptions>
    {
        public void PostConfigure(string? name, ReportOptions options)
        {
            if (!Path.IsPathFullyQualified(options.ArchiveFolder))
            {
                options.ArchiveFolder = Path.Combine(service.Value.DataFolder, options.ArchiveFolder);
            }
        }
    }
}
