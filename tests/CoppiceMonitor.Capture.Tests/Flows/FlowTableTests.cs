using System.Buffers.Binary;
using System.Net;
using CoppiceMonitor.Capture.Tests.Builders;
using CoppiceMonitor.Capture.Tests.Tls;
using static CoppiceMonitor.Capture.Tests.Builders.Packets;

namespace CoppiceMonitor.Capture.Tests.Flows;

[Collection(HeapMeasurement.Name)]
public sealed class FlowTableTests
{
    private static readonly DateTime T0 = new(2026, 9, 7, 10, 29, 30, DateTimeKind.Utc);

    private static byte[] Hello(string name) => ClientHelloBuilder.ToRecords(new ClientHelloBuilder { ServerName = name }.BuildHandshake());

    [Fact]
    public void FlowSummary_AtFin_CarriesBytesEachWayAndActiveMinutes()
    {
        var sink = new CollectingSink();
        var decoder = new PacketDecoder(sink, new CaptureOptions());
        var hello = Hello("www.youtube.com");
        var response = new byte[1000];
        uint c = 100;
        uint s = 9000;

        decoder.Decode(T0, LinkType.Ethernet, TcpFrame(40010, 443, c, Syn));
        decoder.Decode(T0, LinkType.Ethernet, TcpFrame(443, 40010, s, Syn | Ack, fromClient: false));
        decoder.Decode(T0.AddSeconds(1), LinkType.Ethernet, TcpFrame(40010, 443, c + 1, Psh | Ack, hello));
        decoder.Decode(T0.AddSeconds(40), LinkType.Ethernet, TcpFrame(443, 40010, s + 1, Ack, response, fromClient: false));
        decoder.Decode(T0.AddSeconds(150), LinkType.Ethernet, TcpFrame(443, 40010, s + 1001, Ack, response, fromClient: false));
        decoder.Decode(T0.AddSeconds(151), LinkType.Ethernet, TcpFrame(40010, 443, c + 1 + (uint)hello.Length, Fin | Ack));
        Assert.Empty(sink.OfKind(ObservationKind.FlowSummary));
        decoder.Decode(T0.AddSeconds(152), LinkType.Ethernet, TcpFrame(443, 40010, s + 2001, Fin | Ack, fromClient: false));

        var flow = Assert.Single(sink.OfKind(ObservationKind.FlowSummary));
        Assert.Equal("www.youtube.com", flow.Name);
        Assert.Equal(Client, flow.Client);
        Assert.Equal(Server, flow.Server);
        Assert.Equal(443, flow.ServerPort);
        var detail = Assert.IsType<FlowDetail>(flow.Detail);
        Assert.Equal(T0, detail.FirstSeenUtc);
        Assert.Equal(T0.AddSeconds(152), detail.LastSeenUtc);
        Assert.Equal(hello.Length, detail.BytesFromClient);
        Assert.Equal(2000, detail.BytesToClient);

        // Payload flowed at 10:29:31 and 10:30:10 and 10:32:00: minutes 10:29, 10:30 and 10:32 (not 10:31).
        var minutes = detail.ActiveMinutes.Select(m => DateTime.UnixEpoch.AddMinutes(m)).ToList();
        Assert.Equal([T0.AddSeconds(-30), T0.AddSeconds(30), T0.AddSeconds(150)], minutes);
        Assert.Equal(1, decoder.Counters.FlowsClosed);
        Assert.Equal(0, decoder.ActiveFlowCount);
    }

