namespace CoppiceMonitor.Capture.Tests;

/// <summary>
/// Tests that check the process-wide GC heap (the 2,000,000-flow flood, the million mutated packets) run alone:
/// allocation by tests running in parallel would otherwise show up as growth they did not cause.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HeapMeasurement
{
    public const string Name = "Heap measurements run alone";
}
