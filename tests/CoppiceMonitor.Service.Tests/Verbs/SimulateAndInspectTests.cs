using System.Text.Json;

namespace CoppiceMonitor.Service.Tests.Verbs;

/// <summary>`simulate` and `inspect` run as processes on one small generated day (shared by the tests here).</summary>
public sealed class SimulateAndInspectTests : IClassFixture<SimulatedDay>
{
    private readonly SimulatedDay _day;

    public SimulateAndInspectTests(SimulatedDay day)
    {
        _day = day;
    }

    [Fact]
    public void Simulate_WritesPcapRegistryAndTruth()
    {
        Assert.True(_day.Result.ExitCode == 0, _day.Result.ToString());
        Assert.Contains("staff visits", _day.Result.Stdout, StringComparison.Ordinal);
        Assert.True(new FileInfo(_day.Pcap).Length > 100_000);
        Assert.StartsWith("staff_id,", File.ReadLines(_day.Folder.File("staff.csv")).First(), StringComparison.Ordinal);
        Assert.StartsWith("device_id,", File.ReadLines(_day.Folder.File("devices.csv")).First(), StringComparison.Ordinal);
        Assert.True(File.Exists(_day.Folder.File("truth.json")));
    }

    [Fact]
    public async Task Inspect_Jsonl_EveryLineIsAnObservationWithKindAndTimestamp()
    {
        var result = await CoppiceProcess.RunAsync("inspect", _day.Pcap);

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length > 1000, $"only {lines.Length} observations");
        var kinds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            using var json = JsonDocument.Parse(line);
            kinds.Add(json.RootElement.GetProperty("kind").GetString()!);
            Assert.EndsWith("Z", json.RootElement.GetProperty("ts").GetString(), StringComparison.Ordinal);
        }

        Assert.Superset(new HashSet<string> { "dns-query", "tls-sni", "quic-sni", "dhcp", "flow" }, kinds);
    }

    [Fact]
    public async Task Inspect_Tsv_HasHeaderAndTabbedRows()
    {
        var result = await CoppiceProcess.RunAsync("inspect", "--format", "tsv", _day.Pcap);

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("ts\tkind\tclient\tserver\tport\tvlan\tname\textra", lines[0]);
        Assert.All(lines.Skip(1), l => Assert.Equal(7, l.Count(c => c == '\t')));
    }

    [Fact]
    public async Task Inspect_Summary_CountsMatchTheJsonlOutput()
    {
        var summary = await CoppiceProcess.RunAsync("inspect", "--format", "summary", _day.Pcap);
        var jsonl = await CoppiceProcess.RunAsync("inspect", _day.Pcap);

        Assert.True(summary.ExitCode == 0, summary.ToString());
        var counts = summary.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .ToDictionary(p => p[0], p => long.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture), StringComparer.Ordinal);
        var tlsLines = jsonl.Stdout.Split('\n').Count(l => l.Contains("\"kind\":\"tls-sni\"", StringComparison.Ordinal));
        Assert.Equal(counts["observations.tls-sni"], tlsLines);
        Assert.True(counts["packets"] > 1_000, $"{counts["packets"]} packets");
    }

    [Fact]
    public async Task Inspect_CorruptFile_ExitsOneNamingTheFile()
    {
        using var folder = new TempFolder();
        var bad = folder.File("bad.pcap");
        var bytes = File.ReadAllBytes(_day.Pcap).AsSpan(0, 4096).ToArray();
        bytes[24 + 8] = 0xff; // first record's captured length: absurd
        bytes[24 + 9] = 0xff;
        bytes[24 + 10] = 0xff;
        bytes[24 + 11] = 0x7f;
        File.WriteAllBytes(bad, bytes);

        var result = await CoppiceProcess.RunAsync("inspect", bad);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("bad.pcap", result.Stderr, StringComparison.Ordinal);
    }
}

/// <summary>One simulated day (8 staff, 10 pupils) made by the real `simulate` verb, shared by a test class.</summary>
public sealed class SimulatedDay : IDisposable
{
    public SimulatedDay()
    {
        Pcap = Folder.File("day.pcap");
        Result = CoppiceProcess.RunAsync("simulate", "--out", Pcap, "--seed", "5", "--staff", "8", "--pupils", "10", "--date", "2026-10-14")
            .GetAwaiter().GetResult();
    }

    public TempFolder Folder { get; } = new();

    public string Pcap { get; }

    public ProcessResult Result { get; }

    public void Dispose() => Folder.Dispose();
}