    [Fact]
    public void FlowSummary_CarriesPayloadBytesPerActiveMinuteByDirection()
    {
        var sink = new CollectingSink();
        var decoder = new PacketDecoder(sink, new CaptureOptions());
        var hello = Hello("www.facebook.com");
        uint c = 100;
        uint s = 9000;

        decoder.Decode(T0, LinkType.Ethernet, TcpFrame(40012, 443, c, Syn));
        decoder.Decode(T0, LinkType.Ethernet, TcpFrame(443, 40012, s, Syn | Ack, fromClient: false));
        decoder.Decode(T0.AddSeconds(1), LinkType.Ethernet, TcpFrame(40012, 443, c + 1, Psh | Ack, hello));
        c += 1 + (uint)hello.Length;
        decoder.Decode(T0.AddSeconds(2), LinkType.Ethernet, TcpFrame(443, 40012, s + 1, Ack, new byte[3000], fromClient: false));
        // 10:30: a request and its response (use); 10:31: a keep-alive each way.
        decoder.Decode(T0.AddSeconds(40), LinkType.Ethernet, TcpFrame(40012, 443, c, Psh | Ack, new byte[400]));
        decoder.Decode(T0.AddSeconds(41), LinkType.Ethernet, TcpFrame(443, 40012, s + 3001, Ack, new byte[1400], fromClient: false));
        decoder.Decode(T0.AddSeconds(42), LinkType.Ethernet, TcpFrame(443, 40012, s + 4401, Ack, new byte[1400], fromClient: false));
        decoder.Decode(T0.AddSeconds(100), LinkType.Ethernet, TcpFrame(40012, 443, c + 400, Psh | Ack, new byte[39]));
        decoder.Decode(T0.AddSeconds(101), LinkType.Ethernet, TcpFrame(443, 40012, s + 5801, Psh | Ack, new byte[39], fromClient: false));
        decoder.Complete();

        var detail = Assert.IsType<FlowDetail>(Assert.Single(sink.OfKind(ObservationKind.FlowSummary)).Detail);
        Assert.Equal(3, detail.ActiveMinutes.Count);
        // The hello names the flow (its own bytes are counted before the name is known); then the server's 3000.
        Assert.Equal([new MinuteBytes(0, 3000), new MinuteBytes(400, 2800), new MinuteBytes(39, 39)], detail.MinuteBytes);
    }

    [Fact]
    public void FlowSummary_AtReset_IsEmitted()
    {
        var sink = new CollectingSink();
        var decoder = new PacketDecoder(sink, new CaptureOptions());
        decoder.Decode(T0, LinkType.Ethernet, TcpFrame(40011, 443, 1, Syn));
        decoder.Decode(T0, LinkType.Ethernet, TcpFrame(40011, 443, 2, Psh | Ack, Hello("reddit.com")));
        decoder.Decode(T0.AddSeconds(1), LinkType.Ethernet, TcpFrame(443, 40011, 5, Rst, fromClient: false));

        Assert.Equal("reddit.com", Assert.Single(sink.OfKind(ObservationKind.FlowSummary)).Name);
    }

    [Fact]
    public void Expire_IdleFlow_EmitsSummaryAndUnnamedFlowsEmitNothing()
    {
        var sink = new CollectingSink();
        var decoder = new PacketDecoder(sink, new CaptureOptions { FlowIdleSeconds = 30 });
        decoder.Decode(T0, LinkType.Ethernet, TcpFrame(40012, 443, 1, Syn));
        decoder.Decode(T0, LinkType.Ethernet, TcpFrame(40012, 443, 2, Psh | Ack, Hello("discord.com")));
        decoder.Decode(T0, LinkType.Ethernet, TcpFrame(40013, 8443, 1, Syn));
        decoder.Decode(T0, LinkType.Ethernet, TcpFrame(40013, 8443, 2, Psh | Ack, [1, 2, 3, 4]));

        decoder.Expire(T0.AddSeconds(29));
        Assert.Equal(2, decoder.ActiveFlowCount);
        decoder.Expire(T0.AddSeconds(31));

        Assert.Equal("discord.com", Assert.Single(sink.OfKind(ObservationKind.FlowSummary)).Name);
        Assert.Equal(2, decoder.Counters.FlowsExpired);
        Assert.Equal(0, decoder.ActiveFlowCount);
    }

    [Fact]
    public void Complete_SummarisesOpenNamedFlows()
    {
        var sink = new CollectingSink();
        var decoder = new PacketDecoder(sink, new CaptureOptions());
        decoder.Decode(T0, LinkType.Ethernet, TcpFrame(40014, 443, 1, Syn));
        decoder.Decode(T0, LinkType.Ethernet, TcpFrame(40014, 443, 2, Psh | Ack, Hello("x.com")));

        decoder.Complete();

        Assert.Equal("x.com", Assert.Single(sink.OfKind(ObservationKind.FlowSummary)).Name);
    }

