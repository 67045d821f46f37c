using System.CommandLine;
using CoppiceMonitor.Service.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CoppiceMonitor.Service.Cli;

/// <summary>Runs a verb's body inside a built (not started) host: configuration, logging, validated options, DI.</summary>
public static class VerbRunner
{
    public static async Task<int> RunAsync(
        ParseResult parse,
        HostKind kind,
        Action<HostApplicationBuilder> configure,
        Func<IServiceProvider, CancellationToken, Task<int>> body,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(configure);
        ArgumentNullException.ThrowIfNull(body);
        var builder = CoppiceHost.CreateBuilder(CoppiceCommandLine.Globals(parse), kind);
        configure(builder);
        using var host = builder.Build();
        ValidateOptions(host.Services);
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("CoppiceMonitor.Service");
        Log.Starting(logger, typeof(VerbRunner).Assembly.GetName().Version?.ToString(3) ?? "?", parse.CommandResult.Command.Name);
        try
        {
            return await body(host.Services, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Disposes the embedded database (stops PostgreSQL) and flushes the file sinks.
            if (host.Services is IAsyncDisposable disposable)
            {
                await disposable.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>ValidateOnStart checks run now; a value that cannot bind is a configuration error naming its key.</summary>
    public static void ValidateOptions(IServiceProvider services)
    {
        try
        {
            CoppiceHost.ValidateOptions(services);
        }
        catch (InvalidOperationException ex) when (ex.Message.Contains("configuration", StringComparison.OrdinalIgnoreCase))
        {
            throw new ConfigurationErrorException(ex.Message, ex);
        }
    }
}
