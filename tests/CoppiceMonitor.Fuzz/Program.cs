using CoppiceMonitor.Fuzz;

// coppice-fuzz TARGET            run under afl-fuzz (SharpFuzz's AFL protocol, one input per loop, persistent)
// coppice-fuzz TARGET PATH...    run each file (or every file in each folder) once: seeds and regression inputs
// coppice-fuzz --list            the target names
// coppice-fuzz --seeds OUT FILE... a seed folder per target from capture files and registry CSV files
if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.Error.WriteLine("usage: coppice-fuzz TARGET [FILE|DIR ...] | --list");
    return 2;
}

if (args[0] == "--seeds" && args.Length >= 2)
{
    return SeedExtractor.Run(args[1], args.Skip(2));
}

if (args[0] == "--list")
{
    foreach (var name in FuzzTargets.All.Keys)
    {
        Console.WriteLine(name);
    }

    return 0;
}

if (!FuzzTargets.All.TryGetValue(args[0], out var target))
{
    Console.Error.WriteLine($"coppice-fuzz: unknown target '{args[0]}' (try --list)");
    return 2;
}

if (args.Length == 1)
{
    SharpFuzz.Fuzzer.Run(stream =>
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        target(buffer.ToArray());
    });
    return 0;
}

var count = 0;
foreach (var path in args.Skip(1).SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories) : [p]))
{
    target(File.ReadAllBytes(path));
    count++;
}

Console.WriteLine($"{args[0]}: {count} inputs ran");
return 0;
