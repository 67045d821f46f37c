namespace CoppiceMonitor.Service.Tests.Verbs;

/// <summary>Every verb that reads configuration exits 3 on a broken config file, and each verb exits 2 on bad arguments.</summary>
public sealed class EveryVerbErrorTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public static TheoryData<string> ConfiguredVerbs() => new()
    {
        "run", "replay {pcap}", "staff import {csv}", "devices import {csv}", "db migrate",
        "investigation open --staff s1 --reason r --as hr1@school.example --from 2026-10-01 --to 2026-10-31",
        "investigation close 1 --as hr1@school.example --reason done", "investigation list",
        "investigation export 1 --out {dir}/i.csv --as hr1@school.example --reason r", "report send --period last-week", "purge --dry-run", "status",
        "audit verify",
    };

    [Theory]
    [MemberData(nameof(ConfiguredVerbs))]
    public async Task BrokenConfigFile_EveryConfiguredVerb_ExitsThreeNamingTheFile(string verb)
    {
        var bad = _folder.Write("broken.json", "{ \"Schools\": [ { \"Id\": ");

        var result = await CoppiceProcess.RunAsync([.. Expand(verb), "--config", bad, "--set", $"Service:DataFolder={_folder.Path}"]);

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains("broken.json", result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("run", "extra-argument")]
    [InlineData("run", "--no-such-option")]
    [InlineData("interfaces", "eth0")]
    [InlineData("devices", "import")]
    [InlineData("devices", "import", "/nonexistent/devices.csv")]
    [InlineData("db", "migrate", "now")]
    [InlineData("db")]
    [InlineData("investigation", "close")]
    [InlineData("investigation", "close", "not-a-number")]
    [InlineData("investigation", "list", "--everything")]
    [InlineData("investigation", "export")]
    [InlineData("status", "--watch")]
    [InlineData("inspect")]
    [InlineData("simulate")]
    [InlineData("dev", "export-visits")] // removed from the product (issue 13): an unknown verb
    [InlineData("audit", "verify", "now")]
    [InlineData("--school")]
    public async Task BadArguments_MoreVerbs_ExitTwo(params string[] args)
    {
        var result = await CoppiceProcess.RunAsync(args);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.StartsWith("coppice-monitor: ", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownSchool_DatabaseVerb_ExitsTwoListingTheSchools()
    {
        var settings = _folder.Write("settings.json", """{ "Schools": [ { "Id": "north", "Timetable": { "Directed": [ "09:00-10:00" ] } } ] }""");

        var result = await CoppiceProcess.RunAsync("investigation", "list", "--school", "south", "--config", settings,
            "--set", "ConnectionStrings:Coppice=Host=127.0.0.1;Port=1;Database=none", "--set", $"Service:DataFolder={_folder.Path}");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("--school south", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("north", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SeveralSchoolsWithoutNetworks_ExitsThreeNamingTheSchool()
    {
        var settings = _folder.Write("settings.json", """
            { "Schools": [
              { "Id": "north", "StaffSubnets": [ "10.10.0.0/16" ], "Timetable": { "Directed": [ "09:00-10:00" ] } },
              { "Id": "south", "Timetable": { "Directed": [ "09:00-10:00" ] } } ] }
            """);

        var result = await CoppiceProcess.RunAsync("purge", "--dry-run", "--config", settings, "--set", $"Service:DataFolder={_folder.Path}");

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains("Schools:1", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("StaffSubnets or Vlans", result.Stderr, StringComparison.Ordinal);
    }

    public void Dispose() => _folder.Dispose();

    private string[] Expand(string verb)
    {
        var pcap = _folder.Write("day.pcap", "");
        var csv = _folder.Write("rows.csv", "");
        return verb.Replace("{pcap}", pcap, StringComparison.Ordinal).Replace("{csv}", csv, StringComparison.Ordinal)
            .Replace("{dir}", _folder.Path, StringComparison.Ordinal).Split(' ');
    }
}
