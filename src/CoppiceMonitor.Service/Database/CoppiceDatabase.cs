using System.Globalization;
using CoppiceMonitor.Service.Hosting;
using CoppiceMonitor.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using CoppiceMonitor.Storage.Ingest;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CoppiceMonitor.Service.Database;

/// <summary>
/// The database a verb talks to: ConnectionStrings:Coppice when configured (it always wins), otherwise a private
/// PostgreSQL server under DataFolder/postgres started on first use (initdb the first time, loopback only, run as
/// the postgres user when we are root) and stopped when the process ends. If another coppice-monitor process
/// already runs that server (the service, while ICT runs `status`), this one connects to it instead.
/// </summary>
public sealed class CoppiceDatabase : IAsyncDisposable
{
    public const string EmbeddedDatabaseName = "coppice";

    private readonly string? _configured;
    private readonly IConfiguration _configuration;
    private CoppiceConnectionStrings? _roleConnectionStrings;
    private readonly ServiceOptions _options;
    private readonly ILogger<CoppiceDatabase> _logger;
    private readonly ILoggerFactory _loggerFactory;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private LocalPostgresServer? _server;
    private string? _connectionString;

    public CoppiceDatabase(IConfiguration configuration, IOptions<ServiceOptions> options, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _configured = configuration.GetConnectionString(CoppiceConnectionStrings.DefaultName) is { Length: > 0 } cs ? cs : null;
        _configuration = configuration;
        _options = options.Value;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<CoppiceDatabase>();
    }

    public bool IsEmbedded => _configured is null;

    public string EmbeddedFolder => Path.Combine(_options.DataFolder, "postgres");

