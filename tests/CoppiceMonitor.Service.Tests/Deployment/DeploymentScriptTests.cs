using System.Diagnostics;

namespace CoppiceMonitor.Service.Tests.Deployment;

/// <summary>deploy/linux: the unit's hardening (and systemd-analyze verify where installed) and the installer's dry run.</summary>
public sealed class DeploymentScriptTests : IDisposable
{
    private static readonly string RepoRoot = FindRepoRoot();
    private readonly TempFolder _folder = new();

    [Fact]
    public async Task CheckUnit_ShippedUnit_PassesHardeningAndVerify()
    {
        var result = await BashAsync(Path.Combine(RepoRoot, "deploy/linux/check-unit.sh"));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("hardening ok", result.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("NoNewPrivileges=yes", "NoNewPrivileges=no", "NoNewPrivileges")]
    [InlineData("CapabilityBoundingSet=CAP_NET_RAW CAP_NET_ADMIN", "CapabilityBoundingSet=CAP_NET_RAW CAP_NET_ADMIN CAP_SYS_ADMIN", "CapabilityBoundingSet")]
    [InlineData("ProtectSystem=strict", "ProtectSystem=full", "ProtectSystem")]
    [InlineData("User=coppice", "User=root", "User")]
    [InlineData("ReadWritePaths=/var/lib/coppice-monitor", "ReadWritePaths=/etc /var/lib/coppice-monitor", "ReadWritePaths")]
    public async Task CheckUnit_WeakenedUnit_FailsNamingTheKey(string original, string weakened, string key)
    {
        var unit = await File.ReadAllTextAsync(Path.Combine(RepoRoot, "deploy/linux/coppice-monitor.service"));
        Assert.Contains(original, unit, StringComparison.Ordinal);
        var path = _folder.Write("weak.service", unit.Replace(original, weakened, StringComparison.Ordinal));

        var result = await BashAsync(Path.Combine(RepoRoot, "deploy/linux/check-unit.sh"), path);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("check-unit: " + key, result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Install_DryRun_ShowsEveryStepAndChangesNothing()
    {
        var prefix = Path.Combine(_folder.Path, "opt");

        var result = await BashAsync(Path.Combine(RepoRoot, "deploy/linux/install.sh"), "--dry-run", "--prefix", prefix);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"would run: dotnet publish", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("would write /etc/systemd/system/coppice-monitor.service", result.Stdout, StringComparison.Ordinal);
        Assert.Contains($"ExecStart={prefix}/coppice-monitor run", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("nothing was changed", result.Stdout, StringComparison.Ordinal);
        Assert.False(Directory.Exists(prefix));
    }

    public void Dispose() => _folder.Dispose();

    private static async Task<ProcessResult> BashAsync(params string[] args)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        return new ProcessResult(process.ExitCode, await stdout, await stderr);
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "deploy/linux/check-unit.sh")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("deploy/linux/check-unit.sh not found above " + AppContext.BaseDirectory);
    }
}
