using System.Buffers.Binary;
using System.IO.Compression;
using CoppiceMonitor.Testing;

namespace CoppiceMonitor.Service.Tests.Verbs;

/// <summary>
/// Issue 14, capture verbs: a capture that yields nothing, a broken capture, a folder, or a pcapng clock out of range
/// ends in one clear line with the documented exit code and no stack trace (the real executable, a throwaway database).
/// </summary>
public sealed class CaptureFaultTests : IClassFixture<PostgresCluster>, IAsyncLifetime, IDisposable
{
    private static readonly DateTime T0 = new(2026, 9, 7, 9, 0, 0, DateTimeKind.Utc);
    private readonly PostgresCluster _cluster;
    private readonly TempFolder _folder = new();
    private string[] _common = [];

    public CaptureFaultTests(PostgresCluster cluster)
    {
        _cluster = cluster;
    }

    public async Task InitializeAsync()
    {
        var connectionString = await _cluster.CreateDatabaseAsync("faults");
        var settings = _folder.Write("settings.json", """
            { "Schools": [ { "Id": "coppice-primary", "TimeZone": "Europe/London",
                "Timetable": { "Directed": [ "08:50-10:30" ] }, "PupilSubnets": [ "10.20.0.0/16" ] } ] }
            """);
        _common = ["--config", settings, "--set", $"ConnectionStrings:Coppice={connectionString}", "--set", $"Service:DataFolder={_folder.Path}/data"];
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("empty", "empty file")]
    [InlineData("header-only", "no observations in 0 packets")]
    [InlineData("unknown-link-type", "unsupported link type")]
    public async Task Replay_CaptureWithNoObservations_ExitsZeroSayingSoWithoutStackTrace(string kind, string expected)
    {
        var path = _folder.File($"{kind}.pcap");
        File.WriteAllBytes(path, kind switch
        {
            "empty" => [],
            "header-only" => Pcap(1, []),
            _ => Pcap(147, [Frame(T0, 64)]),
        });

        var result = await CoppiceProcess.RunAsync(["replay", path, .. _common]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains(expected, result.Stderr, StringComparison.Ordinal);
        Assert.Contains("no observations", result.Stderr, StringComparison.Ordinal);
        AssertNoStackTrace(result);
    }

    [Fact]
    public async Task Replay_CorruptGzip_ExitsOneNamingFileAndOffsetWithoutStackTrace()
    {
        var good = Gzip(Pcap(1, [Frame(T0, 64), Frame(T0.AddSeconds(1), 64)]));
        var corrupt = good[..10].Concat(Enumerable.Repeat((byte)0xff, 200)).ToArray();
        var path = _folder.File("corrupt.pcap.gz");
        File.WriteAllBytes(path, corrupt);

        var result = await CoppiceProcess.RunAsync(["replay", path, .. _common]);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains($"{path}: compressed data is corrupt at byte offset 0", result.Stderr, StringComparison.Ordinal);
        AssertNoStackTrace(result);
    }

    [Fact]
    public async Task Inspect_Folder_ReadsEveryCaptureFileInIt()
    {
        var day = Directory.CreateDirectory(_folder.File("day")).FullName;
        File.WriteAllBytes(Path.Combine(day, "a.pcap"), Pcap(1, [Frame(T0, 64)]));
        File.WriteAllBytes(Path.Combine(day, "b.pcap.gz"), Gzip(Pcap(1, [Frame(T0.AddSeconds(1), 64), Frame(T0.AddSeconds(2), 64)])));
        File.WriteAllText(Path.Combine(day, "notes.txt"), "not a capture");

        var result = await CoppiceProcess.RunAsync("inspect", "--format", "summary", day);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("inspect: 3 packets", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("denied", result.Stderr, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Inspect_FolderWithoutCaptures_ExitsTwoSayingItIsAFolder()
    {
        var empty = Directory.CreateDirectory(_folder.File("nothing")).FullName;

        var result = await CoppiceProcess.RunAsync("inspect", empty);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains($"{empty} is a folder", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("/*.pcap", result.Stderr, StringComparison.Ordinal);
        AssertNoStackTrace(result);
    }

    [Fact]
    public async Task Inspect_PcapngTimestampsOutOfRange_AreACountedDropNamingFileAndOffset()
    {
        // Interface 0: microseconds, no offset. Interface 1: if_tsoffset of minus 60 years, so its packet lands in 1966.
        var path = _folder.File("clock.pcapng");
        var offsetOfBadPacket = 28 + 20 + 36; // section header, plain interface, interface with if_tsoffset
        var bytes = Pcapng(
            [Interface(tsOffsetSeconds: null), Interface(tsOffsetSeconds: -60L * 365 * 86400)],
            [(1, T0, 60), (0, T0, 60), (1, T0.AddSeconds(1), 60)]);
        File.WriteAllBytes(path, bytes);

        var result = await CoppiceProcess.RunAsync("inspect", "--format", "summary", path);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("inspect: 1 packets", result.Stderr, StringComparison.Ordinal);
        Assert.Contains($"{path}: 2 packets dropped with timestamps before 1990 or after 2100 (first at byte offset {offsetOfBadPacket})",
            result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Failure_StackTraceOnlyWithVerbose()
    {
        // A folder where the output file should be: a runtime failure (exit 1) that escapes the verb.
        var blocked = Directory.CreateDirectory(_folder.File("blocked.pcap")).FullName;
        string[] args = ["simulate", "--out", blocked, "--seed", "1", "--staff", "8", "--pupils", "8", "--date", "2026-09-07"];

        var quiet = await CoppiceProcess.RunAsync(args);
        var verbose = await CoppiceProcess.RunAsync([.. args, "--verbose"]);

        Assert.True(quiet.ExitCode == 1, quiet.ToString());
        Assert.Contains(blocked, quiet.Stderr, StringComparison.Ordinal);
        AssertNoStackTrace(quiet);
        Assert.True(verbose.ExitCode == 1, verbose.ToString());
        Assert.Contains("   at ", verbose.Stderr, StringComparison.Ordinal);
    }

    private static void AssertNoStackTrace(ProcessResult result) =>
        Assert.False(result.Stderr.Contains("   at ", StringComparison.Ordinal) || result.Stdout.Contains("   at ", StringComparison.Ordinal), result.ToString());

    private static (DateTime Ts, byte[] Data) Frame(DateTime ts, int length) => (ts, new byte[length]);

    private static byte[] Pcap(uint linkType, IEnumerable<(DateTime Ts, byte[] Data)> frames)
    {
        var output = new MemoryStream();
        Span<byte> header = stackalloc byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(header, 0xa1b2c3d4);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], 2);
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], 4);
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], 65535);
        BinaryPrimitives.WriteUInt32LittleEndian(header[20..], linkType);
        output.Write(header);
        Span<byte> record = stackalloc byte[16];
        foreach (var (ts, data) in frames)
        {
            var micro = (ts - DateTime.UnixEpoch).Ticks / 10;
            BinaryPrimitives.WriteUInt32LittleEndian(record, (uint)(micro / 1_000_000));
            BinaryPrimitives.WriteUInt32LittleEndian(record[4..], (uint)(micro % 1_000_000));
            BinaryPrimitives.WriteUInt32LittleEndian(record[8..], (uint)data.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(record[12..], (uint)data.Length);
            output.Write(record);
            output.Write(data);
        }

        return output.ToArray();
    }

    private static byte[] Gzip(byte[] data)
    {
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }

    /// <summary>Interface description block body: Ethernet, snaplen, optionally if_tsoffset (code 14).</summary>
    private static byte[] Interface(long? tsOffsetSeconds)
    {
        var body = new List<byte>();
        body.AddRange(U16(1));
        body.AddRange(U16(0));
        body.AddRange(U32(65535));
        if (tsOffsetSeconds is { } offset)
        {
            body.AddRange(U16(14));
            body.AddRange(U16(8));
            body.AddRange(BitConverter.GetBytes(offset));
            body.AddRange(U32(0)); // opt_endofopt
        }

        return Block(1, [.. body]);
    }

    private static byte[] Pcapng(byte[][] interfaces, IEnumerable<(int Interface, DateTime Ts, int Length)> packets)
    {
        var output = new List<byte>();
        var section = new List<byte>();
        section.AddRange(U32(0x1a2b3c4d));
        section.AddRange(U16(1));
        section.AddRange(U16(0));
        section.AddRange(BitConverter.GetBytes(-1L));
        output.AddRange(Block(0x0a0d0d0a, [.. section]));
        foreach (var iface in interfaces)
        {
            output.AddRange(iface);
        }

        foreach (var (id, ts, length) in packets)
        {
            var micro = (ulong)((ts - DateTime.UnixEpoch).Ticks / 10);
            var body = new List<byte>();
            body.AddRange(U32((uint)id));
            body.AddRange(U32((uint)(micro >> 32)));
            body.AddRange(U32((uint)micro));
            body.AddRange(U32((uint)length));
            body.AddRange(U32((uint)length));
            body.AddRange(new byte[(length + 3) & ~3]);
            output.AddRange(Block(6, [.. body]));
        }

        return [.. output];
    }

    private static byte[] Block(uint type, byte[] body)
    {
        var length = (uint)(12 + body.Length);
        return [.. U32(type), .. U32(length), .. body, .. U32(length)];
    }

    private static byte[] U16(ushort value) => BitConverter.GetBytes(value);

    private static byte[] U32(uint value) => BitConverter.GetBytes(value);
}
