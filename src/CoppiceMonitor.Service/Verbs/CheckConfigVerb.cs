using System.CommandLine;
using System.Net.NetworkInformation;
using CoppiceMonitor.Capture;
using CoppiceMonitor.Service.Cli;
using CoppiceMonitor.Service.Hosting;
using CoppiceMonitor.Service.Jobs;
using CoppiceMonitor.Service.Pipeline;
using CoppiceMonitor.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace CoppiceMonitor.Service.Verbs;

/// <summary>
/// `check-config`: says what is missing before `run` may start, without touching the database or the network. The
/// package starts the service only when this passes, so a fresh install on the sample configuration stays stopped.
/// </summary>
public static class CheckConfigVerb
{
    public static Command Create()
    {
        var command = new Command("check-config", "Check the configuration is complete for `run` (every setting valid, capture interfaces present, " +
            "mail server and sender edited from the sample, a database reachable). Exit 0 when ready, 3 listing what is missing.");
        command.SetAction((parse, ct) => Task.FromResult(Run(parse)));
        return command;
    }

    private static int Run(ParseResult parse)
    {
        var output = parse.InvocationConfiguration.Output;
        var error = parse.InvocationConfiguration.Error;
        var builder = CoppiceHost.CreateBuilder(CoppiceCommandLine.Globals(parse), HostKind.Command);
        // The same registrations as `run`, so every section `run` validates is validated here too.
        builder.Services.AddCoppicePipeline(builder.Configuration);
        builder.Services.AddCoppiceCapture(builder.Configuration);
        builder.Services.AddCoppiceReporting(builder.Configuration);
        builder.Services.AddCoppiceScheduling(builder.Configuration);
        var problems = new List<string>();
        IHost? host = null;
        try
        {
            // Logging reads the Service options while the host is built, so a bad value may surface here already.
            host = builder.Build();
            VerbRunner.ValidateOptions(host.Services);
        }
        catch (Exception ex) when (ex is ConfigurationErrorException or OptionsValidationException or AggregateException)
        {
            problems.AddRange(ValidationMessages(ex));
        }
        finally
        {
            host?.Dispose();
        }

        var machineInterfaces = NetworkInterface.GetAllNetworkInterfaces().Select(n => n.Name).ToHashSet(StringComparer.Ordinal);
        problems.AddRange(ConfigurationReadiness.Check(builder.Configuration, machineInterfaces, FindPostgresBinaries));

        if (problems.Count == 0)
        {
            output.WriteLine("check-config: ok");
            return ExitCodes.Success;
        }

        foreach (var problem in problems)
        {
            error.WriteLine($"check-config: {problem}");
        }

        error.WriteLine($"check-config: {problems.Count} thing(s) to fix before the service can run.");
        return ExitCodes.BadConfiguration;
    }

    private static IEnumerable<string> ValidationMessages(Exception ex) => ex switch
    {
        AggregateException aggregate => aggregate.InnerExceptions.SelectMany(ValidationMessages),
        OptionsValidationException options => options.Failures,
        _ => [ex.Message],
    };

    private static string? FindPostgresBinaries()
    {
        try
        {
            return LocalPostgresServer.FindBinDirectory();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }
}

/// <summary>Readiness checks beyond option validation: values that are valid but still the sample's, or absent.</summary>
public static class ConfigurationReadiness
{
    /// <summary>Domains reserved for examples (RFC 2606/6761): a mail setting still naming one was not edited.</summary>
    private static readonly string[] ReservedSuffixes = [".example", ".invalid", ".test", "example.com", "example.org", "example.net"];

    public static IReadOnlyList<string> Check(IConfiguration configuration, IReadOnlySet<string> machineInterfaces, Func<string?> findPostgresBinaries)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(machineInterfaces);
        ArgumentNullException.ThrowIfNull(findPostgresBinaries);
        var problems = new List<string>();

        var interfaces = configuration.GetSection("Capture:Interfaces").GetChildren().Select(c => c.Value).OfType<string>().ToList();
        if (interfaces.Count == 0)
        {
            problems.Add("Capture:Interfaces is empty: name the mirror-port interface(s) to capture on (`coppice-monitor interfaces` lists them).");
        }

        foreach (var name in interfaces.Where(n => !machineInterfaces.Contains(n)))
        {
            problems.Add($"Capture:Interfaces names '{name}', which this machine does not have (it has: {string.Join(", ", machineInterfaces.Order(StringComparer.Ordinal))}).");
        }

        if (!configuration.GetSection("Schools").GetChildren().Any())
        {
            problems.Add("Schools is empty: configure at least one school (Id, Timetable, subnets).");
        }

        var delivery = configuration["Reports:Delivery"];
        if (delivery is null || delivery.Equals("Smtp", StringComparison.OrdinalIgnoreCase))
        {
            foreach (var key in new[] { "Reports:Smtp:Host", "Reports:Smtp:FromAddress" })
            {
                var value = configuration[key] ?? "";
                if (value.Length == 0)
                {
                    problems.Add($"{key} is not set (needed to email reports; or set Reports:Delivery to Folder).");
                }
                else if (IsReservedExample(value))
                {
                    problems.Add($"{key} is still the sample's '{value}': set the school's own.");
                }
            }

            var user = configuration["Reports:Smtp:UserName"];
            var passwordVariable = configuration["Reports:Smtp:PasswordEnvironmentVariable"] is { Length: > 0 } v ? v : "COPPICE_SMTP_PASSWORD";
            if (!string.IsNullOrEmpty(user) && string.IsNullOrEmpty(Environment.GetEnvironmentVariable(passwordVariable)))
            {
                problems.Add($"Reports:Smtp:UserName is set but the environment variable {passwordVariable} (the SMTP password) is not " +
                    "(on Linux: /etc/coppice-monitor/environment).");
            }
        }

        if (string.IsNullOrEmpty(configuration.GetConnectionString(CoppiceConnectionStrings.DefaultName)))
        {
            if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
            {
                problems.Add("ConnectionStrings:Coppice is not set: on this system the service needs a PostgreSQL server " +
                    "(set COPPICE_ConnectionStrings__Coppice).");
            }
            else if (findPostgresBinaries() is null)
            {
                problems.Add("ConnectionStrings:Coppice is not set and no PostgreSQL server binaries were found for the embedded database: " +
                    "install the postgresql package, or set COPPICE_ConnectionStrings__Coppice.");
            }
        }

        return problems;
    }

    private static bool IsReservedExample(string value)
    {
        var host = value.Contains('@', StringComparison.Ordinal) ? value[(value.LastIndexOf('@') + 1)..] : value;
        host = host.TrimEnd('.').ToUpperInvariant();
        return ReservedSuffixes.Any(s => host.EndsWith(s.ToUpperInvariant(), StringComparison.Ordinal)
            && (s.StartsWith('.') || host.Length == s.Length || host[^(s.Length + 1)] == '.'));
    }
}
