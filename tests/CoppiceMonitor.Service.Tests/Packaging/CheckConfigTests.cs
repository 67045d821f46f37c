using System.Net.NetworkInformation;
using CoppiceMonitor.Service.Verbs;
using Microsoft.Extensions.Configuration;

namespace CoppiceMonitor.Service.Tests.Packaging;

/// <summary>`check-config`: the package starts the service only when it passes, so the sample must fail it.</summary>
public sealed class CheckConfigTests : IDisposable
{
    private readonly TempFolder _folder = new();

    [Fact]
    public async Task Sample_ExitsThreeNamingEverySettingStillToEdit()
    {
        var result = await CoppiceProcess.RunAsync("check-config", "--config", RepoFiles.Path("appsettings.sample.json"),
            "--set", $"Service:DataFolder={_folder.Path}");

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains("Reports:Smtp:Host is still the sample's 'smtp.school.example'", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("Reports:Smtp:FromAddress is still the sample's", result.Stderr, StringComparison.Ordinal);
        if (!NetworkInterface.GetAllNetworkInterfaces().Any(n => n.Name == "eth1"))
        {
            Assert.Contains("Capture:Interfaces names 'eth1'", result.Stderr, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task EditedSample_ExitsZero()
    {
        var result = await CoppiceProcess.RunAsync("check-config", "--config", RepoFiles.Path("appsettings.sample.json"),
            "--set", $"Service:DataFolder={_folder.Path}",
            "--set", "Capture:Interfaces:0=lo",
            "--set", "Reports:Smtp:Host=mail.coppice-primary.sch.uk",
            "--set", "Reports:Smtp:FromAddress=coppice-monitor@coppice-primary.sch.uk",
            "--set", "ConnectionStrings:Coppice=Host=db.coppice-primary.sch.uk;Database=coppice");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("check-config: ok", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvalidValue_IsListedWithTheReadinessProblems()
    {
        var result = await CoppiceProcess.RunAsync("check-config", "--config", RepoFiles.Path("appsettings.sample.json"),
            "--set", $"Service:DataFolder={_folder.Path}", "--set", "Service:ChannelCapacity=5");

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains("Service:ChannelCapacity", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("Reports:Smtp:Host", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Readiness_NoInterfacesNoSchoolsNoDatabase_SaysEach()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Reports:Delivery"] = "Folder",
        }).Build();

        var problems = ConfigurationReadiness.Check(configuration, new HashSet<string> { "lo" }, () => null);

        Assert.Contains(problems, p => p.StartsWith("Capture:Interfaces is empty", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Schools is empty", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("install the postgresql package", StringComparison.Ordinal));
        Assert.DoesNotContain(problems, p => p.StartsWith("Reports:Smtp", StringComparison.Ordinal));
    }

    [Fact]
    public void Readiness_SmtpUserWithoutPasswordVariable_NamesTheVariable()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Capture:Interfaces:0"] = "lo",
            ["Schools:0:Id"] = "s1",
            ["Reports:Smtp:Host"] = "mail.coppice-primary.sch.uk",
            ["Reports:Smtp:FromAddress"] = "monitor@coppice-primary.sch.uk",
            ["Reports:Smtp:UserName"] = "monitor",
            ["Reports:Smtp:PasswordEnvironmentVariable"] = "COPPICE_TEST_UNSET_SMTP_PASSWORD",
        }).Build();

        var problems = ConfigurationReadiness.Check(configuration, new HashSet<string> { "lo" }, () => "/usr/lib/postgresql/15/bin");

        var only = Assert.Single(problems);
        Assert.Contains("COPPICE_TEST_UNSET_SMTP_PASSWORD", only, StringComparison.Ordinal);
    }

    public void Dispose() => _folder.Dispose();
}

/// <summary>Files of the repository the tests read (the template, the sample, the unit, the package scripts).</summary>
public static class RepoFiles
{
    public static string Root { get; } = FindRoot();

    public static string Path(string relative) => System.IO.Path.Combine(Root, relative);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "appsettings.sample.json")) && Directory.Exists(System.IO.Path.Combine(dir.FullName, "deploy")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("repository root (appsettings.sample.json) not found above " + AppContext.BaseDirectory);
    }
}
