using System.Buffers.Binary;

namespace CoppiceMonitor.Capture.Dhcp;

/// <summary>The fields of a DHCPv4 message the monitor keeps. Hostname points into the packet.</summary>
internal ref struct DhcpMessage
{
    /// <summary>1 = BOOTREQUEST (client to server), 2 = BOOTREPLY.</summary>
    public byte Op;
    public uint ClientAddress;
    public uint YourAddress;
    public MacAddress ClientHardwareAddress;
    public DhcpMessageType? Type;
    public uint RequestedAddress;
    public uint LeaseSeconds;
    public ReadOnlySpan<byte> Hostname;

    /// <summary>
    /// An option ran past the end of the packet, or the options stopped before the end option (255): the packet
    /// was cut. The options before the cut are kept (as tshark does).
    /// </summary>
    public bool Truncated;
}

/// <summary>
/// DHCPv4 (RFC 2131 section 2; options RFC 2132):
/// op(1) htype(1) hlen(1) hops(1) xid(4) secs(2) flags(2) ciaddr(4) yiaddr(4) siaddr(4) giaddr(4) chaddr(16)
/// sname(64) file(128) magic 63.82.53.63, then options (code, length, value) up to 255 (end).
/// </summary>
internal static class DhcpParser
{
    private const int FixedLength = 236;
    private const uint MagicCookie = 0x63825363;

    public static ParseStatus TryParse(ReadOnlySpan<byte> payload, out DhcpMessage message)
    {
        message = default;
        if (payload.Length < FixedLength + 4)
        {
            return payload.Length == 0 ? ParseStatus.NotApplicable : ParseStatus.Malformed;
        }

        message.Op = payload[0];
        if (message.Op is not (1 or 2) || BinaryPrimitives.ReadUInt32BigEndian(payload[FixedLength..]) != MagicCookie)
        {
            return ParseStatus.Malformed;
        }

        message.ClientAddress = BinaryPrimitives.ReadUInt32BigEndian(payload[12..]);
        message.YourAddress = BinaryPrimitives.ReadUInt32BigEndian(payload[16..]);

        // chaddr's first six bytes, whatever htype says: tshark and the registry both key devices by them.
        message.ClientHardwareAddress = MacAddress.FromSpan(payload.Slice(28, 6));

        var reader = new SpanReader(payload[(FixedLength + 4)..]);
        var ended = false;
        while (reader.TryReadByte(out var code))
        {
            if (code == 0)
            {
                continue;
            }

            if (code == 255)
            {
                ended = true;
                break;
            }

            if (!reader.TryReadByte(out var length) || !reader.TryReadBytes(length, out var value))
            {
                message.Truncated = true;
                break;
            }

            switch (code)
            {
                case 12 when length > 0:
                    message.Hostname = value;
                    break;
                case 50 when length == 4:
                    message.RequestedAddress = BinaryPrimitives.ReadUInt32BigEndian(value);
                    break;
                case 51 when length == 4:
                    message.LeaseSeconds = BinaryPrimitives.ReadUInt32BigEndian(value);
                    break;
                case 53 when length == 1:
                    message.Type = (DhcpMessageType)value[0];
                    break;
                default:
                    break;
            }
        }

        message.Truncated |= !ended;
        return ParseStatus.Success;
    }
}
