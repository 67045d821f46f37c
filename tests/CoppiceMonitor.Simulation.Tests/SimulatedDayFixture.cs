using CoppiceMonitor.Simulation.Truth;

namespace CoppiceMonitor.Simulation.Tests;

/// <summary>Test classes that read the shared simulated day (generated once per test run).</summary>
[CollectionDefinition(Name)]
public sealed class SimulatedDayGroup : ICollectionFixture<SimulatedDayFixture>
{
    public const string Name = "simulated day";
}

/// <summary>One small simulated day shared by the tests (generated once, deleted afterwards).</summary>
public sealed class SimulatedDayFixture : IDisposable
{
    public SimulatedDayFixture()
    {
        Folder = Path.Combine(Path.GetTempPath(), "coppice-sim-" + Guid.NewGuid().ToString("N"));
        Options = new SimulationOptions
        {
            Seed = 42,
            Staff = 12,
            Pupils = 16,
            Date = new DateOnly(2026, 10, 14),
            OutputPcap = Path.Combine(Folder, "day.pcap"),
        };
        Summary = SchoolDaySimulator.Write(Options);
        Truth = SimulationTruth.Load(Summary.TruthPath);
        Packets = PcapTestReader.Read(Summary.PcapPath);
    }

    public string Folder { get; }
    public SimulationOptions Options { get; }
    public SimulationSummary Summary { get; }
    internal SimulationTruth Truth { get; }
    internal List<TestPacket> Packets { get; }

    public void Dispose()
    {
        if (Directory.Exists(Folder))
        {
            Directory.Delete(Folder, recursive: true);
        }
    }
}
