using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace CoppiceMonitor.Capture.Tests.Builders;

/// <summary>
/// Builds frames field by field, each method quoting the header layout it writes, so every decoder path has
/// golden packets that do not depend on the shared corpus. Checksums are left zero: the decoder never checks them.
/// </summary>
internal static class Packets
{
    public static readonly byte[] ClientMac = [0x02, 0x00, 0x00, 0x00, 0x00, 0x01];
    public static readonly byte[] ServerMac = [0x02, 0x00, 0x00, 0x00, 0x00, 0x02];
    public static readonly IPAddress Client = IPAddress.Parse("10.10.1.20");
    public static readonly IPAddress Server = IPAddress.Parse("192.0.2.53");
    public static readonly IPAddress Client6 = IPAddress.Parse("2001:db8::20");
    public static readonly IPAddress Server6 = IPAddress.Parse("2001:db8::53");

    /// <summary>Ethernet II: destination(6) source(6) [TPID 0x8100/0x88a8 + TCI(2)]... EtherType(2) payload.</summary>
    public static byte[] Ethernet(ushort etherType, byte[] payload, byte[]? source = null, byte[]? destination = null, params (ushort Tpid, ushort Vlan)[] tags)
    {
        var frame = new List<byte>();
        frame.AddRange(destination ?? ServerMac);
        frame.AddRange(source ?? ClientMac);
        foreach (var (tpid, vlan) in tags)
        {
            frame.AddRange(U16(tpid));
            frame.AddRange(U16(vlan));
        }

        frame.AddRange(U16(etherType));
        frame.AddRange(payload);
        return [.. frame];
    }

