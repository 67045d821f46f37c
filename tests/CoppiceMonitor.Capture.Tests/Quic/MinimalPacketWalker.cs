using System.Buffers.Binary;

namespace CoppiceMonitor.Capture.Tests.Quic;

/// <summary>
/// Just enough link, IP and transport decoding to feed the TLS and QUIC decoders from corpus files, independently
/// of the product's PacketDecoder and flow table (so a corpus mismatch here points at the TLS/QUIC code alone).
/// GTP-U is the only tunnel opened; IP fragments are skipped.
/// </summary>
internal static class MinimalPacketWalker
{
    public const byte Tcp = 6;
    public const byte Udp = 17;

    public ref struct Segment
    {
        public byte Protocol;
        public ReadOnlySpan<byte> Source;
        public ReadOnlySpan<byte> Destination;
        public ushort SourcePort;
        public ushort DestinationPort;
        public uint Sequence;
        public bool IsSyn;
        public ReadOnlySpan<byte> Payload;

        /// <summary>Direction-specific key: source and destination are not normalised.</summary>
        public readonly string DirectionKey =>
            $"{Protocol}|{Convert.ToHexString(Source)}|{SourcePort}|{Convert.ToHexString(Destination)}|{DestinationPort}";
    }

    public static bool TryDecode(LinkType linkType, ReadOnlySpan<byte> frame, out Segment segment)
    {
        segment = default;
        ReadOnlySpan<byte> ip;
        switch (linkType)
        {
            case LinkType.Ethernet:
                if (frame.Length < 14)
                {
                    return false;
                }

                var etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[12..]);
                var offset = 14;
                while (etherType is 0x8100 or 0x88a8 && frame.Length >= offset + 4)
                {
                    etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[(offset + 2)..]);
                    offset += 4;
                }

                if (etherType is not (0x0800 or 0x86dd))
                {
                    return false;
                }

                ip = frame[offset..];
                break;
            case LinkType.Null or LinkType.Loop:
                ip = frame.Length > 4 ? frame[4..] : default;
                break;
            case LinkType.LinuxSll:
                ip = frame.Length > 16 ? frame[16..] : default;
                break;
            case LinkType.LinuxSll2:
                ip = frame.Length > 20 ? frame[20..] : default;
                break;
            case LinkType.Ppp:
                // Optional HDLC address/control 0xff 0x03, then a 2-byte protocol (0x0021 IPv4, 0x0057 IPv6).
                var ppp = frame.Length > 2 && frame[0] == 0xff && frame[1] == 0x03 ? frame[2..] : frame;
                ip = ppp.Length > 2 ? ppp[2..] : default;
                break;
            case LinkType.Raw or LinkType.Ipv4 or LinkType.Ipv6:
                ip = frame;
                break;
            default:
                return false;
        }

        return TryDecodeIp(ip, ref segment);
    }

    private static bool TryDecodeIp(ReadOnlySpan<byte> ip, ref Segment segment)
    {
        if (ip.IsEmpty)
        {
            return false;
        }

        ReadOnlySpan<byte> transport;
        if (ip[0] >> 4 == 4)
        {
            var headerLength = (ip[0] & 0x0f) * 4;
            if (ip.Length < 20 || headerLength < 20 || ip.Length < headerLength)
            {
                return false;
            }

            // Skip non-first fragments; a first fragment is decoded as far as it goes.
            if ((BinaryPrimitives.ReadUInt16BigEndian(ip[6..]) & 0x1fff) != 0)
            {
                return false;
            }

            var total = Math.Min(ip.Length, BinaryPrimitives.ReadUInt16BigEndian(ip[2..]));
            segment.Protocol = ip[9];
            segment.Source = ip.Slice(12, 4);
            segment.Destination = ip.Slice(16, 4);
            transport = ip[headerLength..Math.Max(headerLength, total)];
        }
        else if (ip[0] >> 4 == 6 && ip.Length >= 40)
        {
            var next = ip[6];
            var total = Math.Min(ip.Length, 40 + BinaryPrimitives.ReadUInt16BigEndian(ip[4..]));
            var offset = 40;
            while (next is 0 or 43 or 60 && offset + 8 <= total)
            {
                next = ip[offset];
                offset += (ip[offset + 1] + 1) * 8;
            }

            if (offset > total)
            {
                return false;
            }

            segment.Protocol = next;
            segment.Source = ip.Slice(8, 16);
            segment.Destination = ip.Slice(24, 16);
            transport = ip[offset..total];
        }
        else
        {
            return false;
        }

        if (segment.Protocol == Udp && transport.Length >= 8)
        {
            segment.SourcePort = BinaryPrimitives.ReadUInt16BigEndian(transport);
            segment.DestinationPort = BinaryPrimitives.ReadUInt16BigEndian(transport[2..]);
            var length = Math.Clamp(BinaryPrimitives.ReadUInt16BigEndian(transport[4..]), 8, transport.Length);
            segment.Payload = transport[8..length];

            // GTP-U (3GPP TS 29.281) as mobile backhaul captures carry it: version 1, G-PDU (0xff), the inner IP
            // after 8 bytes (12 when any optional-field flag is set).
            if ((segment.SourcePort == 2152 || segment.DestinationPort == 2152) && segment.Payload.Length > 12
                && (segment.Payload[0] & 0xe0) == 0x20 && segment.Payload[1] == 0xff)
            {
                var inner = segment.Payload[((segment.Payload[0] & 0x07) != 0 ? 12 : 8)..];
                segment = default;
                return TryDecodeIp(inner, ref segment);
            }

            return true;
        }

        if (segment.Protocol == Tcp && transport.Length >= 20)
        {
            var dataOffset = (transport[12] >> 4) * 4;
            if (dataOffset < 20 || dataOffset > transport.Length)
            {
                return false;
            }

            segment.SourcePort = BinaryPrimitives.ReadUInt16BigEndian(transport);
            segment.DestinationPort = BinaryPrimitives.ReadUInt16BigEndian(transport[2..]);
            segment.Sequence = BinaryPrimitives.ReadUInt32BigEndian(transport[4..]);
            segment.IsSyn = (transport[13] & 0x02) != 0;
            segment.Payload = transport[dataOffset..];
            return true;
        }

        return false;
    }
}
