using System.Buffers.Binary;

namespace CoppiceMonitor.Fuzz;

/// <summary>Wraps a fuzz input as the payload of a valid Ethernet/IPv4 UDP or TCP frame, so a protocol target starts
/// where that protocol's parser does instead of spending its mutations on the link and IP headers.</summary>
internal static class FrameBuilder
{
    private const int EthernetLength = 14;
    private const int Ipv4Length = 20;

    public static byte[] Udp(ReadOnlySpan<byte> payload, ushort sourcePort, ushort destinationPort)
    {
        var frame = Ipv4Frame(payload.Length + 8, protocol: 17, out var transport);
        var udp = frame.AsSpan(transport);
        BinaryPrimitives.WriteUInt16BigEndian(udp, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], destinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)Math.Min(ushort.MaxValue, payload.Length + 8));
        payload.CopyTo(udp[8..]);
        return frame;
    }

    public static byte[] Tcp(ReadOnlySpan<byte> payload, ushort sourcePort, ushort destinationPort, uint sequence)
    {
        var frame = Ipv4Frame(payload.Length + 20, protocol: 6, out var transport);
        var tcp = frame.AsSpan(transport);
        BinaryPrimitives.WriteUInt16BigEndian(tcp, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[2..], destinationPort);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], sequence);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[8..], 1);
        tcp[12] = 5 << 4; // data offset: 5 words
        tcp[13] = 0x18; // PSH, ACK
        BinaryPrimitives.WriteUInt16BigEndian(tcp[14..], 65535);
        payload.CopyTo(tcp[20..]);
        return frame;
    }

    private static byte[] Ipv4Frame(int transportLength, byte protocol, out int transportOffset)
    {
        var frame = new byte[EthernetLength + Ipv4Length + transportLength];
        byte[] destinationMac = [0x02, 0, 0, 0, 0, 1];
        byte[] sourceMac = [0x02, 0, 0, 0, 0, 2];
        destinationMac.CopyTo(frame, 0);
        sourceMac.CopyTo(frame, 6);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), 0x0800);
        var ip = frame.AsSpan(EthernetLength);
        ip[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)Math.Min(ushort.MaxValue, Ipv4Length + transportLength));
        ip[8] = 64;
        ip[9] = protocol;
        byte[] client = [10, 20, 0, 15];
        byte[] server = [203, 0, 113, 7];
        client.CopyTo(ip[12..]);
        server.CopyTo(ip[16..]);
        transportOffset = EthernetLength + Ipv4Length;
        return frame;
    }
}
