using System.CommandLine;
using CoppiceMonitor.Capture;
using CoppiceMonitor.Service.Cli;
using CoppiceMonitor.Service.Hosting;
using CoppiceMonitor.Service.Jobs;
using CoppiceMonitor.Service.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CoppiceMonitor.Service.Verbs;

/// <summary>`run`: the worker service (live capture -> visits -> storage, plus the scheduled jobs).</summary>
public static class RunVerb
{
    public static Command Create()
    {
        var command = new Command("run", "Run the monitoring service: live capture on Capture:Interfaces, visits into PostgreSQL, scheduled reports and purges. Stops gracefully on SIGTERM/Ctrl+C after draining.");
        command.SetAction(async (parse, ct) =>
        {
            var builder = CoppiceHost.CreateBuilder(CoppiceCommandLine.Globals(parse), HostKind.Worker);
            builder.Services.AddCoppicePipeline(builder.Configuration);
            builder.Services.AddCoppiceCapture(builder.Configuration);
            builder.Services.AddCoppiceReporting(builder.Configuration);
            builder.Services.AddCoppiceScheduling(builder.Configuration);
            builder.Services.AddHostedService<MonitorWorker>();
            using var host = builder.Build();
            VerbRunner.ValidateOptions(host.Services);
            await host.RunAsync(ct).ConfigureAwait(false);
            return Environment.ExitCode == 0 ? ExitCodes.Success : ExitCodes.RuntimeFailure;
        });
        return command;
    }
}
