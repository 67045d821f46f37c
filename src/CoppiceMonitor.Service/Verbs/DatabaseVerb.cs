using System.CommandLine;
using CoppiceMonitor.Service.Cli;
using CoppiceMonitor.Service.Database;
using CoppiceMonitor.Service.Hosting;
using CoppiceMonitor.Service.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CoppiceMonitor.Service.Verbs;

/// <summary>What a database verb's body gets: the configured school, an open data source, the services.</summary>
public sealed record DatabaseContext(string SchoolId, NpgsqlDataSource DataSource, IServiceProvider Services, TextWriter Output, TextWriter Error);

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
            var school = services.GetRequiredService<VisitPipelineFactory>().School;
            var connectionString = await services.GetRequiredService<CoppiceDatabase>().GetConnectionStringAsync(token).ConfigureAwait(false);
            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            await RegistrySource.EnsureSchoolAsync(dataSource, school.Id, school.TimeZone, token).ConfigureAwait(false);
            return await body(new DatabaseContext(school.Id, dataSource, services, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error), token).ConfigureAwait(false);
        }, cancellationToken);
    }
}
