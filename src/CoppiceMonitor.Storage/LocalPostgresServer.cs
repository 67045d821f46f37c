using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace CoppiceMonitor.Storage;

/// <summary>Where and how a <see cref="LocalPostgresServer"/> runs.</summary>
public sealed class LocalPostgresServerOptions
{
    /// <summary>
    /// Root folder of the server (holds <c>pgdata/</c>, the socket folder <c>run/</c>, the password and the log).
    /// Null: a fresh temporary folder named <c>coppice-pg-*</c> under the system temp folder, deleted on dispose.
    /// </summary>
    public string? RootDirectory { get; set; }

    /// <summary>Folder with initdb/pg_ctl. Null: env COPPICE_PG_BIN, else the newest /usr/lib/postgresql/*/bin.</summary>
    public string? BinDirectory { get; set; }

    /// <summary>TCP port on 127.0.0.1. 0 picks a free one.</summary>
    public int Port { get; set; }

    /// <summary>Delete the root folder on dispose. Default: true only for a temporary folder.</summary>
    public bool? DeleteOnDispose { get; set; }

    /// <summary>Extra postgresql.conf settings written at initdb (e.g. fsync=off for throwaway test servers).</summary>
    public IDictionary<string, string> Settings { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Settings that make a throwaway server fast: no durability, which tests do not need.</summary>
    public static LocalPostgresServerOptions ForTests()
    {
        var options = new LocalPostgresServerOptions();
        options.Settings["fsync"] = "off";
        options.Settings["synchronous_commit"] = "off";
        options.Settings["full_page_writes"] = "off";
        options.Settings["max_connections"] = "200";
        options.Settings["shared_buffers"] = "128MB";
        return options;
    }
}

/// <summary>
/// A private PostgreSQL server run from the machine's own binaries (initdb + pg_ctl), listening only on loopback
/// and on a unix socket inside its own folder. PostgreSQL refuses to run as root, so when we are root the server
/// runs as the <c>postgres</c> system user (via runuser) and its folder is handed to that user. Used by the test
/// fixture (one throwaway server per run) and by the product's embedded default database.
/// </summary>
public sealed class LocalPostgresServer : IAsyncDisposable
{
    /// <summary>Prefix of temporary server folders; <see cref="RemoveStaleDirectories"/> looks for it.</summary>
    public const string TempPrefix = "coppice-pg-";
    public const string SuperUser = "postgres";
    private const string OwnerFileName = "owner.pid";
    private const string PasswordFileName = "password";
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private readonly ILogger _logger;
    private readonly bool _deleteOnDispose;
    private readonly bool _runAsPostgresUser;
    private bool _disposed;
    private bool _reaperStarted;

    private LocalPostgresServer(string root, string bin, int port, bool deleteOnDispose, string password, ILogger logger)
    {
        RootDirectory = root;
        BinDirectory = bin;
        Port = port;
        Password = password;
        _deleteOnDispose = deleteOnDispose;
        _logger = logger;
        _runAsPostgresUser = IsRoot();
    }

    public string RootDirectory { get; }
    public string DataDirectory => Path.Combine(RootDirectory, "pgdata");
    public string SocketDirectory => Path.Combine(RootDirectory, "run");
    public string LogFile => Path.Combine(RootDirectory, "server.log");
    public string PasswordFile => Path.Combine(RootDirectory, PasswordFileName);
    public string BinDirectory { get; }
    public int Port { get; }
    public string Host { get; } = "127.0.0.1";
    public string Password { get; }
    public bool IsRunning { get; private set; }

    /// <summary>Connection string for the superuser to <paramref name="database"/> over loopback TCP.</summary>
    public string GetConnectionString(string database = "postgres") => new NpgsqlConnectionStringBuilder
    {
        Host = Host,
        Port = Port,
        Username = SuperUser,
        Password = Password,
        Database = database,
    }.ConnectionString;

