namespace CoppiceMonitor.Service.Tests.Verbs;

/// <summary>Bad configuration exits 3 with a message naming the file or the key, before touching any database.</summary>
public sealed class ConfigurationErrorTests
{
    [Fact]
    public async Task MalformedConfigFile_ExitsThreeNamingTheFile()
    {
        using var folder = new TempFolder();
        var bad = folder.Write("broken.json", "{ \"Service\": { \"DataFolder\": ");

        var result = await CoppiceProcess.RunAsync("status", "--config", bad);

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains("configuration error", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("broken.json", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingConfigFile_ExitsThree()
    {
        var result = await CoppiceProcess.RunAsync("db", "migrate", "--config", "/nonexistent/coppice.json");

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains("/nonexistent/coppice.json", result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Service:ChannelCapacity=5", "Service:ChannelCapacity")]
    [InlineData("Service:ChannelCapacity=lots", "Service:ChannelCapacity")]
    [InlineData("Service:DataFolder=relative/path", "Service:DataFolder")]
    [InlineData("Schools:0:TimeZone=Mars/Olympus_Mons", "Schools:0:TimeZone")]
    [InlineData("Schools:0:Timetable:Directed:0=25:00-26:00", "Schools:0:Timetable")]
    public async Task BadValue_ExitsThreeNamingTheKey(string setting, string key)
    {
        using var folder = new TempFolder();
        var settings = folder.Write("settings.json", """{ "Schools": [ { "Id": "s1", "Timetable": { "Directed": [ "09:00-10:00" ] } } ] }""");

        var result = await CoppiceProcess.RunAsync("purge", "--dry-run", "--config", settings, "--set", $"Service:DataFolder={folder.Path}", "--set", setting);

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains(key, result.Stderr, StringComparison.Ordinal);
    }

    /// <summary>Issue 17: a special category (policy 10.3) in Reports:Categories is refused before any report is built.</summary>
    [Theory]
    [InlineData("Health")]
    [InlineData("sexualorientation")]
    public async Task SpecialCategoryInReports_ExitsThreeNamingKeyAndPolicy(string category)
    {
        using var folder = new TempFolder();
        var settings = folder.Write("settings.json", """{ "Schools": [ { "Id": "s1", "Timetable": { "Directed": [ "09:00-10:00" ] } } ] }""");

        var result = await CoppiceProcess.RunAsync(
            "report", "send", "--period", "last-week", "--dry-run", "--config", settings, "--set", $"Service:DataFolder={folder.Path}",
            "--set", "Reports:Delivery=Folder", "--set", $"Reports:Categories:0={category}");

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains("Reports:Categories", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("policy 10.3", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnvironmentVariable_IsReadWithCoppicePrefix()
    {
        using var folder = new TempFolder();
        var result = await CoppiceProcess.RunAsync(["status"], new Dictionary<string, string>
        {
            ["COPPICE_Service__DataFolder"] = folder.Path,
            ["COPPICE_Service__FlushIntervalSeconds"] = "0",
        });

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains("Service:FlushIntervalSeconds", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SetWithoutEquals_ExitsTwo()
    {
        var result = await CoppiceProcess.RunAsync("status", "--set", "Service:DataFolder");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("KEY=VALUE", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoSchoolConfigured_DatabaseVerbExitsThree()
    {
        using var folder = new TempFolder();
        var result = await CoppiceProcess.RunAsync("investigation", "list", "--set", $"Service:DataFolder={folder.Path}");

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains("Schools", result.Stderr, StringComparison.Ordinal);
    }
}
