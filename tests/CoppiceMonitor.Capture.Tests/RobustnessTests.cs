using System.Net;
using CoppiceMonitor.Capture.Tests.Builders;
using CoppiceMonitor.Capture.Tests.Quic;
using CoppiceMonitor.Capture.Tests.Tls;
using CoppiceMonitor.Testing;
using Xunit.Abstractions;
using static CoppiceMonitor.Capture.Tests.Builders.Packets;

namespace CoppiceMonitor.Capture.Tests;

/// <summary>Hostile input: the decoder must never throw and its memory must stay bounded.</summary>
[Collection(HeapMeasurement.Name)]
public sealed class RobustnessTests(ITestOutputHelper output)
{
    private static readonly DateTime T0 = new(2026, 9, 7, 8, 0, 0, DateTimeKind.Utc);

    /// <summary>Golden frames from the builders: one per decoder path, so the test runs without the corpus too.</summary>
    private static List<(LinkType Link, byte[] Frame)> BuilderFrames()
    {
        var hello = ClientHelloBuilder.ToRecords(new ClientHelloBuilder { ServerName = "www.snapchat.com", PaddingExtensionLength = 1200 }.BuildHandshake());
        var quic = QuicInitialProtector.Protect(QuicInitialProtector.CryptoFrame(0, new ClientHelloBuilder { ServerName = "www.tiktok.com" }.BuildHandshake()), [1, 2, 3, 4, 5, 6, 7, 8], 0);
        var dns = Ipv4(Client, Server, 17, Udp(40000, 53, DnsQuery("www.example.org")));
        var answer = DnsResponse("www.example.org", 65, (5, DnsName("a.example.net")), (1, [1, 2, 3, 4]), (65, HttpsRecordData(true)));
        byte[] tcpDns = [.. U16((ushort)answer.Length), .. answer];
        return
        [
            (LinkType.Ethernet, UdpFrame(40000, 53, DnsQuery("www.example.org"))),
            (LinkType.Ethernet, UdpFrame(53, 40000, answer, fromClient: false)),
            (LinkType.Ethernet, TcpFrame(53, 40000, 1, Ack, tcpDns, fromClient: false)),
            (LinkType.Ethernet, UdpFrame(5353, 5353, DnsQuery("printer.local"))),
            (LinkType.Ethernet, UdpFrame(68, 67, DhcpMessage(1, DhcpMessageType.Request, ClientMac, "laptop", IPAddress.Parse("10.0.0.9")))),
            (LinkType.Ethernet, TcpFrame(40001, 443, 1, Syn)),
            (LinkType.Ethernet, TcpFrame(40001, 443, 2, Ack, hello[..700])),
            (LinkType.Ethernet, TcpFrame(40001, 443, 702, Ack, hello[700..])),
            (LinkType.Ethernet, TcpFrame(40002, 80, 2, Ack, HttpGet("intranet.example"))),
            (LinkType.Ethernet, UdpFrame(50000, 443, quic)),
            (LinkType.Ethernet, Ethernet(0x0800, dns, null, null, (0x88a8, 100), (0x8100, 10))),
            (LinkType.Ethernet, Ethernet(0x0800, Ipv4(Client, Server, 47, [0x20, 0, 0x65, 0x58, 0, 0, 0, 1, .. Ethernet(0x0800, dns)]))),
            (LinkType.Ethernet, UdpFrame(51000, 4789, [0x08, 0, 0, 0, 0, 0, 1, 0, .. Ethernet(0x0800, dns)])),
            (LinkType.Ethernet, UdpFrame(51000, 5247, [0, 0x10, 0, 0, 0, 0, 0, 0, .. Ethernet(0x0800, dns)])),
            (LinkType.Ethernet, UdpFrame(51000, 3544, Ipv6(Client6, Server6, 17, Udp(40000, 53, DnsQuery("v6.example"))))),
            (LinkType.Ethernet, Ethernet(0x86dd, Ipv6(Client6, Server6, 0, Ipv6OptionsHeader(17, Udp(40000, 53, DnsQuery("v6.example")))))),
            (LinkType.Raw, dns),
            (LinkType.LinuxSll, [0, 0, 0, 1, 0, 6, .. ClientMac, 0, 0, 0x08, 0x00, .. dns]),
            (LinkType.LinuxSll2, [0x08, 0x00, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, .. ClientMac, 0, 0, .. dns]),
            (LinkType.Null, [2, 0, 0, 0, .. dns]),
            (LinkType.Ppp, [0xff, 0x03, 0x00, 0x21, .. dns]),
        ];
    }

