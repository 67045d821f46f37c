using System.CommandLine;
using System.Runtime.InteropServices;
using CoppiceMonitor.Service.Hosting;
using CoppiceMonitor.Service.Verbs;
using Microsoft.Extensions.Options;

namespace CoppiceMonitor.Service.Cli;

/// <summary>The `coppice-monitor` command tree and its exit-code policy.</summary>
public static class CoppiceCommandLine
{
    public static readonly Option<string?> ConfigOption = new("--config")
    {
        Description = "An extra JSON configuration file (read after appsettings.json beside the executable).",
        Recursive = true,
        HelpName = "FILE",
    };

    public static readonly Option<string[]> SetOption = new("--set")
    {
        Description = "Override a setting: --set Section:Key=Value (repeatable; wins over files and COPPICE_ variables).",
        Recursive = true,
        HelpName = "KEY=VALUE",
        AllowMultipleArgumentsPerToken = false,
    };

    public static readonly Option<bool> VerboseOption = new("--verbose", "-v")
    {
        Description = "Log at Debug level (may include addresses; not for routine use).",
        Recursive = true,
    };

    public static readonly Option<string?> SchoolOption = new("--school")
    {
        Description = "The school (Schools:N:Id) a database verb works on; default the first configured school.",
        Recursive = true,
        HelpName = "ID",
    };

    public static RootCommand Build()
    {
        var root = new RootCommand(
            "CoppiceMonitor: passive staff-network monitoring under the school's social-media policy.\n" +
            "Exit codes: 0 success, 1 runtime failure, 2 bad arguments, 3 bad configuration.");
        root.Options.Add(ConfigOption);
        root.Options.Add(SetOption);
        root.Options.Add(VerboseOption);
        root.Options.Add(SchoolOption);
        root.Subcommands.Add(RunVerb.Create());
        root.Subcommands.Add(ReplayVerb.Create());
        root.Subcommands.Add(InspectVerb.Create());
        root.Subcommands.Add(InterfacesVerb.Create());
        root.Subcommands.Add(RegistryVerbs.CreateStaff());
        root.Subcommands.Add(RegistryVerbs.CreateDevices());
        root.Subcommands.Add(DatabaseVerbs.Create());
        root.Subcommands.Add(InvestigationVerbs.Create());
        root.Subcommands.Add(AuditVerbs.Create());
        root.Subcommands.Add(ReportVerbs.Create());
        root.Subcommands.Add(PurgeVerb.Create());
        root.Subcommands.Add(StatusVerb.Create());
        root.Subcommands.Add(CheckConfigVerb.Create());
        root.Subcommands.Add(SimulateVerb.Create());
        root.Subcommands.Add(DevVerbs.Create());
        root.Subcommands.Add(PortalVerbs.CreatePortal());
        root.Subcommands.Add(PortalVerbs.CreateAccounts());
        return root;
    }

    public static GlobalSettings Globals(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return new GlobalSettings(parse.GetValue(ConfigOption), parse.GetValue(SetOption) ?? [], parse.GetValue(VerboseOption));
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var root = Build();
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await Console.Error.WriteLineAsync($"coppice-monitor: {error.Message}").ConfigureAwait(false);
            }

            var verb = string.Join(' ', CommandPath(parse.CommandResult.Command, root));
            await Console.Error.WriteLineAsync($"Run 'coppice-monitor {verb}{(verb.Length > 0 ? " " : "")}--help' for usage.").ConfigureAwait(false);
            return ExitCodes.BadArguments;
        }

        // Ctrl+C and SIGTERM cancel the verb; a worker host also sees them and stops gracefully (drain first).
        using var stopping = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx =>
        {
            ctx.Cancel = true;
            stopping.Cancel();
        });
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, ctx =>
        {
            ctx.Cancel = true;
            stopping.Cancel();
        });

        var invocation = new InvocationConfiguration
        {
            EnableDefaultExceptionHandler = false,
            ProcessTerminationTimeout = null,
        };
        try
        {
            return await parse.InvokeAsync(invocation, stopping.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            return await ReportFailureAsync(ex, parse.GetValue(VerboseOption)).ConfigureAwait(false);
        }
        finally
        {
            await Serilog.Log.CloseAndFlushAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Maps an escaped exception to a clear one-line message and the documented exit code; the stack trace follows
    /// only with --verbose.
    /// </summary>
    public static async Task<int> ReportFailureAsync(Exception ex, bool verbose = false)
    {
        ArgumentNullException.ThrowIfNull(ex);
        // ValidateOnStart reports several bad sections at once as an aggregate: still one configuration error.
        if (ex is AggregateException aggregate && aggregate.InnerExceptions.Count > 0
            && aggregate.InnerExceptions.All(e => e is ConfigurationErrorException or OptionsValidationException))
        {
            ex = new ConfigurationErrorException(string.Join("; ", aggregate.InnerExceptions.Select(e => e.Message)), aggregate);
        }

        switch (ex)
        {
            case ConfigurationErrorException or OptionsValidationException or CoppiceMonitor.Storage.EmbeddedDatabaseUnavailableException:
            case InvalidOperationException when ex.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal):
                await Console.Error.WriteLineAsync($"coppice-monitor: configuration error: {ex.Message}").ConfigureAwait(false);
                return ExitCodes.BadConfiguration;
            // An out-of-range value inside the program (a date underflow, an index) is a failure, not a bad argument.
            case UsageException or ArgumentException when ex is not ArgumentOutOfRangeException:
                await Console.Error.WriteLineAsync($"coppice-monitor: {ex.Message}").ConfigureAwait(false);
                return ExitCodes.BadArguments;
            case OperationCanceledException:
                await Console.Error.WriteLineAsync("coppice-monitor: stopped").ConfigureAwait(false);
                return ExitCodes.RuntimeFailure;
            default:
                await Console.Error.WriteLineAsync($"coppice-monitor: {ex.GetType().Name}: {ex.Message}").ConfigureAwait(false);
                if (ex.InnerException is { } inner)
                {
                    await Console.Error.WriteLineAsync($"  caused by {inner.GetType().Name}: {inner.Message}").ConfigureAwait(false);
                }

                if (verbose)
                {
                    await Console.Error.WriteLineAsync(ex.ToString()).ConfigureAwait(false);
                }

                return ExitCodes.RuntimeFailure;
        }
    }

    private static List<string> CommandPath(Command command, RootCommand root)
    {
        var names = new List<string>();
        for (var current = command; current is not null && current != root; current = current.Parents.OfType<Command>().FirstOrDefault())
        {
            names.Insert(0, current.Name);
        }

        return names;
    }
}

/// <summary>Arguments that parse but make no sense together (exit code 2).</summary>
public sealed class UsageException : Exception
{
    public UsageException(string message)
        : base(message)
    {
    }

    public UsageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public UsageException()
    {
    }
}
