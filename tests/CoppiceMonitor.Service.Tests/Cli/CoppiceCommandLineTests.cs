namespace CoppiceMonitor.Service.Tests.Cli;

public sealed class CoppiceCommandLineTests
{
    public static TheoryData<string> VerbPaths() => new()
    {
        "run", "replay", "inspect", "interfaces", "staff import", "devices import", "db migrate",
        "investigation open", "investigation close", "investigation list", "investigation export", "audit verify",
        "report send", "purge", "status", "simulate", "dev smtp-sink",
    };

    [Theory]
    [MemberData(nameof(VerbPaths))]
    public async Task Help_EveryVerb_ExitsZeroWithUsage(string verb)
    {
        var result = await CoppiceProcess.RunAsync([.. verb.Split(' '), "--help"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"coppice-monitor {verb}", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("Description:", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Root_Help_ListsVerbsAndExitCodes()
    {
        var result = await CoppiceProcess.RunAsync("--help");

        Assert.Equal(0, result.ExitCode);
        foreach (var verb in new[] { "run", "replay", "inspect", "interfaces", "staff", "devices", "db", "investigation", "report", "purge", "status", "simulate" })
        {
            Assert.Contains($"  {verb}", result.Stdout, StringComparison.Ordinal);
        }

        Assert.Contains("2 bad arguments, 3 bad configuration", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("smtp-sink", result.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("no-such-verb")]
    [InlineData("replay")]
    [InlineData("replay", "/nonexistent/day.pcap")]
    [InlineData("inspect", "--format", "xml")]
    [InlineData("report", "send")]
    [InlineData("report", "send", "--period", "2026-11-20..2026-11-16")]
    [InlineData("report", "send", "--period", "yesterday")]
    [InlineData("simulate", "--out", "x.pcap", "--staff", "0")]
    [InlineData("simulate", "--out", "x.pcap", "--date", "not-a-date")]
    [InlineData("staff", "import")]
    [InlineData("investigation", "open", "--staff", "s1")]
    [InlineData("purge", "--dry-run", "extra")]
    [InlineData("dev", "smtp-sink", "--port", "70000", "--out", "x")]
    public async Task BadArguments_ExitTwoWithMessageAndHelpHint(params string[] args)
    {
        var result = await CoppiceProcess.RunAsync(args);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.StartsWith("coppice-monitor: ", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("--help' for usage.", result.Stderr, StringComparison.Ordinal);
        Assert.Equal("", result.Stdout);
    }

    [Fact]
    public async Task Interfaces_ListsLoopback()
    {
        var result = await CoppiceProcess.RunAsync("interfaces");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.StartsWith("NAME\tSTATE\tADDRESSES", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("\nlo\t", result.Stdout, StringComparison.Ordinal);
    }
}