    /// <summary>Initialises the folder if needed (initdb), picks a port and starts the server.</summary>
    public static async Task<LocalPostgresServer> StartAsync(
        LocalPostgresServerOptions? options = null, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        options ??= new LocalPostgresServerOptions();
        logger ??= NullLogger.Instance;
        if (OperatingSystem.IsWindows() || (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()))
        {
            throw LocalPostgresServerMessages.Unsupported();
        }

        var bin = options.BinDirectory ?? FindBinDirectory();
        var temporary = options.RootDirectory is null;
        if (temporary)
        {
            RemoveStaleDirectories(Path.GetTempPath(), logger);
        }

        var root = Path.GetFullPath(options.RootDirectory
            ?? Path.Combine(Path.GetTempPath(), TempPrefix + Guid.NewGuid().ToString("N")[..12]));
        // Owner-only: the folder holds the superuser password and the data (initdb also insists on 0700 for pgdata).
        Directory.CreateDirectory(root, OwnerOnlyDirectory);
        File.SetUnixFileMode(root, OwnerOnlyDirectory);
        await File.WriteAllTextAsync(Path.Combine(root, OwnerFileName),
            Environment.ProcessId.ToString(CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);

        var passwordFile = Path.Combine(root, PasswordFileName);
        var password = await ReadOrCreateSecretAsync(passwordFile, cancellationToken).ConfigureAwait(false);

        var server = new LocalPostgresServer(root, bin, options.Port == 0 ? FreePort() : options.Port,
            options.DeleteOnDispose ?? temporary, password, logger);
        try
        {
            await server.InitialiseAsync(options, cancellationToken).ConfigureAwait(false);
            await server.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return server;
    }

    /// <summary>Starts a stopped server again on the same port and folder.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (IsRunning)
        {
            return;
        }

        Directory.CreateDirectory(SocketDirectory);
        if (_runAsPostgresUser)
        {
            await ChownAsync(SocketDirectory, cancellationToken).ConfigureAwait(false);
        }

        // Stale postmaster.pid from a killed server blocks a start; pg_ctl itself removes it when the pid is gone.
        var serverOptions = string.Create(CultureInfo.InvariantCulture,
            $"-p {Port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='{SocketDirectory}'");
        var (code, output) = await RunAsync("pg_ctl",
            ["-D", DataDirectory, "-l", LogFile, "-w", "-t", "60", "-o", serverOptions, "start"],
            cancellationToken).ConfigureAwait(false);
        if (code != 0)
        {
            var log = File.Exists(LogFile) ? await File.ReadAllTextAsync(LogFile, cancellationToken).ConfigureAwait(false) : "";
            throw new InvalidOperationException(
                $"pg_ctl start failed ({code}): {output}\n{Tail(log, 2000)}");
        }

        IsRunning = true;
        Log.PostgresStarted(_logger, DataDirectory, Port);
        if (_deleteOnDispose && !_reaperStarted)
        {
            StartReaper();
            _reaperStarted = true;
        }
    }

    /// <summary>Stops the server (fast shutdown: disconnects clients, then a clean checkpoint).</summary>
    public Task StopAsync(CancellationToken cancellationToken = default) => StopAsync("fast", cancellationToken);

    /// <summary>
    /// Stops the server like a power cut (no checkpoint; the next start runs crash recovery). For throwaway
    /// servers about to be deleted, and for tests of recovery.
    /// </summary>
    public Task StopImmediatelyAsync(CancellationToken cancellationToken = default) => StopAsync("immediate", cancellationToken);

    private async Task StopAsync(string mode, CancellationToken cancellationToken)
    {
        if (!IsRunning)
        {
            return;
        }

        var (code, output) = await RunAsync("pg_ctl", ["-D", DataDirectory, "-w", "-t", "60", "-m", mode, "stop"],
            cancellationToken).ConfigureAwait(false);
        if (code != 0)
        {
            throw new InvalidOperationException($"pg_ctl stop failed ({code}): {output}");
        }

        IsRunning = false;
        NpgsqlConnection.ClearAllPools();
        Log.PostgresStopped(_logger, DataDirectory);
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        try
        {
            // A folder about to be deleted needs no shutdown checkpoint.
            await (_deleteOnDispose ? StopImmediatelyAsync() : StopAsync()).ConfigureAwait(false);
        }
        catch (InvalidOperationException ex)
        {
            Log.PostgresStopFailed(_logger, DataDirectory, ex);
        }

        _disposed = true;
        if (_deleteOnDispose)
        {
            TryDelete(RootDirectory, _logger);
        }
    }

    /// <summary>
    /// Removes leftovers of crashed runs under <paramref name="parentDirectory"/>: temporary server folders whose
    /// owning process is gone. A server still running in such a folder is stopped first. Returns how many went.
    /// </summary>
    public static int RemoveStaleDirectories(string parentDirectory, ILogger? logger = null)
    {
        logger ??= NullLogger.Instance;
        var removed = 0;
        if (!Directory.Exists(parentDirectory))
        {
            return 0;
        }

        foreach (var dir in Directory.EnumerateDirectories(parentDirectory, TempPrefix + "*"))
        {
            var ownerFile = Path.Combine(dir, OwnerFileName);
            int? owner = ReadPid(ownerFile);
            if (owner is null)
            {
                // No owner recorded: only treat it as stale once it is clearly not being set up right now.
                if (Directory.GetLastWriteTimeUtc(dir) > DateTime.UtcNow.AddMinutes(-10))
                {
                    continue;
                }
            }
            else if (IsAlive(owner.Value))
            {
                continue;
            }

            var postmaster = ReadPid(Path.Combine(dir, "pgdata", "postmaster.pid"));
            if (postmaster is int pid && IsAlive(pid))
            {
                try
                {
                    // SIGQUIT = immediate shutdown; nothing in a throwaway folder is worth a checkpoint.
                    using var process = Process.Start("kill", ["-QUIT", pid.ToString(CultureInfo.InvariantCulture)]);
                    process.WaitForExit(5000);
                    for (var i = 0; i < 50 && IsAlive(pid); i++)
                    {
                        Thread.Sleep(100);
                    }
                }
                catch (System.ComponentModel.Win32Exception)
                {
                    continue;
                }
            }

            if (TryDelete(dir, logger))
            {
                removed++;
                Log.PostgresStaleRemoved(logger, dir);
            }
        }

        return removed;
    }

    /// <summary>The newest /usr/lib/postgresql/N/bin (or env COPPICE_PG_BIN) that has initdb.</summary>
    public static string FindBinDirectory()
    {
        var fromEnv = Environment.GetEnvironmentVariable("COPPICE_PG_BIN");
        if (!string.IsNullOrEmpty(fromEnv))
        {
            return fromEnv;
        }

        const string Base = "/usr/lib/postgresql";
        var newest = Directory.Exists(Base)
            ? Directory.EnumerateDirectories(Base)
                .Select(d => (Dir: d, Version: double.TryParse(Path.GetFileName(d), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : -1))
                .Where(d => d.Version >= 0 && File.Exists(Path.Combine(d.Dir, "bin", "initdb")))
                .OrderByDescending(d => d.Version)
                .Select(d => Path.Combine(d.Dir, "bin"))
                .FirstOrDefault()
            : null;
        return newest ?? throw new InvalidOperationException(
            "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin (install the postgresql package, " +
            "run deploy/dev/setup.sh, or set COPPICE_PG_BIN).");
    }

    private async Task InitialiseAsync(LocalPostgresServerOptions options, CancellationToken cancellationToken)
    {
        if (_runAsPostgresUser)
        {
            await ChownAsync(RootDirectory, cancellationToken).ConfigureAwait(false);
        }

        if (File.Exists(Path.Combine(DataDirectory, "PG_VERSION")))
        {
            return;
        }

        // --auth: password (scram) on TCP, and on the socket too, so other local users cannot walk in.
        var (code, output) = await RunAsync("initdb",
            ["-D", DataDirectory, "-U", SuperUser, "--pwfile", Path.Combine(RootDirectory, PasswordFileName),
             "--auth=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8", "--no-instructions"],
            cancellationToken).ConfigureAwait(false);
        if (code != 0)
        {
            throw new InvalidOperationException($"initdb failed ({code}): {output}");
        }

        if (options.Settings.Count > 0)
        {
            var lines = options.Settings.Select(kv => $"{kv.Key} = '{kv.Value.Replace("'", "''", StringComparison.Ordinal)}'");
            var conf = Path.Combine(DataDirectory, "postgresql.conf");
            await File.AppendAllLinesAsync(conf, lines, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<(int Code, string Output)> RunAsync(string tool, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var exe = Path.Combine(BinDirectory, tool);
        var info = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RootDirectory,
        };
        if (_runAsPostgresUser)
        {
            info.FileName = "runuser";
            info.ArgumentList.Add("-u");
            info.ArgumentList.Add(SuperUser);
            info.ArgumentList.Add("--");
            info.ArgumentList.Add(exe);
        }
        else
        {
            info.FileName = exe;
        }

        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {tool}");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        return (process.ExitCode, (await stdout.ConfigureAwait(false)) + (await stderr.ConfigureAwait(false)));
    }

    private static async Task ChownAsync(string path, CancellationToken cancellationToken)
    {
        using var process = Process.Start("chown", ["-R", $"{SuperUser}:", path])
            ?? throw new InvalidOperationException("could not start chown");
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"chown {path} to {SuperUser} failed; does the '{SuperUser}' user exist?");
        }
    }

    /// <summary>
    /// A throwaway server must not outlive its owner even when the owner is killed (a test host torn down before
    /// its exit handlers finish, a crash): a detached shell waits for our process to go, then stops the server
    /// and deletes the folder. It exits at once if the folder is already gone.
    /// </summary>
    private void StartReaper()
    {
        const string Script = """
            exec </dev/null >/dev/null 2>&1
            while kill -0 "$1" 2>/dev/null; do sleep 1; done
            if [ -f "$2/pgdata/postmaster.pid" ]; then
              if [ "$4" = "root" ]; then runuser -u postgres -- "$3/pg_ctl" -D "$2/pgdata" -m immediate -w stop
              else "$3/pg_ctl" -D "$2/pgdata" -m immediate -w stop; fi
            fi
            rm -rf "$2"
            """;
        // Double fork: the outer shell exits at once so the watcher is not our child (test hosts kill their
        // whole process tree) and is re-parented to init in its own session.
        const string Launcher = """
            exec </dev/null >/dev/null 2>&1
            sh -c "$0" coppice-pg-reaper "$@" &
            """;
        var info = new ProcessStartInfo("setsid")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[] { "sh", "-c", Launcher, Script,
                     Environment.ProcessId.ToString(CultureInfo.InvariantCulture), RootDirectory, BinDirectory,
                     _runAsPostgresUser ? "root" : "user" })
        {
            info.ArgumentList.Add(arg);
        }

        try
        {
            using var process = Process.Start(info);
            process?.WaitForExit(5000);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            // Without setsid the stale-folder sweep of the next run still cleans up.
            Log.PostgresReaperFailed(_logger, ex);
        }
    }

    /// <summary>
    /// The generated password stored in <paramref name="path"/>, creating it (random, 0600) the first time. An
    /// existing file is narrowed to 0600 as well: older folders (or a copy) may have a wider mode, and a password
    /// readable by others is no password.
    /// </summary>
    internal static async Task<string> ReadOrCreateSecretAsync(string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            var created = Convert.ToHexString(RandomNumberGenerator.GetBytes(18));
            await WriteSecretAsync(path, created, cancellationToken).ConfigureAwait(false);
            return created;
        }

        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, OwnerOnlyFile);
        }

