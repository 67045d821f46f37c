using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Serilog;
using Serilog.Events;

namespace CoppiceMonitor.Service.Hosting;

/// <summary>What a verb wants from the host beyond configuration and logging.</summary>
public enum HostKind
{
    /// <summary>A short command: console logging only.</summary>
    Command,

    /// <summary>Long work (run, replay): rolling log files too, systemd/Windows service integration.</summary>
    Worker,
}

/// <summary>
/// Builds the Generic Host every verb uses: configuration layers (appsettings.json beside the executable,
/// an optional --config file, COPPICE_ environment variables, --set overrides), Serilog, validated options.
/// </summary>
public static class CoppiceHost
{
    public const string EnvironmentPrefix = "COPPICE_";

    public static HostApplicationBuilder CreateBuilder(GlobalSettings settings, HostKind kind)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            ContentRootPath = AppContext.BaseDirectory,
            ApplicationName = "coppice-monitor",
        });

        AddConfiguration(builder.Configuration, settings);
        builder.Services.AddCoppiceLogging(builder.Configuration, settings, kind);
        builder.Services.AddServiceOptions(builder.Configuration);
        if (kind == HostKind.Worker)
        {
            // Both are no-ops unless started by systemd (Type=notify) or the Windows service control manager.
            builder.Services.AddSystemd();
            builder.Services.AddWindowsService(o => o.ServiceName = "coppice-monitor");
        }

        builder.Services.Configure<HostOptions>(o =>
        {
            o.ShutdownTimeout = TimeSpan.FromSeconds(builder.Configuration.GetValue($"{ServiceOptions.SectionName}:DrainTimeoutSeconds", 30) + 5);
            o.BackgroundServiceExceptionBehavior = BackgroundServiceExceptionBehavior.StopHost;
        });
        return builder;
    }

    /// <summary>Configuration in increasing precedence. Malformed files fail here with the file named.</summary>
    public static void AddConfiguration(IConfigurationBuilder configuration, GlobalSettings settings)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(settings);
        var beside = Path.Combine(AppContext.BaseDirectory, "appsettings.json");
        AddJson(configuration, beside, optional: true);
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentPrefix + "CONFIG");
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            AddJson(configuration, Path.GetFullPath(fromEnvironment), optional: false);
        }

        if (settings.ConfigFile is { } file)
        {
            AddJson(configuration, Path.GetFullPath(file), optional: false);
        }

        configuration.AddEnvironmentVariables(EnvironmentPrefix);
        configuration.AddInMemoryCollection(ParseOverrides(settings.Overrides));
    }

    /// <summary>Turns --set KEY=VALUE tokens into configuration pairs ("__" accepted as ":" like environment variables).</summary>
    public static Dictionary<string, string?> ParseOverrides(IReadOnlyList<string> overrides)
    {
        ArgumentNullException.ThrowIfNull(overrides);
        var pairs = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var item in overrides)
        {
            var equals = item.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new ArgumentException($"--set expects KEY=VALUE (for example Service:DataFolder=/srv/coppice), not '{item}'.");
            }

            pairs[item[..equals].Replace("__", ":", StringComparison.Ordinal)] = item[(equals + 1)..];
        }

        return pairs;
    }

    private static void AddJson(IConfigurationBuilder configuration, string path, bool optional)
    {
        if (!optional && !File.Exists(path))
        {
            throw new ConfigurationErrorException($"Configuration file '{path}' does not exist.");
        }

        try
        {
            // ConfigurationManager loads a source as soon as it is added, so a malformed file throws here.
            configuration.AddJsonFile(path, optional, reloadOnChange: false);
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException or System.Text.Json.JsonException)
        {
            throw new ConfigurationErrorException($"Configuration file '{path}' is not valid JSON: {ex.InnerException?.Message ?? ex.Message}", ex);
        }
    }

    public static IServiceCollection AddServiceOptions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ServiceOptions>()
            .Bind(configuration.GetSection(ServiceOptions.SectionName))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<ServiceOptions>, ServiceOptionsValidator>();
        services.AddSingleton(TimeProvider.System);
        return services;
    }

    /// <summary>
    /// Serilog: console on stderr (stdout stays for a verb's own output) with a syslog priority prefix when
    /// journald reads it, and rolling files for workers. "Serilog" configuration section may override levels.
    /// </summary>
    public static IServiceCollection AddCoppiceLogging(this IServiceCollection services, IConfiguration configuration, GlobalSettings settings, HostKind kind)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var underJournald = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("JOURNAL_STREAM"));
        services.AddSerilog((provider, lc) =>
        {
            var options = provider.GetRequiredService<IOptions<ServiceOptions>>().Value;
            lc.MinimumLevel.Is(settings.Verbose ? LogEventLevel.Debug : LogEventLevel.Information)
                .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
                .MinimumLevel.Override("Quartz", LogEventLevel.Warning)
                .MinimumLevel.Override("Npgsql", LogEventLevel.Warning)
                .ReadFrom.Configuration(configuration)
                .Enrich.FromLogContext()
                .Enrich.With(new JournaldPriorityEnricher(underJournald))
                .WriteTo.Console(
                    // A stack trace on the console only with --verbose: the verb ends in one clear line naming the
                    // cause; the log file keeps the full trace for support.
                    outputTemplate: (underJournald
                        ? "{Priority}{SourceContext}: {Message:lj}{NewLine}"
                        : "{Timestamp:HH:mm:ss} {Level:u3} {Message:lj}{NewLine}") + (settings.Verbose ? "{Exception}" : ""),
                    standardErrorFromLevel: LogEventLevel.Verbose,
                    formatProvider: CultureInfo.InvariantCulture);
            if (kind == HostKind.Worker && options.ResolvedLogFolder is { } folder && CanWrite(folder))
            {
                lc.WriteTo.File(
                    Path.Combine(folder, "coppice-monitor-.log"),
                    rollingInterval: RollingInterval.Day,
                    retainedFileCountLimit: options.LogRetainedDays,
                    outputTemplate: "{Timestamp:yyyy-MM-ddTHH:mm:ss.fffzzz} [{Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}",
                    formatProvider: CultureInfo.InvariantCulture,
                    hooks: new PrivateLogFileHooks());
            }
        });
        return services;
    }

    private static bool CanWrite(string folder)
    {
        try
        {
            // Logs can carry staff ids at Debug level: 0700 folder, 0600 files (PrivateLogFileHooks).
            CoppiceMonitor.Storage.Platform.PrivateFiles.EnsureFolder(folder);
            return true;
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            return false;
        }
    }

    /// <summary>Runs every ValidateOnStart check now, for verbs that use the services without starting the host.</summary>
    public static void ValidateOptions(IServiceProvider services)
    {
        services.GetService<IStartupValidator>()?.Validate();
    }
}

/// <summary>Narrows each log file Serilog opens to 0600 (its own create mode follows the umask).</summary>
internal sealed class PrivateLogFileHooks : Serilog.Sinks.File.FileLifecycleHooks
{
    public override Stream OnFileOpened(string path, Stream underlyingStream, System.Text.Encoding encoding)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, CoppiceMonitor.Storage.Platform.PrivateFiles.FileMode);
        }

        return underlyingStream;
    }
}
