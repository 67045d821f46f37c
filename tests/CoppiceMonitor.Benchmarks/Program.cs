using CoppiceMonitor.Benchmarks;

// Workloads are dispatched by the first argument; each lives in a file of its own.
return args.FirstOrDefault() switch
{
    "decode" => DecodeBenchmark.Run(args[1..]),
    "read" => DecodeBenchmark.ReadOnly(args[1..]),
    "tlsquic" => TlsQuicBenchmarks.Run(args[1..]),
    "storage" => StorageBenchmark.Run(args[1..]),
    "visits" => VisitsBenchmarks.Run(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: CoppiceMonitor.Benchmarks decode FILE... [--names OUT.json] [--jsonl] | read FILE... | tlsquic [BenchmarkDotNet args] | storage [rows] | visits [BenchmarkDotNet args]");
    return 2;
}