    private static List<(LinkType Link, byte[] Frame)> CorpusFrames()
    {
        var frames = new List<(LinkType, byte[])>();
        foreach (var capture in Corpus.Captures())
        {
            using var reader = CaptureFileReader.Open(capture.PcapPath);
            while (reader.TryReadNext(out _, out var link, out var frame))
            {
                frames.Add((link, frame.ToArray()));
            }
        }

        return frames;
    }

    [Fact]
    public void Decode_EveryPrefixOfEveryBuilderFrame_NeverThrows()
    {
        var decoder = new PacketDecoder(new CollectingSink(), new CaptureOptions());
        var count = 0;
        foreach (var (link, frame) in BuilderFrames())
        {
            for (var length = 0; length <= frame.Length; length++)
            {
                decoder.Decode(T0, link, frame.AsSpan(0, length));
                count++;
            }
        }

        Assert.Equal(count, decoder.Counters.Packets);
    }

    [Fact]
    public void Decode_MillionMutatedAndTruncatedPackets_NeverThrowsAndStaysBounded()
    {
        const int packets = 1_000_000;
        const int maxFlows = 20_000;
        var sources = CorpusFrames();
        output.WriteLine(sources.Count > 0
            ? $"mutating {sources.Count} corpus frames plus the builder frames"
            : "corpus absent (" + Corpus.MissingMessage + "): mutating builder frames only");
        sources.AddRange(BuilderFrames());

        var random = new Random(20260907);
        var sink = new CountingSink();
        var decoder = new PacketDecoder(sink, new CaptureOptions { MaxFlows = maxFlows, FlowIdleSeconds = 30, MaxQuicPendingConnections = 1024 });
        var scratch = new byte[70_000];
        long heapAfterWarmup = 0;
        var peakFlows = 0;
        for (var i = 0; i < packets; i++)
        {
            var (link, frame) = sources[random.Next(sources.Count)];
            frame.CopyTo(scratch, 0);
            var length = frame.Length;
            switch (random.Next(4))
            {
                case 0:
                    length = random.Next(length + 1);
                    break;
                case 1:
                    for (var f = random.Next(1, 5); f > 0 && length > 0; f--)
                    {
                        scratch[random.Next(length)] ^= (byte)(1 << random.Next(8));
                    }

                    break;
                case 2:
                    // Overwrite header bytes, where lengths, counts and pointers live.
                    for (var f = random.Next(1, 4); f > 0 && length > 0; f--)
                    {
                        scratch[random.Next(Math.Min(length, 96))] = (byte)random.Next(256);
                    }

                    break;
                default:
                    length = random.Next(length + 1);
                    if (length > 0)
                    {
                        scratch[random.Next(length)] = (byte)random.Next(256);
                    }

                    break;
            }

            decoder.Decode(T0.AddTicks(i * 1000L), link, scratch.AsSpan(0, length));
            peakFlows = Math.Max(peakFlows, decoder.ActiveFlowCount);
            if (i == packets / 4)
            {
                heapAfterWarmup = GC.GetTotalMemory(forceFullCollection: true);
            }
        }

        decoder.Complete();
        var heapAtEnd = GC.GetTotalMemory(forceFullCollection: true);
        output.WriteLine($"observations {sink.Count}, malformed {decoder.Counters.TotalMalformed}, peak flows {peakFlows}, heap {heapAfterWarmup / 1048576} -> {heapAtEnd / 1048576} MiB");
        Assert.Equal(packets, decoder.Counters.Packets);
        Assert.True(peakFlows <= maxFlows);
        Assert.True(decoder.Counters.TotalMalformed > 0);
        Assert.True(heapAtEnd - heapAfterWarmup < 32 * 1024 * 1024, $"heap grew from {heapAfterWarmup} to {heapAtEnd}");
    }

    private sealed class CountingSink : IObservationSink
    {
        public long Count { get; private set; }

        public void Write(in Observation observation)
        {
            Count++;
            _ = observation.Name?.Length;
        }
    }
}