    [Fact]
    public void Add_WhenFull_EvictsIdleFirstThenOldest()
    {
        var sink = new CollectingSink();
        var decoder = new PacketDecoder(sink, new CaptureOptions { MaxFlows = 16, FlowIdleSeconds = 60 });
        for (var i = 0; i < 16; i++)
        {
            decoder.Decode(T0.AddSeconds(i < 4 ? 0 : 100), LinkType.Ethernet, TcpFrame((ushort)(41000 + i), 443, 1, Syn));
        }

        // Four flows from T0 are idle at T0+100 s (timeout 60 s): the periodic sweep expires them, no eviction needed.
        Assert.Equal(12, decoder.ActiveFlowCount);
        Assert.Equal(4, decoder.Counters.FlowsExpired);
        for (var i = 16; i < 24; i++)
        {
            decoder.Decode(T0.AddSeconds(100), LinkType.Ethernet, TcpFrame((ushort)(41000 + i), 443, 1, Syn));
        }

        Assert.Equal(16, decoder.ActiveFlowCount);
        Assert.Equal(4, decoder.Counters.FlowsEvicted);
    }

    [Fact]
    public void Flood_TwoMillionDistinctFlows_StaysWithinMaxFlowsAndBoundedHeap()
    {
        const int maxFlows = 50_000;
        const int flows = 2_000_000;
        var sink = new CollectingSink();
        var decoder = new PacketDecoder(sink, new CaptureOptions { MaxFlows = maxFlows, FlowIdleSeconds = 3600 });
        var frame = TcpFrame(1, 443, 1, Syn);
        var ipOffset = 14;
        long heapAtQuarter = 0;
        var maxSeen = 0;
        for (var i = 0; i < flows; i++)
        {
            // Vary the client address (low 16 bits) and port so every SYN is a new 5-tuple.
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(ipOffset + 14), (ushort)(i >> 16));
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(ipOffset + 20), (ushort)i);
            decoder.Decode(T0.AddTicks(i * 10L), LinkType.Ethernet, frame);
            if ((i & 0xffff) == 0)
            {
                maxSeen = Math.Max(maxSeen, decoder.ActiveFlowCount);
            }

            if (i == flows / 4)
            {
                heapAtQuarter = GC.GetTotalMemory(forceFullCollection: true);
            }
        }

        var heapAtEnd = GC.GetTotalMemory(forceFullCollection: true);
        Assert.True(maxSeen <= maxFlows);
        Assert.Equal(maxFlows, decoder.ActiveFlowCount);
        Assert.Equal(flows, decoder.Counters.FlowsCreated);
        Assert.Equal(flows - maxFlows, decoder.Counters.FlowsEvicted);
        Assert.Empty(sink.Items);

        // The table was already full at a quarter of the flood; the rest must not grow the heap (allow 8 MiB slack).
        Assert.True(heapAtEnd - heapAtQuarter < 8 * 1024 * 1024, $"heap grew from {heapAtQuarter} to {heapAtEnd}");
    }

    [Fact]
    public void QuicFlow_IsTrackedFromItsInitialAndSummarised()
    {
        var sink = new CollectingSink();
        var decoder = new PacketDecoder(sink, new CaptureOptions());
        var handshake = new ClientHelloBuilder { ServerName = "i.instagram.com", Alpn = ["h3"] }.BuildHandshake();
        var initial = Quic.QuicInitialProtector.Protect(Quic.QuicInitialProtector.CryptoFrame(0, handshake), [9, 8, 7, 6, 5, 4, 3, 2], 0);

        decoder.Decode(T0, LinkType.Ethernet, UdpFrame(50001, 443, initial));
        decoder.Decode(T0.AddSeconds(1), LinkType.Ethernet, UdpFrame(443, 50001, new byte[1300], fromClient: false));
        decoder.Complete();

        var flow = Assert.Single(sink.OfKind(ObservationKind.FlowSummary));
        var detail = Assert.IsType<FlowDetail>(flow.Detail);
        Assert.Equal(TransportProtocol.Udp, flow.Transport);
        Assert.Equal(IPAddress.Parse("10.10.1.20"), flow.Client);
        Assert.Equal(initial.Length, detail.BytesFromClient);
        Assert.Equal(1300, detail.BytesToClient);
    }
}
