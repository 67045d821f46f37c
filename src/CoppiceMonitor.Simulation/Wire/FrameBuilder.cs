using System.Buffers.Binary;

namespace CoppiceMonitor.Simulation.Wire;

/// <summary>TCP header flags (RFC 9293 section 3.1).</summary>
[Flags]
internal enum TcpFlags : byte
{
    None = 0,
    Fin = 0x01,
    Syn = 0x02,
    Rst = 0x04,
    Psh = 0x08,
    Ack = 0x10,
}

/// <summary>One direction of an IPv4 conversation on a tagged Ethernet segment.</summary>
internal readonly record struct Path4(
    ulong SourceMac, ulong DestinationMac, ushort Vlan, uint SourceIp, uint DestinationIp,
    ushort SourcePort, ushort DestinationPort, byte Ttl)
{
    public Path4 Reverse(byte ttl) =>
        new(DestinationMac, SourceMac, Vlan, DestinationIp, SourceIp, DestinationPort, SourcePort, ttl);
}

/// <summary>
/// Builds whole Ethernet frames: 802.1Q tag, IPv4 (no options, DF set), UDP or TCP, correct checksums,
/// padded to the 60-byte Ethernet minimum.
/// </summary>
internal static class FrameBuilder
{
    public const int EthernetHeaderLength = 18; // dst, src, 0x8100, TCI, ethertype
    public const int Ipv4HeaderLength = 20;
    public const int UdpHeaderLength = 8;
    public const int TcpHeaderLength = 20;
    private const int MinimumFrame = 60;

    /// <summary>
    /// Ethernet II with 802.1Q:
    /// dst(6) src(6) TPID 0x8100(2) TCI: PCP(3) DEI(1) VID(12) (2) EtherType(2).
    /// </summary>
    private static void WriteEthernet(Span<byte> frame, in Path4 path)
    {
        WriteMac(frame, path.DestinationMac);
        WriteMac(frame[6..], path.SourceMac);
        BinaryPrimitives.WriteUInt16BigEndian(frame[12..], 0x8100);
        BinaryPrimitives.WriteUInt16BigEndian(frame[14..], (ushort)(path.Vlan & 0x0fff));
        BinaryPrimitives.WriteUInt16BigEndian(frame[16..], 0x0800);
    }

    private static void WriteMac(Span<byte> span, ulong mac)
    {
        for (var i = 0; i < 6; i++)
        {
            span[i] = (byte)(mac >> (8 * (5 - i)));
        }
    }

    /// <summary>
    /// IPv4 (RFC 791): version/IHL, DSCP/ECN, total length, identification, flags/fragment offset,
    /// TTL, protocol, header checksum, source, destination.
    /// </summary>
    private static void WriteIpv4(Span<byte> ip, in Path4 path, byte protocol, int totalLength, ushort identification)
    {
        ip[0] = 0x45;
        ip[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)totalLength);
        BinaryPrimitives.WriteUInt16BigEndian(ip[4..], identification);
        BinaryPrimitives.WriteUInt16BigEndian(ip[6..], 0x4000); // DF, offset 0
        ip[8] = path.Ttl;
        ip[9] = protocol;
        ip[10] = 0;
        ip[11] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(ip[12..], path.SourceIp);
        BinaryPrimitives.WriteUInt32BigEndian(ip[16..], path.DestinationIp);
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], Checksum(0, ip[..Ipv4HeaderLength]));
    }

    public static byte[] Udp(in Path4 path, ushort identification, ReadOnlySpan<byte> payload)
    {
        var ipLength = Ipv4HeaderLength + UdpHeaderLength + payload.Length;
        var frame = new byte[Math.Max(MinimumFrame, EthernetHeaderLength + ipLength)];
        WriteEthernet(frame, path);
        var ip = frame.AsSpan(EthernetHeaderLength, ipLength);
        WriteIpv4(ip, path, 17, ipLength, identification);
        var udp = ip[Ipv4HeaderLength..];
        BinaryPrimitives.WriteUInt16BigEndian(udp, path.SourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], path.DestinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)(UdpHeaderLength + payload.Length));
        payload.CopyTo(udp[UdpHeaderLength..]);
        var sum = Checksum(PseudoHeaderSum(path, 17, udp.Length), udp);
        BinaryPrimitives.WriteUInt16BigEndian(udp[6..], sum == 0 ? (ushort)0xffff : sum);
        return frame;
    }

    /// <summary>
    /// TCP (RFC 9293): ports, sequence, acknowledgment, data offset, flags, window, checksum, urgent, options.
    /// </summary>
    public static byte[] Tcp(
        in Path4 path, ushort identification, uint sequence, uint acknowledgment, TcpFlags flags, ushort window,
        ReadOnlySpan<byte> options, ReadOnlySpan<byte> payload)
    {
        var tcpLength = TcpHeaderLength + options.Length + payload.Length;
        var ipLength = Ipv4HeaderLength + tcpLength;
        var frame = new byte[Math.Max(MinimumFrame, EthernetHeaderLength + ipLength)];
        WriteEthernet(frame, path);
        var ip = frame.AsSpan(EthernetHeaderLength, ipLength);
        WriteIpv4(ip, path, 6, ipLength, identification);
        var tcp = ip[Ipv4HeaderLength..];
        BinaryPrimitives.WriteUInt16BigEndian(tcp, path.SourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[2..], path.DestinationPort);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], sequence);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[8..], acknowledgment);
        tcp[12] = (byte)(((TcpHeaderLength + options.Length) / 4) << 4);
        tcp[13] = (byte)flags;
        BinaryPrimitives.WriteUInt16BigEndian(tcp[14..], window);
        options.CopyTo(tcp[TcpHeaderLength..]);
        payload.CopyTo(tcp[(TcpHeaderLength + options.Length)..]);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[16..], Checksum(PseudoHeaderSum(path, 6, tcp.Length), tcp));
        return frame;
    }

    /// <summary>Pseudo-header: source, destination, zero, protocol, transport length (RFC 768 / RFC 9293).</summary>
    private static uint PseudoHeaderSum(in Path4 path, byte protocol, int length) =>
        (path.SourceIp >> 16) + (path.SourceIp & 0xffff) + (path.DestinationIp >> 16) + (path.DestinationIp & 0xffff)
        + protocol + (uint)length;

    /// <summary>Internet checksum (RFC 1071): ones' complement of the ones' complement sum of 16-bit words.</summary>
    internal static ushort Checksum(uint initial, ReadOnlySpan<byte> data)
    {
        ulong sum = initial;
        var i = 0;
        for (; i + 1 < data.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        }

        if (i < data.Length)
        {
            sum += (uint)(data[i] << 8);
        }

        while ((sum >> 16) != 0)
        {
            sum = (sum & 0xffff) + (sum >> 16);
        }

        return (ushort)~sum;
    }
}
