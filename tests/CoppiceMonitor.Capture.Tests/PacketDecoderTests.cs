using System.Net;
using CoppiceMonitor.Capture.Tests.Builders;
using CoppiceMonitor.Capture.Tests.Quic;
using CoppiceMonitor.Capture.Tests.Tls;
using static CoppiceMonitor.Capture.Tests.Builders.Packets;

namespace CoppiceMonitor.Capture.Tests;

public sealed class PacketDecoderTests
{
    private static readonly DateTime T0 = new(2026, 9, 7, 9, 0, 0, DateTimeKind.Utc);

    private readonly CollectingSink _sink = new();
    private readonly PacketDecoder _decoder;

    public PacketDecoderTests() => _decoder = new PacketDecoder(_sink, new CaptureOptions { FlowIdleSeconds = 60 });

    private void Feed(LinkType link, params byte[][] frames)
    {
        var ts = T0;
        foreach (var frame in frames)
        {
            _decoder.Decode(ts, link, frame);
            ts = ts.AddMilliseconds(1);
        }
    }

    private void Feed(params byte[][] frames) => Feed(LinkType.Ethernet, frames);

    private static byte[] DnsIpv4(string name) => Ipv4(Client, Server, 17, Udp(40000, 53, DnsQuery(name)));

    [Fact]
    public void Decode_DnsQueryOverUdp_EmitsLowerCaseNameWithAddressesAndMac()
    {
        Feed(UdpFrame(40000, 53, DnsQuery("WWW.Example.ORG")));

        var o = Assert.Single(_sink.Items);
        Assert.Equal(ObservationKind.DnsQuery, o.Kind);
        Assert.Equal("www.example.org", o.Name);
        Assert.Equal(Client, o.Client);
        Assert.Equal(Server, o.Server);
        Assert.Equal(53, o.ServerPort);
        Assert.Equal(MacAddress.FromSpan(ClientMac), o.ClientMac);
        Assert.Equal(T0, o.TimestampUtc);
    }

