using System.Net;
using CoppiceMonitor.Capture.Dhcp;
using CoppiceMonitor.Capture.Tests.Builders;
using static CoppiceMonitor.Capture.Tests.Builders.Packets;

namespace CoppiceMonitor.Capture.Tests.Tunnels;

/// <summary>Issue 12: CAPWAP data whose 802.11 Frame Control is byte-swapped (some Cisco controllers).</summary>
public sealed class CapwapFrameControlTests
{
    private static readonly DateTime T0 = new(2026, 9, 7, 9, 0, 0, DateTimeKind.Utc);

    /// <summary>A station's DNS query for "cisco.example" as IPv4 + UDP, every field written out.</summary>
    private static readonly byte[] DnsQueryIpv4 =
    [
        0x45, 0x00, 0x00, 0x3b,                         // IPv4, IHL 5; TOS; total length 59
        0x00, 0x01, 0x00, 0x00,                         // id; no fragment
        0x40, 0x11, 0x00, 0x00,                         // TTL 64; UDP; checksum (unchecked)
        0x0a, 0x0a, 0x01, 0x14,                         // source 10.10.1.20
        0xc0, 0x00, 0x02, 0x35,                         // destination 192.0.2.53
        0x9c, 0x40, 0x00, 0x35, 0x00, 0x27, 0x00, 0x00, // UDP 40000 -> 53, length 39, checksum
        0x12, 0x34, 0x01, 0x00,                         // DNS id; flags: query, RD
        0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // QDCOUNT 1, AN/NS/AR 0
        0x05, (byte)'c', (byte)'i', (byte)'s', (byte)'c', (byte)'o',
        0x07, (byte)'e', (byte)'x', (byte)'a', (byte)'m', (byte)'p', (byte)'l', (byte)'e', 0x00, // cisco.example
        0x00, 0x01, 0x00, 0x01,                         // QTYPE A, QCLASS IN
    ];

    private readonly CollectingSink _sink = new();

    /// <summary>CAPWAP data header: preamble 0, HLEN 2 words, WBID 1 (IEEE 802.11), T=1 (native frame); fragment id/offset 0.</summary>
    private static byte[] Capwap(byte[] wireless) => [0x00, 0x10, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, .. wireless];

    /// <summary>
    /// An 802.11 data frame to the distribution system carrying <paramref name="etherType"/>; <paramref name="swapped"/>
    /// puts Frame Control's flags byte first, as the affected controllers do.
    /// </summary>
    private static byte[] Wifi(bool swapped, bool qos, ushort etherType, byte[] payload)
    {
        var type = (byte)(qos ? 0x88 : 0x08);           // version 0, type data, subtype data / QoS data
        const byte flags = 0x09;                        // ToDS (0x01) + Retry (0x08): read as a first byte, "data"
        byte[] header =
        [
            .. swapped ? new[] { flags, type } : new[] { type, flags }, // Frame Control
            0x00, 0x00,                                 // duration
            .. ServerMac,                               // addr1: BSSID
            .. ClientMac,                               // addr2: transmitting station
            .. ServerMac,                               // addr3: destination
            0x00, 0x00,                                 // sequence control
            .. qos ? new byte[] { 0x00, 0x00 } : [],    // QoS control
            0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00,         // LLC/SNAP
            (byte)(etherType >> 8), (byte)etherType,    // EtherType
        ];
        return [.. header, .. payload];
    }

    private void Feed(byte[] capwapPayload) =>
        new PacketDecoder(_sink, new CaptureOptions()).Decode(T0, LinkType.Ethernet, UdpFrame(5247, 5247, capwapPayload));

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void Decode_CapwapDns_FoundWithEitherFrameControlOrder(bool swapped, bool qos)
    {
        Feed(Capwap(Wifi(swapped, qos, 0x0800, DnsQueryIpv4)));

        var o = Assert.Single(_sink.Items);
        Assert.Equal(ObservationKind.DnsQuery, o.Kind);
        Assert.Equal("cisco.example", o.Name);
        Assert.Equal(MacAddress.FromSpan(ClientMac), o.ClientMac);
    }

    [Fact]
    public void Decode_CapwapDhcpWithSwappedFrameControl_LeaseSeen()
    {
        var discover = DhcpMessage(1, DhcpMessageType.Discover, ClientMac, hostname: "staff-laptop", requested: IPAddress.Parse("10.10.1.20"));
        var ip = Ipv4(IPAddress.Any, IPAddress.Broadcast, 17, Udp(68, 67, discover));

        Feed(Capwap(Wifi(swapped: true, qos: true, 0x0800, ip)));

        var o = Assert.Single(_sink.Items);
        Assert.Equal(ObservationKind.DhcpLease, o.Kind);
        Assert.Equal("staff-laptop", o.Name);
        Assert.Equal(MacAddress.FromSpan(ClientMac), o.ClientMac);
    }

    [Fact]
    public void Decode_SwappedManagementFrame_StillNotIp()
    {
        // Flags first, then 0x80 (management, beacon): neither order is a data frame.
        byte[] beacon = [0x00, 0x80, 0x00, 0x00, .. ServerMac, .. ClientMac, .. ServerMac, 0x00, 0x00, .. new byte[16]];
        var decoder = new PacketDecoder(_sink, new CaptureOptions());

        decoder.Decode(T0, LinkType.Ethernet, UdpFrame(5247, 5247, Capwap(beacon)));

        Assert.Empty(_sink.Items);
        Assert.Equal(1, decoder.Counters.NonIp);
    }
}