    /// <summary>IPv4 (RFC 791), 20-byte header: ver/IHL, TOS, total length, id, flags/offset, TTL, protocol, checksum, src, dst.</summary>
    public static byte[] Ipv4(IPAddress source, IPAddress destination, byte protocol, byte[] payload, ushort flagsAndOffset = 0)
    {
        var header = new byte[20];
        header[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(2), (ushort)(20 + payload.Length));
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(4), 0x1234);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(6), flagsAndOffset);
        header[8] = 64;
        header[9] = protocol;
        source.GetAddressBytes().CopyTo(header, 12);
        destination.GetAddressBytes().CopyTo(header, 16);
        return [.. header, .. payload];
    }

    /// <summary>IPv6 (RFC 8200): ver/class/flow(4) payload length(2) next header(1) hop limit(1) src(16) dst(16).</summary>
    public static byte[] Ipv6(IPAddress source, IPAddress destination, byte nextHeader, byte[] payload)
    {
        var header = new byte[40];
        header[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(4), (ushort)payload.Length);
        header[6] = nextHeader;
        header[7] = 64;
        source.GetAddressBytes().CopyTo(header, 8);
        destination.GetAddressBytes().CopyTo(header, 24);
        return [.. header, .. payload];
    }

    /// <summary>An IPv6 options-style extension header (hop-by-hop 0, destination options 60): next(1) len(1) padding.</summary>
    public static byte[] Ipv6OptionsHeader(byte next, byte[] payload) => [next, 0, 1, 4, 0, 0, 0, 0, .. payload];

    /// <summary>IPv6 fragment header (44): next(1) reserved(1) offset(13 bits) res(2) M(1) identification(4).</summary>
    public static byte[] Ipv6FragmentHeader(byte next, ushort offsetUnits, bool more, byte[] payload) =>
        [next, 0, .. U16((ushort)((offsetUnits << 3) | (more ? 1 : 0))), 0, 0, 0, 7, .. payload];

    /// <summary>UDP (RFC 768): source port, destination port, length, checksum.</summary>
    public static byte[] Udp(ushort sourcePort, ushort destinationPort, byte[] payload) =>
        [.. U16(sourcePort), .. U16(destinationPort), .. U16((ushort)(8 + payload.Length)), 0, 0, .. payload];

    public const byte Fin = 0x01;
    public const byte Syn = 0x02;
    public const byte Rst = 0x04;
    public const byte Psh = 0x08;
    public const byte Ack = 0x10;

    /// <summary>TCP (RFC 9293), 20-byte header: ports, seq, ack, data offset 5, flags, window, checksum, urgent.</summary>
    public static byte[] Tcp(ushort sourcePort, ushort destinationPort, uint sequence, byte flags, byte[]? payload = null)
    {
        var header = new byte[20];
        BinaryPrimitives.WriteUInt16BigEndian(header, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(2), destinationPort);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), sequence);
        header[12] = 5 << 4;
        header[13] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(14), 65535);
        return [.. header, .. payload ?? []];
    }

    /// <summary>Ethernet + IPv4 + UDP from the test client to the test server (or reversed).</summary>
    public static byte[] UdpFrame(ushort sourcePort, ushort destinationPort, byte[] payload, bool fromClient = true) =>
        fromClient
            ? Ethernet(0x0800, Ipv4(Client, Server, 17, Udp(sourcePort, destinationPort, payload)))
            : Ethernet(0x0800, Ipv4(Server, Client, 17, Udp(sourcePort, destinationPort, payload)), ServerMac, ClientMac);

    public static byte[] TcpFrame(ushort sourcePort, ushort destinationPort, uint sequence, byte flags, byte[]? payload = null, bool fromClient = true) =>
        fromClient
            ? Ethernet(0x0800, Ipv4(Client, Server, 6, Tcp(sourcePort, destinationPort, sequence, flags, payload)))
            : Ethernet(0x0800, Ipv4(Server, Client, 6, Tcp(sourcePort, destinationPort, sequence, flags, payload)), ServerMac, ClientMac);

    /// <summary>A DNS name as uncompressed labels ending in the root label.</summary>
    public static byte[] DnsName(string name)
    {
        var bytes = new List<byte>();
        foreach (var label in name.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            bytes.Add((byte)label.Length);
            bytes.AddRange(Encoding.ASCII.GetBytes(label));
        }

        bytes.Add(0);
        return [.. bytes];
    }

    /// <summary>DNS query (RFC 1035 4.1): header id, flags RD, QDCOUNT 1, then QNAME QTYPE QCLASS IN.</summary>
    public static byte[] DnsQuery(string name, ushort type = 1, ushort id = 0x1234) =>
        [.. U16(id), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, .. DnsName(name), .. U16(type), 0, 1];

    /// <summary>
    /// DNS response: the question, then answers whose owner is a compression pointer to the question name
    /// (offset 12, 0xc00c). Each answer: type, class IN, TTL 300, RDLENGTH, RDATA.
    /// </summary>
    public static byte[] DnsResponse(string name, ushort type, params (ushort Type, byte[] Data)[] answers)
    {
        var message = new List<byte>();
        message.AddRange([0x12, 0x34, 0x81, 0x80, 0, 1]);
        message.AddRange(U16((ushort)answers.Length));
        message.AddRange([0, 0, 0, 0]);
        message.AddRange(DnsName(name));
        message.AddRange(U16(type));
        message.AddRange([0, 1]);
        foreach (var (answerType, data) in answers)
        {
            message.AddRange([0xc0, 0x0c]);
            message.AddRange(U16(answerType));
            message.AddRange([0, 1, 0, 0, 1, 0x2c]);
            message.AddRange(U16((ushort)data.Length));
            message.AddRange(data);
        }

        return [.. message];
    }

    /// <summary>HTTPS RR RDATA (RFC 9460): priority 1, target "." then SvcParams alpn(1)=h2 and, optionally, ech(5).</summary>
    public static byte[] HttpsRecordData(bool withEch) =>
        [0, 1, 0, 0, 1, 0, 3, 2, (byte)'h', (byte)'2', .. withEch ? (byte[])[0, 5, 0, 4, 0xfe, 0x0d, 0, 0] : []];

    /// <summary>
    /// DHCPv4 (RFC 2131): op htype hlen hops xid secs flags ciaddr yiaddr siaddr giaddr chaddr(16) sname(64)
    /// file(128) magic, options 53 (type), 12 (hostname), 50 (requested), 51 (lease), 255.
    /// </summary>
    public static byte[] DhcpMessage(byte op, DhcpMessageType type, byte[] mac, string? hostname = null, IPAddress? requested = null,
        IPAddress? clientAddress = null, IPAddress? yourAddress = null, uint leaseSeconds = 0)
    {
        var fixedPart = new byte[236];
        fixedPart[0] = op;
        fixedPart[1] = 1;
        fixedPart[2] = 6;
        BinaryPrimitives.WriteUInt32BigEndian(fixedPart.AsSpan(4), 0xdeadbeef);
        clientAddress?.GetAddressBytes().CopyTo(fixedPart, 12);
        yourAddress?.GetAddressBytes().CopyTo(fixedPart, 16);
        mac.CopyTo(fixedPart, 28);
        var options = new List<byte> { 0x63, 0x82, 0x53, 0x63, 53, 1, (byte)type };
        if (hostname is not null)
        {
            options.AddRange([12, (byte)hostname.Length, .. Encoding.ASCII.GetBytes(hostname)]);
        }

        if (requested is not null)
        {
            options.AddRange([50, 4, .. requested.GetAddressBytes()]);
        }

        if (leaseSeconds != 0)
        {
            options.AddRange([51, 4, .. U32(leaseSeconds)]);
        }

        options.Add(255);
        return [.. fixedPart, .. options];
    }

    public static byte[] HttpGet(string host) => Encoding.ASCII.GetBytes($"GET /index.html HTTP/1.1\r\nUser-Agent: test\r\nHost: {host}\r\nAccept: */*\r\n\r\n");

    public static byte[] U16(ushort value) => [(byte)(value >> 8), (byte)value];

    public static byte[] U32(uint value) => [(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value];
}