    [Fact]
    public void Decode_DnsAnswerWithCnameAAndAaaa_ReportsQuestionNameAndRecords()
    {
        var response = DnsResponse("www.example.org", 1,
            (5, DnsName("edge.cdn.example.net")),
            (1, [192, 0, 2, 7]),
            (28, IPAddress.Parse("2001:db8::7").GetAddressBytes()));

        Feed(UdpFrame(53, 40000, response, fromClient: false));

        var o = Assert.Single(_sink.Items);
        Assert.Equal(ObservationKind.DnsAnswer, o.Kind);
        Assert.Equal("www.example.org", o.Name);
        Assert.Equal(Client, o.Client);
        Assert.Equal(Server, o.Server);
        var detail = Assert.IsType<DnsAnswerDetail>(o.Detail);
        Assert.Equal(["192.0.2.7", "2001:db8::7"], detail.Addresses.Select(a => a.ToString()));
        Assert.Equal(["edge.cdn.example.net"], detail.CanonicalNames);
        Assert.False(detail.HasEchConfig);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Decode_HttpsRecord_ReportsEchParameterPresence(bool withEch)
    {
        Feed(UdpFrame(53, 40000, DnsResponse("cloudflare-ech.com", 65, (65, HttpsRecordData(withEch))), fromClient: false));

        var detail = Assert.IsType<DnsAnswerDetail>(Assert.Single(_sink.Items).Detail);
        Assert.Equal(withEch, detail.HasEchConfig);
    }

    [Fact]
    public void Decode_CompressionPointerLoop_IsMalformedNotAName()
    {
        // Header, then a QNAME that is a pointer to itself (offset 12): a loop that must end at 10 pointers.
        byte[] looping = [0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 0x0c, 0, 1, 0, 1];

        Feed(UdpFrame(40000, 53, looping));

        Assert.Empty(_sink.Items);
        Assert.Equal(1, _decoder.Counters.Malformed(MalformedKind.Dns));
    }

    [Fact]
    public void Decode_NameWithControlBytes_EscapesThemLikeTshark()
    {
        byte[] name = [3, (byte)'w', (byte)'w', (byte)'w', 1, (byte)'A', 4, 0x04, 0x0d, 0, (byte)'b', 2, (byte)'c', (byte)'n', 0];
        byte[] query = [0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, .. name, 0, 1, 0, 1];

        Feed(UdpFrame(40000, 53, query));

        Assert.Equal(@"www.a.\004\r\000b.cn", Assert.Single(_sink.Items).Name);
    }

    [Theory]
    [InlineData(5353)]
    [InlineData(5355)]
    public void Decode_MulticastDnsAndLlmnr_AreKeptApartAsMdns(ushort port)
    {
        Feed(UdpFrame(port, port, DnsQuery("printer.local")));

        var o = Assert.Single(_sink.Items);
        Assert.Equal(ObservationKind.Mdns, o.Kind);
        Assert.Empty(_sink.OfKind(ObservationKind.DnsQuery));
    }

    [Fact]
    public void Decode_DnsQuotedInsideIcmpError_IsNotALookup()
    {
        // ICMP destination unreachable (type 3, code 3) quoting the original IPv4 + UDP + DNS query.
        var quoted = DnsIpv4("quoted.example.org");
        byte[] icmp = [3, 3, 0, 0, 0, 0, 0, 0, .. quoted];

        Feed(Ethernet(0x0800, Ipv4(Server, Client, 1, icmp)));

        Assert.Empty(_sink.Items);
    }

    [Fact]
    public void Decode_DnsOverTcp_SeveralMessagesInOneSegmentAndLengthPrefixAlone()
    {
        var first = DnsQuery("one.example");
        var second = DnsQuery("two.example");
        var third = DnsQuery("three.example");
        byte[] segment1 = [.. U16((ushort)first.Length), .. first, .. U16((ushort)second.Length), .. second];
        var prefixOnly = U16((ushort)third.Length);
        const uint isn = 1000;

        Feed(
            TcpFrame(40001, 53, isn, Syn),
            TcpFrame(53, 40001, 5000, Syn | Ack, fromClient: false),
            TcpFrame(40001, 53, isn + 1, Psh | Ack, segment1),
            TcpFrame(40001, 53, isn + 1 + (uint)segment1.Length, Psh | Ack, prefixOnly),
            TcpFrame(40001, 53, isn + 1 + (uint)segment1.Length, Psh | Ack, prefixOnly),           // retransmission
            TcpFrame(40001, 53, isn + 3 + (uint)segment1.Length, Psh | Ack, third));

        Assert.Equal(["one.example", "two.example", "three.example"], _sink.OfKind(ObservationKind.DnsQuery).Select(o => o.Name));
        Assert.All(_sink.Items, o => Assert.Equal(TransportProtocol.Tcp, o.Transport));
    }

    [Fact]
    public void Decode_DhcpRequestAndAck_ReportsMacHostnameRequestedAndAssignedAddress()
    {
        var requested = IPAddress.Parse("10.10.4.9");
        byte[] mac = [0x3c, 0x22, 0xfb, 0x01, 0x02, 0x03];
        var request = Ethernet(0x0800, Ipv4(IPAddress.Any, IPAddress.Broadcast, 17, Udp(68, 67, DhcpMessage(1, DhcpMessageType.Request, mac, "Staff-Laptop-7", requested))), mac);
        var ack = Ethernet(0x0800, Ipv4(Server, requested, 17, Udp(67, 68, DhcpMessage(2, DhcpMessageType.Ack, mac, yourAddress: requested, leaseSeconds: 7200))), ServerMac, mac);

        Feed(request, ack);

        Assert.Equal(2, _sink.Items.Count);
        var req = _sink.Items[0];
        Assert.Equal(ObservationKind.DhcpLease, req.Kind);
        Assert.Equal("staff-laptop-7", req.Name);
        Assert.Equal("3c:22:fb:01:02:03", req.ClientMac.ToString());
        var reqDetail = Assert.IsType<DhcpDetail>(req.Detail);
        Assert.Equal(DhcpMessageType.Request, reqDetail.MessageType);
        Assert.Equal(requested, reqDetail.RequestedAddress);

        var ackDetail = Assert.IsType<DhcpDetail>(_sink.Items[1].Detail);
        Assert.Equal(DhcpMessageType.Ack, ackDetail.MessageType);
        Assert.Equal(requested, ackDetail.AssignedAddress);
        Assert.Equal(7200u, ackDetail.LeaseSeconds);
        Assert.Equal(requested, _sink.Items[1].Client);
    }

    [Fact]
    public void Decode_HttpRequestOnPort80_EmitsHostWithoutPort()
    {
        Feed(
            TcpFrame(40002, 80, 10, Syn),
            TcpFrame(40002, 80, 11, Psh | Ack, HttpGet("Intranet.Coppice.Example:80")));

        var o = Assert.Single(_sink.OfKind(ObservationKind.HttpHost));
        Assert.Equal("intranet.coppice.example", o.Name);
        Assert.Equal(80, o.ServerPort);
    }

    [Fact]
    public void Decode_ClientHelloInThreeSegmentsOutOfOrderWithRetransmission_EmitsSniOnce()
    {
        var hello = ClientHelloBuilder.ToRecords(new ClientHelloBuilder { ServerName = "www.instagram.com", PaddingExtensionLength = 1300 }.BuildHandshake());
        var a = hello[..600];
        var b = hello[600..1200];
        var c = hello[1200..];
        const uint isn = 7000;

        Feed(
            TcpFrame(40003, 443, isn, Syn),
            TcpFrame(443, 40003, 90000, Syn | Ack, fromClient: false),
            TcpFrame(40003, 443, isn + 1 + 1200, Psh | Ack, c),
            TcpFrame(40003, 443, isn + 1, Ack, a),
            TcpFrame(40003, 443, isn + 1, Ack, a),
            TcpFrame(40003, 443, isn + 1 + 600, Ack, b));

        var o = Assert.Single(_sink.OfKind(ObservationKind.TlsClientHello));
        Assert.Equal("www.instagram.com", o.Name);
        Assert.Equal(Client, o.Client);
        Assert.Equal(443, o.ServerPort);
        Assert.IsType<ClientHelloDetail>(o.Detail);
    }

    [Fact]
    public void Decode_NoSynAndHelloTailFirst_WaitsForTheRecordStartAndEmitsSni()
    {
        // Capture started after the handshake's SYN; the hello's second segment overtook its first.
        var hello = ClientHelloBuilder.ToRecords(new ClientHelloBuilder { ServerName = "www.tiktok.com", PaddingExtensionLength = 1300 }.BuildHandshake());
        var head = hello[..1000];
        var tail = hello[1000..];
        Assert.NotEqual(0x16, tail[0]);
        const uint seq = 123_456;

        Feed(
            TcpFrame(50001, 443, seq + 1000, Psh | Ack, tail),
            TcpFrame(443, 50001, 9000, Ack, [0x17, 3, 3, 0, 1, 0], fromClient: false),
            TcpFrame(50001, 443, seq, Ack, head));

        var o = Assert.Single(_sink.OfKind(ObservationKind.TlsClientHello));
        Assert.Equal("www.tiktok.com", o.Name);
        Assert.Equal(Client, o.Client);
        Assert.Equal(443, o.ServerPort);
    }

    [Fact]
    public void Decode_NoSynAndRecordStartThreeSegmentsLate_StillEmitsSni()
    {
        var hello = ClientHelloBuilder.ToRecords(new ClientHelloBuilder { ServerName = "chat.example.org", PaddingExtensionLength = 1500 }.BuildHandshake());
        var parts = new[] { hello[..500], hello[500..1000], hello[1000..1500], hello[1500..] };
        const uint seq = 4_000_000_000; // wraps past 2^32 inside the hello

        Feed(
            TcpFrame(50002, 443, seq + 1500, Ack, parts[3]),
            TcpFrame(50002, 443, seq + 1000, Ack, parts[2]),
            TcpFrame(50002, 443, seq + 500, Ack, parts[1]),
            TcpFrame(50002, 443, seq, Ack, parts[0]));

        Assert.Equal("chat.example.org", Assert.Single(_sink.OfKind(ObservationKind.TlsClientHello)).Name);
    }

    [Fact]
    public void Decode_NoSynAndNoRecordStartWithinBound_GivesUpOnTheConnection()
    {
        // A connection picked up mid-stream: application data, then (long after) bytes that look like a hello.
        var hello = ClientHelloBuilder.ToRecords(new ClientHelloBuilder { ServerName = "late.example" }.BuildHandshake());
        byte[] appData = [0x17, 3, 3, 0, 4, 1, 2, 3, 4];
        var frames = new List<byte[]>();
        uint seq = 777;
        for (var i = 0; i < 4; i++)
        {
            frames.Add(TcpFrame(50003, 443, seq, Ack, appData));
            seq += (uint)appData.Length;
        }

        frames.Add(TcpFrame(50003, 443, seq, Ack, hello));
        Feed([.. frames]);

        Assert.Empty(_sink.OfKind(ObservationKind.TlsClientHello));
        Assert.Equal(0, _decoder.Counters.TlsClientHellos);
    }

    [Fact]
    public void Decode_SynThenNonTlsFirstBytes_IsNotTls()
    {
        var hello = ClientHelloBuilder.ToRecords(new ClientHelloBuilder { ServerName = "after.example" }.BuildHandshake());
        byte[] banner = "SSH-2.0-OpenSSH_9.2\r\n"u8.ToArray();
        const uint isn = 50;

        Feed(
            TcpFrame(50004, 22, isn, Syn),
            TcpFrame(50004, 22, isn + 1, Psh | Ack, banner),
            TcpFrame(50004, 22, isn + 1 + (uint)banner.Length, Psh | Ack, hello));

        Assert.Empty(_sink.OfKind(ObservationKind.TlsClientHello));
    }

    [Fact]
    public void Decode_DnsOverTcpAnswerSegmentsReordered_ReassemblesTheAnswer()
    {
        byte[] address = [203, 0, 113, 7];
        var answer = DnsResponse("reordered.example", 1, [.. Enumerable.Repeat(((ushort)1, address), 40)]);
        byte[] stream = [.. U16((ushort)answer.Length), .. answer];
        var third = stream.Length / 3;
        var a = stream[..third];
        var b = stream[third..(2 * third)];
        var c = stream[(2 * third)..];
        const uint isn = 90_000;

        Feed(
            TcpFrame(40010, 53, 10, Syn),
            TcpFrame(53, 40010, isn, Syn | Ack, fromClient: false),
            TcpFrame(53, 40010, isn + 1 + (uint)(2 * third), Psh | Ack, c, fromClient: false),
            TcpFrame(53, 40010, isn + 1 + (uint)third, Ack, b, fromClient: false),
            TcpFrame(53, 40010, isn + 1 + (uint)third, Ack, b, fromClient: false),     // retransmission of a held segment
            TcpFrame(53, 40010, isn + 1, Ack, a, fromClient: false));

        var o = Assert.Single(_sink.OfKind(ObservationKind.DnsAnswer));
        Assert.Equal("reordered.example", o.Name);
        Assert.Equal(40, Assert.IsType<DnsAnswerDetail>(o.Detail).Addresses.Count);
        Assert.Equal(0, _decoder.Counters.Malformed(MalformedKind.Dns));
    }

    [Fact]
    public void Decode_DnsOverTcpFirstSegmentLateAfterSyn_IsNotLost()
    {
        var first = DnsQuery("first.example");
        var second = DnsQuery("second.example");
        byte[] one = [.. U16((ushort)first.Length), .. first];
        byte[] two = [.. U16((ushort)second.Length), .. second];
        const uint isn = 5;

        Feed(
            TcpFrame(40011, 53, isn, Syn),
            TcpFrame(40011, 53, isn + 1 + (uint)one.Length, Psh | Ack, two),
            TcpFrame(40011, 53, isn + 1, Psh | Ack, one));

        Assert.Equal(["first.example", "second.example"], _sink.OfKind(ObservationKind.DnsQuery).Select(o => o.Name));
    }

    [Fact]
    public void Decode_DnsOverTcpGapNeverFilled_GivesUpBoundedAndResumes()
    {
        // A lost segment in the middle of a message: later whole messages arrive past the gap. Once the hold is
        // full the gap is abandoned and the held messages are decoded from the earliest one.
        var lost = DnsQuery("lost.example");
        byte[] lostMessage = [.. U16((ushort)lost.Length), .. lost];
        const uint isn = 1;
        var frames = new List<byte[]> { TcpFrame(40012, 53, isn, Syn), TcpFrame(40012, 53, isn + 1, Psh | Ack, lostMessage[..5]) };
        var seq = isn + 1 + (uint)lostMessage.Length;
        var names = new List<string>();
        for (var i = 0; i <= CoppiceMonitor.Capture.Dns.DnsTcpStream.MaxHeldSegments; i++)
        {
            var name = $"q{i}.example";
            names.Add(name);
            var query = DnsQuery(name);
            byte[] message = [.. U16((ushort)query.Length), .. query];
            frames.Add(TcpFrame(40012, 53, seq, Psh | Ack, message));
            seq += (uint)message.Length;
        }

        Feed([.. frames]);

        Assert.Equal(names, _sink.OfKind(ObservationKind.DnsQuery).Select(o => o.Name));
    }

    [Fact]
    public void Decode_QuicInitialV1_EmitsQuicSni()
    {
        var handshake = new ClientHelloBuilder { ServerName = "www.tiktok.com", Alpn = ["h3"] }.BuildHandshake();
        var initial = QuicInitialProtector.Protect(QuicInitialProtector.CryptoFrame(0, handshake), [1, 2, 3, 4, 5, 6, 7, 8], 0);

        Feed(UdpFrame(50000, 443, initial));

        var o = Assert.Single(_sink.OfKind(ObservationKind.QuicInitial));
        Assert.Equal("www.tiktok.com", o.Name);
        Assert.Equal(TransportProtocol.Udp, o.Transport);
        Assert.Equal("h3", Assert.IsType<ClientHelloDetail>(o.Detail).Alpn);
    }

    [Fact]
    public void Decode_QinQTags_KeepsInnermostVlan()
    {
        Feed(Ethernet(0x0800, DnsIpv4("vlan.example"), null, null, (0x88a8, 300), (0x8100, 10)));

        Assert.Equal(10, Assert.Single(_sink.Items).Vlan);
    }

    [Fact]
    public void Decode_SingleVlanTag_KeepsVlanIdWithoutPriorityBits()
    {
        Feed(Ethernet(0x0800, DnsIpv4("vlan.example"), null, null, (0x8100, 0xa014)));

        Assert.Equal(20, Assert.Single(_sink.Items).Vlan);
    }

    public static TheoryData<string, int, byte[]> LinkLayers()
    {
        var ip = DnsIpv4("link.example");
        return new TheoryData<string, int, byte[]>
        {
            { "raw", (int)LinkType.Raw, ip },
            { "ipv4", (int)LinkType.Ipv4, ip },
            { "null", (int)LinkType.Null, [2, 0, 0, 0, .. ip] },
            { "loop", (int)LinkType.Loop, [0, 0, 0, 2, .. ip] },
            { "sll", (int)LinkType.LinuxSll, [0, 0, 0, 1, 0, 6, .. ClientMac, 0, 0, 0x08, 0x00, .. ip] },
            { "sll2", (int)LinkType.LinuxSll2, [0x08, 0x00, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, .. ClientMac, 0, 0, .. ip] },
            { "ppp", (int)LinkType.Ppp, [0xff, 0x03, 0x00, 0x21, .. ip] },
            { "pppoe", (int)LinkType.Ethernet, Ethernet(0x8864, [0x11, 0, 0, 1, .. U16((ushort)(ip.Length + 2)), 0x00, 0x21, .. ip]) },
            { "mpls", (int)LinkType.Ethernet, Ethernet(0x8847, [0, 0x01, 0x41, 64, .. ip]) },
        };
    }

    [Theory]
    [MemberData(nameof(LinkLayers))]
    public void Decode_EachLinkLayer_FindsTheDnsQuery(string name, int linkType, byte[] frame)
    {
        Feed((LinkType)linkType, frame);

        Assert.True(_sink.Items.Count == 1, name);
        Assert.Equal("link.example", _sink.Items[0].Name);
    }

    public static TheoryData<string, byte[]> Tunnels()
    {
        var inner4 = DnsIpv4("tunnel.example");
        var inner6 = Ipv6(Client6, Server6, 17, Udp(40000, 53, DnsQuery("tunnel.example")));
        var innerEthernet = Ethernet(0x0800, inner4);
        return new TheoryData<string, byte[]>
        {
            { "ip-in-ip", Ethernet(0x0800, Ipv4(Client, Server, 4, inner4)) },
            { "6in4", Ethernet(0x0800, Ipv4(Client, Server, 41, inner6)) },
            { "gre-ipv4", Ethernet(0x0800, Ipv4(Client, Server, 47, [0, 0, 0x08, 0x00, .. inner4])) },
            { "gre-key-ethernet", Ethernet(0x0800, Ipv4(Client, Server, 47, [0x20, 0, 0x65, 0x58, 0, 0, 0, 9, .. innerEthernet])) },
            // ERSPAN type II: GRE with the sequence bit (4-byte sequence), then an 8-byte ERSPAN header.
            { "gre-erspan-ii", Ethernet(0x0800, Ipv4(Client, Server, 47, [0x10, 0, 0x88, 0xbe, 0, 0, 0, 5, 0x10, 0, 0, 1, 0, 0, 0, 0, .. innerEthernet])) },
            // PPTP enhanced GRE (version 1, key and sequence present) carrying PPP with IPv4.
            { "gre-pptp", Ethernet(0x0800, Ipv4(Client, Server, 47, [0x30, 0x01, 0x88, 0x0b, 0, (byte)(inner4.Length + 4), 0, 1, 0, 0, 0, 1, 0xff, 0x03, 0x00, 0x21, .. inner4])) },
            { "vxlan", UdpFrame(51000, 4789, [0x08, 0, 0, 0, 0, 0, 0x64, 0, .. innerEthernet]) },
            { "geneve", UdpFrame(51000, 6081, [0, 0, 0x65, 0x58, 0, 0, 0x64, 0, .. innerEthernet]) },
            // CAPWAP data, HLEN 2 words, T=0 (802.3 payload): preamble 0, then HLEN(5)=2 << 19.
            { "capwap", UdpFrame(51000, 5247, [0, 0x10, 0x00, 0x00, 0, 0, 0, 0, .. innerEthernet]) },
            { "teredo", UdpFrame(51000, 3544, [0, 0, 0xf2, 0x27, 0xbf, 0xff, 0xfd, 0xfe, .. inner6]) },
            { "gtp-u", UdpFrame(2152, 2152, [0x30, 0xff, .. U16((ushort)inner4.Length), 0, 0, 0, 1, .. inner4]) },
            { "ipv6-ext-headers", Ethernet(0x86dd, Ipv6(Client6, Server6, 0, Ipv6OptionsHeader(60, Ipv6OptionsHeader(17, Udp(40000, 53, DnsQuery("tunnel.example")))))) },
        };
    }

    [Theory]
    [MemberData(nameof(Tunnels))]
    public void Decode_TunnelledDns_IsOpenedAndDecoded(string name, byte[] frame)
    {
        Feed(frame);

        Assert.True(_sink.Items.Count == 1, $"{name}: {_sink.Items.Count} observations");
        Assert.Equal("tunnel.example", _sink.Items[0].Name);
    }

    [Fact]
    public void Decode_CapwapWith80211Frame_DecodesThroughLlcSnap()
    {
        // 802.11 data frame, ToDS: FC 08 01, duration, addr1 (BSSID), addr2 (station), addr3 (destination), seq.
        byte[] wifi = [0x08, 0x01, 0, 0, .. ServerMac, .. ClientMac, .. ServerMac, 0, 0, 0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00, .. DnsIpv4("wifi.example")];
        // HLEN 2, WBID 1 (IEEE 802.11), T=1: bits = 2<<19 | 1<<9 | 1<<8.
        const int bits = (2 << 19) | (1 << 9) | (1 << 8);
        byte[] capwap = [0, unchecked((byte)(bits >> 16)), unchecked((byte)(bits >> 8)), unchecked((byte)bits), 0, 0, 0, 0, .. wifi];

        Feed(UdpFrame(51000, 5247, capwap));

        var o = Assert.Single(_sink.Items);
        Assert.Equal("wifi.example", o.Name);
        Assert.Equal(MacAddress.FromSpan(ClientMac), o.ClientMac);
    }

    [Fact]
    public void Decode_Ipv4Fragment_IsCountedAndSkipped()
    {
        Feed(Ethernet(0x0800, Ipv4(Client, Server, 17, Udp(40000, 53, DnsQuery("frag.example")), flagsAndOffset: 0x2000)));

        Assert.Empty(_sink.Items);
        Assert.Equal(1, _decoder.Counters.Ipv4Fragments);
    }

    [Fact]
    public void Decode_Ipv6Fragment_IsCountedAndSkipped()
    {
        Feed(Ethernet(0x86dd, Ipv6(Client6, Server6, 44, Ipv6FragmentHeader(17, 0, true, Udp(40000, 53, DnsQuery("frag.example"))))));

        Assert.Empty(_sink.Items);
        Assert.Equal(1, _decoder.Counters.Ipv6Fragments);
    }

    [Fact]
    public void Decode_EthernetPadding_IsNotTakenAsPayload()
    {
        var frame = UdpFrame(40000, 53, DnsQuery("pad.example"));
        Feed([.. frame, 0xde, 0xad, 0xbe, 0xef]);

        Assert.Equal("pad.example", Assert.Single(_sink.Items).Name);
    }

    [Fact]
    public void Counters_UnsupportedLinkType_IsCounted()
    {
        Feed((LinkType)147, [1, 2, 3]);

        Assert.Equal(1, _decoder.Counters.UnsupportedLinkType);
        Assert.Equal(1, _decoder.Counters.Packets);
    }
}
