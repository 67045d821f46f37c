using System.Diagnostics;
using System.Globalization;

namespace CoppiceMonitor.Benchmarks;

/// <summary>
/// `visits --cpu [rounds]`: the SchoolDay workload measured in process CPU time rather than wall time, so the
/// figure (observations per CPU-second) stays comparable on a host shared with other jobs. Runs in-process, so
/// no boilerplate project has to be built under load.
/// </summary>
internal static class VisitsCpuMeasure
{
    public static int Run(int rounds)
    {
        var bench = new VisitsBenchmarks();
        bench.Setup();
        for (var i = 0; i < 3; i++)
        {
            bench.SchoolDay(); // warm-up: tiered JIT reaches its optimised code
        }

        var process = Process.GetCurrentProcess();
        var rates = new List<double>();
        long visits = 0;
        for (var i = 0; i < rounds; i++)
        {
            process.Refresh();
            var cpuBefore = process.TotalProcessorTime;
            var wall = Stopwatch.StartNew();
            visits = bench.SchoolDay();
            wall.Stop();
            process.Refresh();
            var cpu = process.TotalProcessorTime - cpuBefore;
            rates.Add(bench.ObservationCount / cpu.TotalSeconds);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"round {i + 1}: cpu {cpu.TotalMilliseconds:F0} ms, wall {wall.ElapsedMilliseconds} ms, {bench.ObservationCount / cpu.TotalSeconds:F0} observations/CPU-s, {visits} visits"));
        }

        rates.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"SchoolDay: {bench.ObservationCount} observations, {visits} visits; median {rates[rates.Count / 2]:F0} observations per CPU-second (min {rates[0]:F0}, max {rates[^1]:F0})"));
        return 0;
    }
}