    /// <summary>Connection string, starting (and on first use creating and migrating) the embedded server if needed.</summary>
    public async Task<string> GetConnectionStringAsync(CancellationToken cancellationToken)
    {
        if (_connectionString is not null)
        {
            return _connectionString;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_connectionString is not null)
            {
                return _connectionString;
            }

            if (_configured is not null)
            {
                Log.UsingConfiguredDatabase(_logger, new NpgsqlConnectionStringBuilder(_configured).Host ?? "?");
                return _connectionString = _configured;
            }

            _connectionString = await StartEmbeddedAsync(cancellationToken).ConfigureAwait(false);
            return _connectionString;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// One connection string per database role, so each part connects with the least it needs (policy 10.4):
    /// ingest may only insert, reporting may only read aggregates and record report runs, admin (migrations, purges,
    /// investigations, the registry) owns the tables. Configured: ConnectionStrings:CoppiceIngest / CoppiceReporting /
    /// CoppiceAdmin, each falling back to ConnectionStrings:Coppice. Embedded: login roles the server creates for
    /// itself, with generated passwords kept beside it (0600); admin stays the owner, since dropping day partitions
    /// needs ownership.
    /// </summary>
    public async Task<CoppiceConnectionStrings> GetRoleConnectionStringsAsync(CancellationToken cancellationToken)
    {
        var admin = await GetConnectionStringAsync(cancellationToken).ConfigureAwait(false);
        if (_roleConnectionStrings is not null)
        {
            return _roleConnectionStrings;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _roleConnectionStrings ??= IsEmbedded
                ? await DatabaseRoles.EnsureLoginRolesAsync(admin, EmbeddedFolder, cancellationToken: cancellationToken).ConfigureAwait(false)
                : CoppiceConnectionStrings.FromConfiguration(_configuration, admin);
            return _roleConnectionStrings;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// As root the embedded server runs as the postgres user, which must be able to traverse every folder above its
    /// data. A clone under /root or a mktemp folder (mode 0700) is not: say so, naming the setting, instead of
    /// letting initdb fail with "Permission denied".
    /// </summary>
    private static void CheckReachableByPostgresUser(string folder)
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
        {
            return;
        }

        for (var dir = Path.GetDirectoryName(Path.GetFullPath(folder)); !string.IsNullOrEmpty(dir); dir = Path.GetDirectoryName(dir))
        {
            if (Directory.Exists(dir) && (File.GetUnixFileMode(dir) & UnixFileMode.OtherExecute) == 0)
            {
                throw new ConfigurationErrorException(
                    $"Service:DataFolder: the embedded PostgreSQL server runs as the postgres user, which cannot enter {dir} " +
                    "(no execute permission for others). Choose a data folder it can reach (e.g. /var/lib/coppice-monitor), " +
                    $"run 'chmod o+x {dir}', or configure ConnectionStrings:Coppice.");
            }
        }
    }

    private async Task<string> StartEmbeddedAsync(CancellationToken cancellationToken)
    {
        Log.UsingEmbeddedDatabase(_logger, EmbeddedFolder);
        string admin;
        if (TryAttachToRunning(out var running))
        {
            admin = running;
        }
        else
        {
            CheckReachableByPostgresUser(EmbeddedFolder);
            var options = new LocalPostgresServerOptions
            {
                RootDirectory = EmbeddedFolder,
                Port = _options.EmbeddedDatabasePort,
                DeleteOnDispose = false,
            };
            _server = await LocalPostgresServer.StartAsync(options, _loggerFactory.CreateLogger<LocalPostgresServer>(), cancellationToken).ConfigureAwait(false);
            admin = _server.GetConnectionString("postgres");
        }

        var (connectionString, created) = await DatabaseMigrator.EnsureDatabaseAsync(admin, EmbeddedDatabaseName, cancellationToken).ConfigureAwait(false);
        // The embedded database is ours: keep its schema current without asking ICT to run `db migrate`. Checking
        // the migrations costs seconds of EF Core start-up on every verb, so it is skipped when this very build of
        // the storage assembly already migrated this database (a marker beside it holds the build's module id).
        var marker = Path.Combine(EmbeddedFolder, "migrated-by");
        var stamp = typeof(DatabaseMigrator).Assembly.ManifestModule.ModuleVersionId.ToString();
        if (created || !File.Exists(marker) || (await File.ReadAllTextAsync(marker, cancellationToken).ConfigureAwait(false)).Trim() != stamp)
        {
            await DatabaseMigrator.MigrateAsync(connectionString, cancellationToken).ConfigureAwait(false);
            try
            {
                await File.WriteAllTextAsync(marker, stamp, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Without the marker the next verb just checks the migrations again.
            }
        }

        return connectionString;
    }

    /// <summary>
    /// postmaster.pid line 4 is the port; if that server process is alive (another coppice-monitor started it),
    /// connect with the stored password rather than starting a second postmaster on the same folder.
    /// </summary>
    private bool TryAttachToRunning(out string connectionString)
    {
        connectionString = "";
        var pidFile = Path.Combine(EmbeddedFolder, "pgdata", "postmaster.pid");
        var passwordFile = Path.Combine(EmbeddedFolder, "password");
        try
        {
            if (!File.Exists(pidFile) || !File.Exists(passwordFile))
            {
                return false;
            }

            var lines = File.ReadAllLines(pidFile);
            if (lines.Length < 4
                || !int.TryParse(lines[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid)
                || !int.TryParse(lines[3], NumberStyles.Integer, CultureInfo.InvariantCulture, out var port)
                || !Directory.Exists($"/proc/{pid}"))
            {
                return false;
            }

            connectionString = new NpgsqlConnectionStringBuilder
            {
                Host = "127.0.0.1",
                Port = port,
                Username = LocalPostgresServer.SuperUser,
                Password = File.ReadAllText(passwordFile).Trim(),
                Database = "postgres",
            }.ConnectionString;
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
            _server = null;
            Log.EmbeddedDatabaseStopped(_logger);
        }

        _gate.Dispose();
    }
}

public static class DatabaseServiceCollectionExtensions
{
    /// <summary>
    /// The database every verb talks to (<see cref="CoppiceDatabase"/>: configured or embedded) and Storage on it
    /// (AddCoppiceStorage with the per-role connection strings, resolved when first needed). A relative
    /// Ingest:SpoolDirectory is the service's spool folder (Service:SpoolFolder, by default DataFolder/spool).
    /// </summary>
    public static IServiceCollection AddCoppiceDatabase(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton<CoppiceDatabase>();
        services.AddCoppiceStorage(configuration,
            sp => sp.GetRequiredService<CoppiceDatabase>().GetRoleConnectionStringsAsync(CancellationToken.None).GetAwaiter().GetResult());
        services.AddOptions<IngestOptions>().PostConfigure<IOptions<ServiceOptions>>((ingest, service) =>
        {
            if (!Path.IsPathFullyQualified(ingest.SpoolDirectory))
            {
                ingest.SpoolDirectory = service.Value.ResolvedSpoolFolder;
            }
        });
        return services;
    }
}
