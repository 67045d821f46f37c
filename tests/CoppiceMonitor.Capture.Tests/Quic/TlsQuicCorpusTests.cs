using CoppiceMonitor.Capture.Quic;
using CoppiceMonitor.Capture.Tls;
using CoppiceMonitor.Testing;
using Xunit.Abstractions;

namespace CoppiceMonitor.Capture.Tests.Quic;

/// <summary>
/// Runs the TLS assembler and QUIC tracker alone (through <see cref="MinimalPacketWalker"/>) over the shared corpus
/// and compares the SNI sets with tshark's (the corpus JSON). The capture-core corpus test covers the whole decode
/// path; this one pins the TLS/QUIC decoders so a mismatch is attributable.
/// </summary>
[Collection(TlsQuicRunsAlone.Name)]
public sealed class TlsQuicCorpusTests(ITestOutputHelper output)
{
    public static TheoryData<string> QuicAndMultiSegmentCaptures()
    {
        var data = new TheoryData<string>();
        foreach (var capture in Corpus.Captures())
        {
            // Every file: those without TLS or QUIC must yield nothing, which checks for false positives.
            data.Add(capture.FileName);
        }

        if (data.Count == 0)
        {
            data.Add(string.Empty);     // corpus absent: one case that skips with the reason
        }

        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(QuicAndMultiSegmentCaptures))]
    public void Decoders_CorpusCapture_SniSetsEqualTshark(string fileName)
    {
        Corpus.SkipIfAbsent();
        var capture = Corpus.Find(fileName) ?? throw new InvalidOperationException($"{fileName} left the corpus during the run");

        var (tls, quic, gquic) = Extract(capture.PcapPath);
        var expectedTls = capture.TlsSni.Select(n => n.ToLowerInvariant()).ToHashSet();

        output.WriteLine($"tls  ours={string.Join(',', tls.Order())} tshark={string.Join(',', expectedTls.Order())}");
        output.WriteLine($"quic ours={string.Join(',', quic.Order())} tshark={string.Join(',', Strings(capture, "quic_sni").Order())}");
        output.WriteLine($"gquic ours={string.Join(',', gquic.Order())} tshark={string.Join(',', Strings(capture, "gquic_sni").Order())}");
        Assert.Equal(expectedTls.Order(), tls.Order());
        Assert.Equal(Strings(capture, "quic_sni").Order(), quic.Order());
        Assert.Equal(Strings(capture, "gquic_sni").Order(), gquic.Order());
    }

    [SkippableFact]
    public void Decoders_MutatedCorpusPayloads_NeverThrowAndStayBounded()
    {
        Corpus.SkipIfAbsent();

        // Every QUIC datagram and TCP payload of the QUIC and multi-segment files, truncated and bit-flipped.
        var payloads = new List<(bool Quic, byte[] Bytes)>();
        foreach (var capture in Corpus.Captures().Where(c => c.QuicSni.Count > 0 || c.FileName.Contains("tls", StringComparison.Ordinal)))
        {
            using var reader = CaptureFileReader.Open(capture.PcapPath);
            while (reader.TryReadNext(out _, out var linkType, out var frame))
            {
                if (MinimalPacketWalker.TryDecode(linkType, frame, out var segment) && !segment.Payload.IsEmpty)
                {
                    payloads.Add((segment.Protocol == MinimalPacketWalker.Udp, segment.Payload.ToArray()));
                }
            }
        }

        var random = new Random(3);
        var tracker = new QuicInitialTracker(maxPendingConnections: 256);
        var assembler = new TlsClientHelloAssembler();
        var fed = 0;
        for (var round = 0; round < 20; round++)
        {
            foreach (var (isQuic, original) in payloads)
            {
                var bytes = (byte[])original.Clone();
                bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                var length = random.Next(3) == 0 ? random.Next(bytes.Length + 1) : bytes.Length;
                if (isQuic)
                {
                    tracker.TryProcess(bytes.AsSpan(0, length), (ulong)random.Next(1024), DateTime.UnixEpoch, out _, out _);
                }
                else if (assembler.Add((uint)random.Next(4096), random.Next(8) == 0, bytes.AsSpan(0, length), out _) != ParseStatus.NeedMoreData)
                {
                    assembler.Reset();
                }

                fed++;
            }
        }

        output.WriteLine($"{fed} mutated payloads");
        Assert.True(fed > 10_000);
        Assert.True(tracker.PendingConnections <= 256);
    }

    private static HashSet<string> Strings(CorpusCapture capture, string property) =>
        capture.Expected.TryGetProperty(property, out var value) && value.ValueKind == System.Text.Json.JsonValueKind.Array
            ? value.EnumerateArray().Select(v => v.GetString()!.ToLowerInvariant()).ToHashSet()
            : [];

    private static (HashSet<string> Tls, HashSet<string> Quic, HashSet<string> GoogleQuic) Extract(string path)
    {
        var tls = new HashSet<string>(StringComparer.Ordinal);
        var quic = new HashSet<string>(StringComparer.Ordinal);
        var gquic = new HashSet<string>(StringComparer.Ordinal);
        var assemblers = new Dictionary<string, TlsClientHelloAssembler>();
        var flowKeys = new Dictionary<string, ulong>();
        var tracker = new QuicInitialTracker();

        using var reader = CaptureFileReader.Open(path);
        while (reader.TryReadNext(out var timestamp, out var linkType, out var frame))
        {
            if (!MinimalPacketWalker.TryDecode(linkType, frame, out var segment))
            {
                continue;
            }

            if (segment.Protocol == MinimalPacketWalker.Tcp)
            {
                if (!assemblers.TryGetValue(segment.DirectionKey, out var assembler))
                {
                    assemblers[segment.DirectionKey] = assembler = new TlsClientHelloAssembler();
                }

                if (assembler.Add(segment.Sequence, segment.IsSyn, segment.Payload, out var hello) == ParseStatus.Success
                    && hello.ServerName is { } name)
                {
                    tls.Add(name);
                }
            }
            else if (QuicInitialTracker.LooksLikeQuicLongHeader(segment.Payload))
            {
                if (!flowKeys.TryGetValue(segment.DirectionKey, out var flowKey))
                {
                    flowKeys[segment.DirectionKey] = flowKey = (ulong)flowKeys.Count + 1;
                }

                if (tracker.TryProcess(segment.Payload, flowKey, timestamp, out var hello, out var version) == ParseStatus.Success
                    && hello.ServerName is { } name)
                {
                    (version.StartsWith('Q') ? gquic : quic).Add(name);
                }
            }
        }

        return (tls, quic, gquic);
    }
}

/// <summary>
/// The TLS/QUIC test classes run after the parallel ones, one at a time: their allocation-heavy loops (bit flips,
/// mutated corpus payloads) otherwise show up in the process-wide heap measurement of the flow-table flood test.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TlsQuicRunsAlone
{
    public const string Name = "TLS/QUIC decoders (not parallel)";
}
