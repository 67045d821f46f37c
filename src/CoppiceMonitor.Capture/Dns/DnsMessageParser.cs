using System.Buffers.Binary;

namespace CoppiceMonitor.Capture.Dns;

/// <summary>The fixed 12-byte DNS header (RFC 1035 section 4.1.1).</summary>
internal readonly record struct DnsHeader(
    ushort Id,
    ushort Flags,
    ushort QuestionCount,
    ushort AnswerCount,
    ushort AuthorityCount,
    ushort AdditionalCount)
{
    public const int Length = 12;

    public bool IsResponse => (Flags & 0x8000) != 0;

    public int Opcode => (Flags >> 11) & 0xf;

    public int ResponseCode => Flags & 0xf;
}

/// <summary>DNS record types the decoder reads.</summary>
internal static class DnsType
{
    public const ushort A = 1;
    public const ushort Cname = 5;
    public const ushort Aaaa = 28;
    public const ushort Svcb = 64;
    public const ushort Https = 65;
}

/// <summary>
/// Allocation-free DNS primitives. Limits from RFC 1035 and the design notes: label at most 63 bytes, name at most
/// 255 bytes on the wire, at most 10 compression pointers per name (so a pointer loop ends quickly).
/// </summary>
internal static class DnsMessageParser
{
    /// <summary>Room for the longest name with every byte escaped as \ooo.</summary>
    public const int MaxNameChars = 1024;

    public const int MaxPointers = 10;
    public const int MaxLabelLength = 63;
    public const int MaxNameWireLength = 255;

    public static bool TryReadHeader(ReadOnlySpan<byte> message, out DnsHeader header)
    {
        if (message.Length < DnsHeader.Length)
        {
            header = default;
            return false;
        }

        header = new DnsHeader(
            BinaryPrimitives.ReadUInt16BigEndian(message),
            BinaryPrimitives.ReadUInt16BigEndian(message[2..]),
            BinaryPrimitives.ReadUInt16BigEndian(message[4..]),
            BinaryPrimitives.ReadUInt16BigEndian(message[6..]),
            BinaryPrimitives.ReadUInt16BigEndian(message[8..]),
            BinaryPrimitives.ReadUInt16BigEndian(message[10..]));
        return true;
    }

    /// <summary>
    /// Reads the (possibly compressed) name at <paramref name="offset"/> as lower-case text without a trailing dot;
    /// the root name gives length 0. On success <paramref name="offset"/> moves past the name's bytes in place.
    /// Bytes outside printable ASCII are escaped the way tshark prints them (\r, \t, ... or \ooo octal).
    /// </summary>
    public static ParseStatus TryReadName(ReadOnlySpan<byte> message, ref int offset, Span<char> text, out int length)
    {
        length = 0;
        var position = offset;
        var pointers = 0;
        var wireLength = 1;
        var end = -1;
        while (true)
        {
            if ((uint)position >= (uint)message.Length)
            {
                return ParseStatus.Malformed;
            }

            var labelLength = message[position];
            if (labelLength == 0)
            {
                if (end < 0)
                {
                    end = position + 1;
                }

                break;
            }

            switch (labelLength & 0xc0)
            {
                case 0xc0:
                    if (position + 1 >= message.Length || ++pointers > MaxPointers)
                    {
                        return ParseStatus.Malformed;
                    }

                    if (end < 0)
                    {
                        end = position + 2;
                    }

                    position = ((labelLength & 0x3f) << 8) | message[position + 1];
                    continue;
                case 0:
                    wireLength += labelLength + 1;
                    if (wireLength > MaxNameWireLength || position + 1 + labelLength > message.Length)
                    {
                        return ParseStatus.Malformed;
                    }

                    if (length > 0)
                    {
                        text[length++] = '.';
                    }

                    length = AppendLabel(message.Slice(position + 1, labelLength), text, length);
                    position += 1 + labelLength;
                    break;
                default:
                    // 0x40 extended and 0x80 reserved label types (RFC 6891 section 5) are not used in practice.
                    return ParseStatus.Malformed;
            }
        }

        offset = end;
        return ParseStatus.Success;
    }

    /// <summary>Moves past a name without rendering it (owner names of records we ignore).</summary>
    public static bool TrySkipName(ReadOnlySpan<byte> message, ref int offset)
    {
        var position = offset;
        var wireLength = 1;
        while ((uint)position < (uint)message.Length)
        {
            var labelLength = message[position];
            if (labelLength == 0)
            {
                offset = position + 1;
                return true;
            }

            if ((labelLength & 0xc0) == 0xc0)
            {
                if (position + 2 > message.Length)
                {
                    return false;
                }

                offset = position + 2;
                return true;
            }

            if ((labelLength & 0xc0) != 0)
            {
                return false;
            }

            wireLength += labelLength + 1;
            if (wireLength > MaxNameWireLength)
            {
                return false;
            }

            position += 1 + labelLength;
        }

        return false;
    }

    /// <summary>Renders raw label bytes: ASCII letters lower-cased, controls and non-ASCII escaped like tshark.</summary>
    public static int AppendLabel(ReadOnlySpan<byte> label, Span<char> text, int length)
    {
        foreach (var b in label)
        {
            if (b is >= 0x20 and < 0x7f)
            {
                text[length++] = b is >= (byte)'A' and <= (byte)'Z' ? (char)(b | 0x20) : (char)b;
                continue;
            }

            var escape = b switch
            {
                0x07 => 'a',
                0x08 => 'b',
                0x09 => 't',
                0x0a => 'n',
                0x0b => 'v',
                0x0c => 'f',
                0x0d => 'r',
                _ => '\0',
            };
            text[length++] = '\\';
            if (escape != '\0')
            {
                text[length++] = escape;
            }
            else
            {
                text[length++] = (char)('0' + (b >> 6));
                text[length++] = (char)('0' + ((b >> 3) & 7));
                text[length++] = (char)('0' + (b & 7));
            }
        }

        return length;
    }
}
