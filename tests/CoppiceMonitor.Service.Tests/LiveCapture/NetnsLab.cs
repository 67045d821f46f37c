using System.Diagnostics;

namespace CoppiceMonitor.Service.Tests.LiveCapture;

/// <summary>Drives netns-lab.sh: two private namespaces (10.199.0.0/24) joined by a bridge we capture on.</summary>
public sealed class NetnsLab : IDisposable
{
    private static readonly string Script = Path.Combine(AppContext.BaseDirectory, "LiveCapture", "netns-lab.sh");

    public NetnsLab(string clientMac)
    {
        Id = Convert.ToHexString(BitConverter.GetBytes(Random.Shared.Next()))[..4].ToLowerInvariant();
        Folder = Directory.CreateTempSubdirectory("coppice-lab-").FullName;
        try
        {
            Run("up", clientMac);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Id { get; }

    public string Folder { get; }

    public string CaptureInterface => "cmch" + Id;

    /// <summary>Why namespaces cannot be made here (not root, no CAP_SYS_ADMIN, no iproute2), or null when they can.</summary>
    public static string? WhyUnavailable()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "network namespaces need Linux";
        }

        if (Environment.UserName != "root")
        {
            return "creating network namespaces needs root";
        }

        var name = "cmprobe" + Environment.ProcessId;
        var (code, output) = Exec("ip", "netns", "add", name);
        Exec("ip", "netns", "del", name);
        return code == 0 ? null : "cannot create a network namespace here: " + output.Trim();
    }

    public string Run(string command, string? argument = null)
    {
        var args = new List<string> { Script, command, Id, Folder };
        if (argument is not null)
        {
            args.Add(argument);
        }

        var (code, output) = Exec("bash", [.. args]);
        if (code != 0)
        {
            throw new InvalidOperationException($"netns-lab.sh {command} failed ({code}):\n{output}");
        }

        return output;
    }

    public void Dispose()
    {
        Exec("bash", Script, "down", Id, Folder);
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // dnsmasq may still be writing its lease file for a moment.
        }
    }

    private static (int Code, string Output) Exec(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr);
    }
}

/// <summary>A fact that skips, saying why, where network namespaces cannot be created (xunit 2 has no runtime skip).</summary>
public sealed class NetnsFactAttribute : FactAttribute
{
    public NetnsFactAttribute()
    {
        if (NetnsLab.WhyUnavailable() is { } why)
        {
            Skip = why;
        }
    }
}
