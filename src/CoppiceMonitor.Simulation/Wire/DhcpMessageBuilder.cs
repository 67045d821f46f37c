namespace CoppiceMonitor.Simulation.Wire;

/// <summary>What goes into one DHCP message; addresses are IPv4 in host order (0 = absent).</summary>
internal readonly record struct DhcpMessage(
    byte MessageType,
    uint TransactionId,
    ulong ClientMac,
    string? Hostname,
    uint ClientAddress,
    uint YourAddress,
    uint RequestedAddress,
    uint ServerIdentifier,
    uint LeaseSeconds,
    uint Router,
    bool Broadcast);

/// <summary>
/// DHCPv4 (RFC 2131 section 2): op, htype, hlen, hops, xid, secs, flags, ciaddr, yiaddr, siaddr, giaddr, chaddr(16),
/// sname(64), file(128), magic cookie 99.130.83.99, then options (RFC 2132) as code, length, value; 255 ends.
/// </summary>
internal static class DhcpMessageBuilder
{
    public const byte Discover = 1;
    public const byte Offer = 2;
    public const byte Request = 3;
    public const byte Ack = 5;

    public static byte[] Build(in DhcpMessage m)
    {
        var fromClient = m.MessageType is Discover or Request;
        var w = new WireWriter(340);
        w.U8(fromClient ? 1 : 2);
        w.U8(1);
        w.U8(6);
        w.U8(0);
        w.U32(m.TransactionId);
        w.U16(0);
        w.U16(m.Broadcast ? 0x8000 : 0);
        w.U32(m.ClientAddress);
        w.U32(m.YourAddress);
        w.U32(fromClient ? 0 : m.ServerIdentifier);
        w.U32(0);
        for (var i = 0; i < 6; i++)
        {
            w.U8((byte)(m.ClientMac >> (8 * (5 - i))));
        }

        w.Zeros(10 + 64 + 128);
        w.U32(0x63825363);

        w.U8(53);
        w.U8(1);
        w.U8(m.MessageType);
        if (fromClient)
        {
            // Option 61 client identifier: hardware type 1 + MAC, as Windows and Android send it.
            w.U8(61);
            w.U8(7);
            w.U8(1);
            for (var i = 0; i < 6; i++)
            {
                w.U8((byte)(m.ClientMac >> (8 * (5 - i))));
            }

            if (m.RequestedAddress != 0)
            {
                w.U8(50);
                w.U8(4);
                w.U32(m.RequestedAddress);
            }

            if (m.ServerIdentifier != 0)
            {
                w.U8(54);
                w.U8(4);
                w.U32(m.ServerIdentifier);
            }

            if (!string.IsNullOrEmpty(m.Hostname))
            {
                w.U8(12);
                w.U8(m.Hostname.Length);
                w.Ascii(m.Hostname);
            }

            // Option 55 parameter request list: subnet mask, router, DNS, domain name, lease, T1, T2.
            w.U8(55);
            w.U8(7);
            w.Bytes([1, 3, 6, 15, 51, 58, 59]);
        }
        else
        {
            w.U8(54);
            w.U8(4);
            w.U32(m.ServerIdentifier);
            w.U8(51);
            w.U8(4);
            w.U32(m.LeaseSeconds);
            w.U8(58);
            w.U8(4);
            w.U32(m.LeaseSeconds / 2);
            w.U8(59);
            w.U8(4);
            w.U32(m.LeaseSeconds / 8 * 7);
            w.U8(1);
            w.U8(4);
            w.U32(0xffff0000);
            w.U8(3);
            w.U8(4);
            w.U32(m.Router);
            w.U8(6);
            w.U8(4);
            w.U32(m.Router);
        }

        w.U8(255);
        // BOOTP minimum message of 300 bytes (RFC 1542 section 2.1); some relays drop shorter ones.
        if (w.Length < 300)
        {
            w.Zeros(300 - w.Length);
        }

        return w.ToArray();
    }
}
