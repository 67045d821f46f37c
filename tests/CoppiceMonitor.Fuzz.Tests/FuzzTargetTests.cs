using System.Diagnostics;

namespace CoppiceMonitor.Fuzz.Tests;

/// <summary>Every fuzz target survives its saved crash inputs and the edge inputs below; a bounded AFL++ run of every
/// target finds no crash (skipped with a reason where afl-fuzz is not installed).</summary>
public sealed class FuzzTargetTests
{
    public static TheoryData<string> Targets() => new(FuzzTargets.All.Keys);

    [Theory]
    [MemberData(nameof(Targets))]
    public void Target_EdgeInputsAndSavedCrashes_ReturnNormally(string target)
    {
        var run = FuzzTargets.All[target];
        byte[][] edges = [[], [0], [0xFF], new byte[3], Enumerable.Repeat((byte)0xFF, 4096).ToArray(), Enumerable.Range(0, 512).Select(i => (byte)i).ToArray()];
        foreach (var input in edges)
        {
            run(input);
        }

        var saved = Path.Combine(RepoRoot(), "tests/CoppiceMonitor.Fuzz/regressions", target);
        if (Directory.Exists(saved))
        {
            foreach (var file in Directory.EnumerateFiles(saved))
            {
                run(File.ReadAllBytes(file));
            }
        }
    }

    [Fact]
    public void Targets_CoverEveryParser()
    {
        // The list: capture file reader, DNS, TLS, QUIC Initial, DHCP, HTTP, tunnels (frames), registry CSV.
        foreach (var name in new[] { "capture-file", "frames", "dns", "dns-tcp", "tls", "tls-records", "quic", "dhcp", "http", "registry-staff", "registry-devices" })
        {
            Assert.Contains(name, FuzzTargets.All.Keys);
        }
    }

    [SkippableFact]
    public async Task AllTargets_BoundedAflRun_FindNoCrash()
    {
        Skip.IfNot(File.Exists("/usr/bin/afl-fuzz"), "afl-fuzz is not installed (deploy/dev/setup.sh installs afl++)");

        var root = RepoRoot();
        var work = Path.Combine(Path.GetTempPath(), "coppice-fuzz-" + Guid.NewGuid().ToString("N"));
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { Path.Combine(root, "deploy/fuzz/fuzz.sh"), "--seconds", "5", "--work", work })
        {
            info.ArgumentList.Add(arg);
        }

        try
        {
            using var process = Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(10));
            var output = await stdout;
            Assert.True(process.ExitCode == 0, output + await stderr);
            foreach (var target in FuzzTargets.All.Keys)
            {
                var row = output.Split('\n').Single(l => l.StartsWith(target + " ", StringComparison.Ordinal));
                var columns = row.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                Assert.True(long.Parse(columns[1], System.Globalization.CultureInfo.InvariantCulture) > 0, "no executions: " + row);
                Assert.True(long.Parse(columns[2], System.Globalization.CultureInfo.InvariantCulture) > 0, "no edges: " + row);
                Assert.Equal("0", columns[3]);
            }
        }
        finally
        {
            if (Directory.Exists(work))
            {
                Directory.Delete(work, recursive: true);
            }
        }
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "deploy/fuzz/fuzz.sh")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("deploy/fuzz/fuzz.sh not found above " + AppContext.BaseDirectory);
    }
}