        return (await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false)).Trim();
    }

    /// <summary>
    /// Writes a secret (a password) to a new file that is owner read/write only (0600) from the moment it exists,
    /// so there is no window in which another user could read it.
    /// </summary>
    internal static async Task WriteSecretAsync(string path, string secret, CancellationToken cancellationToken)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnlyFile;
        }

        var stream = new FileStream(path, options);
        await using (stream.ConfigureAwait(false))
        {
            await stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(secret + "\n"), cancellationToken).ConfigureAwait(false);
            stream.Flush(flushToDisk: true);
        }

        // UnixCreateMode is filtered by the umask and ignored for an existing file: set it explicitly as well.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, OwnerOnlyFile);
        }
    }

    private static bool IsRoot() => OperatingSystem.IsLinux() && Environment.UserName == "root";

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static int? ReadPid(string file)
    {
        try
        {
            var first = File.Exists(file) ? File.ReadLines(file).FirstOrDefault() : null;
            return int.TryParse(first, NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static bool IsAlive(int pid)
    {
        if (OperatingSystem.IsLinux())
        {
            return Directory.Exists($"/proc/{pid}");
        }

        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static bool TryDelete(string dir, ILogger logger)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
            return true;
        }
        catch (IOException ex)
        {
            Log.PostgresDeleteFailed(logger, dir, ex);
            return false;
        }
        catch (UnauthorizedAccessException ex)
        {
            Log.PostgresDeleteFailed(logger, dir, ex);
            return false;
        }
    }

    private static string Tail(string text, int max) => text.Length <= max ? text : text[^max..];
}
