using System.Diagnostics;
using System.Globalization;
using CoppiceMonitor.Testing;

namespace CoppiceMonitor.Storage.Tests.Ingest;

/// <summary>
/// Issue #5's crash test with a real process: CoppiceMonitor.Storage.CrashHost ingests through IngestService into
/// a real PostgreSQL server, the server is stopped so half the rows sit in the spool, the server returns and the
/// child is SIGKILLed in the middle of replaying a batch with its COPY open; a second run replays the spool.
/// </summary>
public sealed class IngestCrashTests : IDisposable
{
    private readonly string _spoolDir = Directory.CreateTempSubdirectory("coppice-crash-test").FullName;

    public void Dispose() => Directory.Delete(_spoolDir, recursive: true);

    [Fact]
    public async Task Ingest_ProcessKilledMidBatchThenRestarted_EveryObservationExactlyOnce()
    {
        const int N = 6000, BatchSize = 200, HangBatch = 3, HangRow = 120;
        var (server, cs) = await PostgresCluster.StartDedicatedServerAsync();
        await using var _ = server;

        using (var child = ChildProcess.Start("ingest", cs, _spoolDir, N.ToString(CultureInfo.InvariantCulture),
                   BatchSize.ToString(CultureInfo.InvariantCulture), HangBatch.ToString(CultureInfo.InvariantCulture),
                   HangRow.ToString(CultureInfo.InvariantCulture)))
        {
            await child.WaitForLineAsync("written");
            Assert.Equal(N / 2, await TestData.ScalarAsync(cs, "SELECT count(*) FROM observations"));

            await server.StopAsync();
            await child.SendAsync("outage");
            var spooled = await child.WaitForLineAsync("spooled");
            Assert.True(int.Parse(spooled.Split(' ')[1], CultureInfo.InvariantCulture) > 0, "the outage should have spooled batches");
            Assert.NotEmpty(Directory.GetFiles(_spoolDir, "*.seg"));

            await server.StartAsync();
            await child.WaitForLineAsync("in-copy");
            // The child really is inside a COPY: the server has the statement running, its batch id claimed but
            // uncommitted, when the process dies.
            Assert.Equal(1, await TestData.ScalarAsync(cs,
                "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'COPY observations%' AND state = 'active'"));
            child.Kill();
        }

        // Two replayed batches committed before the kill; the third died with its connection; the spool is intact.
        await WaitForAsync(async () => await TestData.ScalarAsync(cs,
            "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'COPY observations%'") == 0);
        var afterCrash = await TestData.ScalarAsync(cs, "SELECT count(*) FROM observations");
        Assert.True(afterCrash < N, $"{afterCrash} rows: the crash should have left rows in the spool only");
        Assert.Equal(afterCrash, await TestData.ScalarAsync(cs, "SELECT coalesce(sum(row_count), 0) FROM ingest_batches"));
        Assert.Equal(HangBatch - 1, await TestData.ScalarAsync(cs, "SELECT count(*) FROM ingest_batches WHERE from_spool"));
        Assert.NotEmpty(Directory.GetFiles(_spoolDir, "*.seg"));

        using (var restart = ChildProcess.Start("replay", cs, _spoolDir))
        {
            var replayed = (await restart.WaitForLineAsync("replayed")).Split(' ');
            Assert.Equal(0, await restart.WaitForExitAsync());
            // Replayed batches whose segment was not yet deleted come round again and are skipped by id (how many
            // depends on how the outage split the spool into segments); the rest is written now.
            Assert.InRange(int.Parse(replayed[2], CultureInfo.InvariantCulture), 0, HangBatch - 1);
            Assert.True(int.Parse(replayed[1], CultureInfo.InvariantCulture) > 0);
            Assert.Equal("0", replayed[3]); // a killed process leaves no torn record: appends are fsynced whole
        }

        Assert.Equal(N, await TestData.ScalarAsync(cs, "SELECT count(*) FROM observations"));
        Assert.Equal(N, await TestData.ScalarAsync(cs, "SELECT count(DISTINCT name) FROM observations"));
        Assert.Equal(N, await TestData.ScalarAsync(cs, "SELECT sum(row_count) FROM ingest_batches"));
        Assert.Empty(Directory.GetFiles(_spoolDir, "*.seg"));
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 200 && !await condition(); i++)
        {
            await Task.Delay(50);
        }
    }

    /// <summary>The crash host run with `dotnet`, stdout read line by line.</summary>
    private sealed class ChildProcess : IDisposable
    {
        private readonly Process _process;
        private readonly List<string> _stderr = [];

        private ChildProcess(Process process) => _process = process;

        public static ChildProcess Start(params string[] args)
        {
            var dll = Path.Combine(AppContext.BaseDirectory, "CoppiceMonitor.Storage.CrashHost.dll");
            Assert.True(File.Exists(dll), $"{dll} missing: the test project references the crash host to build it");
            var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            info.ArgumentList.Add(dll);
            foreach (var arg in args)
            {
                info.ArgumentList.Add(arg);
            }

            var child = new ChildProcess(Process.Start(info)!);
            child._process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    lock (child._stderr)
                    {
                        child._stderr.Add(e.Data);
                    }
                }
            };
            child._process.BeginErrorReadLine();
            return child;
        }

        public async Task<string> WaitForLineAsync(string prefix)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            while (true)
            {
                var line = await _process.StandardOutput.ReadLineAsync(timeout.Token);
                if (line is null)
                {
                    await _process.WaitForExitAsync(timeout.Token);
                    string errors;
                    lock (_stderr)
                    {
                        errors = string.Join('\n', _stderr);
                    }

                    Assert.Fail($"crash host exited ({_process.ExitCode}) before '{prefix}': {errors}");
                }

                if (line.StartsWith(prefix, StringComparison.Ordinal))
                {
                    return line;
                }
            }
        }

        public async Task SendAsync(string line)
        {
            await _process.StandardInput.WriteLineAsync(line);
            await _process.StandardInput.FlushAsync();
        }

        public async Task<int> WaitForExitAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            await _process.WaitForExitAsync(timeout.Token);
            return _process.ExitCode;
        }

        /// <summary>SIGKILL: no finally blocks, no flush, no shutdown of the service.</summary>
        public void Kill()
        {
            _process.Kill(entireProcessTree: false);
            _process.WaitForExit();
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill();
            }

            _process.Dispose();
        }
    }
}
