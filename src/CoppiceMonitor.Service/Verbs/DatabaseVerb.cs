using System.CommandLine;
using CoppiceMonitor.Service.Cli;
using CoppiceMonitor.Service.Hosting;
using CoppiceMonitor.Service.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using CoppiceMonitor.Storage;

namespace CoppiceMonitor.Service.Verbs;

/// <summary>What a database verb's body gets: the configured school, the services (Storage's objects among them).</summary>
public sealed record DatabaseContext(string SchoolId, IServiceProvider Services, TextWriter Output, TextWriter Error);

/// <summary>Shared plumbing of verbs that work on the database of the configured school.</summary>
public static class DatabaseVerb
{
    public static Task<int> RunAsync(ParseResult parse, Func<DatabaseContext, CancellationToken, Task<int>> body, CancellationToken cancellationToken,
        Action<Microsoft.Extensions.Hosting.HostApplicationBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return VerbRunner.RunAsync(parse, HostKind.Command, b =>
        {
            b.Services.AddCoppicePipeline(b.Configuration);
            configure?.Invoke(b);
        }, async (services, token) =>
        {
            var factory = services.GetRequiredService<VisitPipelineFactory>();
            var wanted = parse.GetValue(CoppiceCommandLine.SchoolOption);
            var school = wanted is null ? factory.School : factory.Find(wanted);
            if (school is null)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync(
                    $"coppice-monitor: --school {wanted}: no such school; configured: {string.Join(", ", factory.Schools.Select(s => s.Id))}").ConfigureAwait(false);
                return ExitCodes.BadArguments;
            }

            await services.GetRequiredService<RegistryStore>().EnsureSchoolAsync(school.Id, school.TimeZone, token).ConfigureAwait(false);
            return await body(new DatabaseContext(school.Id, services, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error), token).ConfigureAwait(false);
        }, cancellationToken);
    }
}
