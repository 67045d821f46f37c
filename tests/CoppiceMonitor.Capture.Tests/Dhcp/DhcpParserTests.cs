using System.Net;
using CoppiceMonitor.Capture.Dhcp;
using CoppiceMonitor.Capture.Tests.Builders;

namespace CoppiceMonitor.Capture.Tests.Dhcp;

public sealed class DhcpParserTests
{
    private static readonly string FixedTail =
        new string('0', 20) +                                    // chaddr's 10 padding bytes
        new string('0', 128) +                                   // sname (64 bytes)
        new string('0', 256) +                                   // file (128 bytes)
        "63825363";                                              // magic cookie

    /// <summary>A staff laptop's DHCPREQUEST for 10.10.1.20 with its hostname.</summary>
    private static readonly byte[] Request = Convert.FromHexString(
        "01" + "01" + "06" + "00" +                              // op BOOTREQUEST, htype Ethernet, hlen 6, hops 0
        "3903f326" + "0000" + "8000" +                           // xid; secs; flags: broadcast
        "00000000" + "00000000" + "00000000" + "00000000" +      // ciaddr, yiaddr, siaddr, giaddr
        "020000000001" + FixedTail +                             // chaddr 02:00:00:00:00:01 ...
        "350103" +                                               // option 53: DHCPREQUEST
        "32040a0a0114" +                                         // option 50: requested 10.10.1.20
        "0c0c" + "53746166662d4c6170746f70" +                   // option 12: "Staff-Laptop"
        "ff");                                                   // end

    /// <summary>The server's DHCPACK assigning 10.10.1.20 for a day.</summary>
    private static readonly byte[] Ack = Convert.FromHexString(
        "02" + "01" + "06" + "00" +                              // op BOOTREPLY, htype Ethernet, hlen 6, hops 0
        "3903f326" + "0000" + "0000" +                           // xid; secs; flags
        "00000000" + "0a0a0114" + "c0000201" + "00000000" +      // ciaddr; yiaddr 10.10.1.20; siaddr 192.0.2.1; giaddr
        "020000000001" + FixedTail +                             // chaddr 02:00:00:00:00:01 ...
        "350105" +                                               // option 53: DHCPACK
        "330400015180" +                                         // option 51: lease 86,400 s
        "ff");                                                   // end

    [Fact]
    public void TryParse_Request_ReadsTypeHostnameAndRequestedAddress()
    {
        var status = DhcpParser.TryParse(Request, out var message);

        Assert.Equal(ParseStatus.Success, status);
        Assert.Equal(1, message.Op);
        Assert.Equal(DhcpMessageType.Request, message.Type);
        Assert.Equal(0x0a0a0114u, message.RequestedAddress);
        Assert.Equal("Staff-Laptop"u8.ToArray(), message.Hostname.ToArray());
        Assert.Equal(MacAddress.FromSpan(Packets.ClientMac), message.ClientHardwareAddress);
        Assert.False(message.Truncated);
    }

    [Fact]
    public void Handler_RequestAndAck_EmitLeaseObservations()
    {
        var sink = new CollectingSink();
        var handler = new DhcpHandler(ParserTestPacket.Emitter(sink));

        Assert.Equal(ParseStatus.Success, ParserTestPacket.Datagram(handler, 68, 67, Request));
        Assert.Equal(ParseStatus.Success, ParserTestPacket.Datagram(handler, 67, 68, Ack));

        Assert.Equal(2, sink.Items.Count);
        var request = Assert.IsType<DhcpDetail>(sink.Items[0].Detail);
        Assert.Equal("staff-laptop", sink.Items[0].Name);
        Assert.Equal(IPAddress.Parse("10.10.1.20"), request.RequestedAddress);
        var ack = Assert.IsType<DhcpDetail>(sink.Items[1].Detail);
        Assert.Equal(IPAddress.Parse("10.10.1.20"), ack.AssignedAddress);
        Assert.Equal(86_400u, ack.LeaseSeconds);
        Assert.Equal(IPAddress.Parse("10.10.1.20"), sink.Items[1].Client);
    }

    [Fact]
    public void TryParse_EveryPrefix_NotSuccessOrMarkedTruncated()
    {
        foreach (var message in new[] { Request, Ack })
        {
            for (var length = 0; length < message.Length; length++)
            {
                var status = DhcpParser.TryParse(message.AsSpan(0, length), out var parsed);
                Assert.True(status != ParseStatus.Success || parsed.Truncated, $"prefix {length}: {status}");
            }
        }
    }

    [Fact]
    public void Handler_EveryPrefix_NotSuccessNeverThrows()
    {
        var handler = new DhcpHandler(ParserTestPacket.Emitter(new CollectingSink()));
        foreach (var message in new[] { Request, Ack })
        {
            for (var length = 0; length < message.Length; length++)
            {
                Assert.NotEqual(ParseStatus.Success, ParserTestPacket.Datagram(handler, 68, 67, message.AsSpan(0, length)));
            }
        }
    }

    [Fact]
    public void Handler_EveryBitFlip_NeverThrows()
    {
        var handler = new DhcpHandler(ParserTestPacket.Emitter(new CollectingSink()));
        var outcomes = new HashSet<ParseStatus>();
        foreach (var original in new[] { Request, Ack })
        {
            for (var bit = 0; bit < original.Length * 8; bit++)
            {
                var message = (byte[])original.Clone();
                message[bit / 8] ^= (byte)(1 << (bit % 8));
                outcomes.Add(ParserTestPacket.Datagram(handler, 68, 67, message));
            }
        }

        // Flips in the cookie or op break the message; flips in addresses or padding do not.
        Assert.Contains(ParseStatus.Success, outcomes);
        Assert.Contains(ParseStatus.Malformed, outcomes);
    }
}
