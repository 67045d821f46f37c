using Microsoft.Extensions.Configuration;
using Npgsql;

namespace CoppiceMonitor.Storage;

/// <summary>
/// One connection string per part of the service, each meant for the least database role that part needs
/// (deploy/postgres/roles.sql): ingest (capture writes), reporting (report reads and report_runs), admin
/// (migrations, registry import, partitions, retention, investigations, audit). A class, not a record, so that
/// ToString never prints the passwords into a log.
/// </summary>
public sealed class CoppiceConnectionStrings
{
    /// <summary>ConnectionStrings:Coppice, the fallback for every part.</summary>
    public const string DefaultName = "Coppice";
    public const string IngestName = "CoppiceIngest";
    public const string ReportingName = "CoppiceReporting";
    public const string AdminName = "CoppiceAdmin";

    public CoppiceConnectionStrings(string ingest, string reporting, string admin)
    {
        ArgumentException.ThrowIfNullOrEmpty(ingest);
        ArgumentException.ThrowIfNullOrEmpty(reporting);
        ArgumentException.ThrowIfNullOrEmpty(admin);
        Ingest = ingest;
        Reporting = reporting;
        Admin = admin;
    }

    public string Ingest { get; }
    public string Reporting { get; }
    public string Admin { get; }

    /// <summary>Every part on one connection string (a single-role install, or tests).</summary>
    public static CoppiceConnectionStrings ForAll(string connectionString) => new(connectionString, connectionString, connectionString);

    /// <summary>
    /// ConnectionStrings:CoppiceIngest / CoppiceReporting / CoppiceAdmin, each falling back to
    /// ConnectionStrings:Coppice and then to <paramref name="fallback"/> (e.g. the embedded server's admin string).
    /// </summary>
    public static CoppiceConnectionStrings FromConfiguration(IConfiguration configuration, string? fallback = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var common = Configured(configuration, DefaultName) ?? fallback
            ?? throw new InvalidOperationException($"ConnectionStrings:{DefaultName} is not set and no fallback was given");
        return new CoppiceConnectionStrings(
            Configured(configuration, IngestName) ?? common,
            Configured(configuration, ReportingName) ?? common,
            Configured(configuration, AdminName) ?? common);
    }

    public override string ToString() =>
        $"ingest as {User(Ingest)}, reporting as {User(Reporting)}, admin as {User(Admin)}";

    private static string? Configured(IConfiguration configuration, string name) =>
        configuration.GetConnectionString(name) is { Length: > 0 } cs ? cs : null;

    private static string User(string connectionString) => new NpgsqlConnectionStringBuilder(connectionString).Username ?? "?";
}

/// <summary>The three data sources built from <see cref="CoppiceConnectionStrings"/>, disposed with the container.</summary>
public sealed class CoppiceDataSources : IAsyncDisposable, IDisposable
{
    public CoppiceDataSources(CoppiceConnectionStrings connectionStrings)
    {
        ArgumentNullException.ThrowIfNull(connectionStrings);
        ConnectionStrings = connectionStrings;
        Admin = NpgsqlDataSource.Create(connectionStrings.Admin);
        // Parts on the same string share one pool rather than opening twice the connections.
        Ingest = connectionStrings.Ingest == connectionStrings.Admin ? Admin : NpgsqlDataSource.Create(connectionStrings.Ingest);
        Reporting = connectionStrings.Reporting == connectionStrings.Admin ? Admin
            : connectionStrings.Reporting == connectionStrings.Ingest ? Ingest
            : NpgsqlDataSource.Create(connectionStrings.Reporting);
    }

    public CoppiceConnectionStrings ConnectionStrings { get; }
    public NpgsqlDataSource Ingest { get; }
    public NpgsqlDataSource Reporting { get; }
    public NpgsqlDataSource Admin { get; }

    public async ValueTask DisposeAsync()
    {
        foreach (var source in new[] { Ingest, Reporting, Admin }.Distinct())
        {
            await source.DisposeAsync().ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        foreach (var source in new[] { Ingest, Reporting, Admin }.Distinct())
        {
            source.Dispose();
        }
    }
}
