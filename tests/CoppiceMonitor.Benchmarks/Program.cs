// Placeholder entry point until the benchmark workloads land.
Console.Error.WriteLine("benchmarks: none yet");
return 1;
