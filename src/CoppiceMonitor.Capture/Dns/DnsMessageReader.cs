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

/// <summary>One resource record's place in the message: its type and where its RDATA lies.</summary>
internal readonly record struct DnsRecord(ushort Type, int DataOffset, int DataLength);

/// <summary>
/// The DNS message reader (RFC 1035 section 4.1): header, questions, resource records and names, allocation-free.
/// Every Try method returns <see cref="ParseStatus"/>: Success moves <c>offset</c> past what was read, Malformed
/// leaves it where it was. Limits from RFC 1035 and the design notes: label at most 63 bytes, name at most 255
/// bytes on the wire, at most 10 compression pointers per name (so a pointer loop ends quickly).
/// </summary>
internal static class DnsMessageReader
{
    /// <summary>Room for the longest name with every byte escaped as \ooo.</summary>
    public const int MaxNameChars = 1024;

    public const int MaxPointers = 10;
    public const int MaxLabelLength = 63;
    public const int MaxNameWireLength = 255;

    /// <summary>id(2) flags(2) QDCOUNT(2) ANCOUNT(2) NSCOUNT(2) ARCOUNT(2); Malformed when shorter than that.</summary>
    public static ParseStatus TryReadHeader(ReadOnlySpan<byte> message, out DnsHeader header)
    {
        if (message.Length < DnsHeader.Length)
        {
            header = default;
            return ParseStatus.Malformed;
        }

        header = new DnsHeader(
            BinaryPrimitives.ReadUInt16BigEndian(message),
            BinaryPrimitives.ReadUInt16BigEndian(message[2..]),
            BinaryPrimitives.ReadUInt16BigEndian(message[4..]),
            BinaryPrimitives.ReadUInt16BigEndian(message[6..]),
            BinaryPrimitives.ReadUInt16BigEndian(message[8..]),
            BinaryPrimitives.ReadUInt16BigEndian(message[10..]));
        return ParseStatus.Success;
    }

    /// <summary>A question: QNAME, QTYPE(2), QCLASS(2); the name as text (see <see cref="TryReadName"/>).</summary>
    public static ParseStatus TryReadQuestion(ReadOnlySpan<byte> message, ref int offset, Span<char> text, out int length)
    {
        var position = offset;
        var status = TryReadName(message, ref position, text, out length);
        if (status != ParseStatus.Success)
        {
            return status;
        }

        // QTYPE and QCLASS must follow: a question cut short is damage, not a lookup.
        if (position + 4 > message.Length)
        {
            return ParseStatus.Malformed;
        }

        offset = position + 4;
        return ParseStatus.Success;
    }

    /// <summary>A question whose name is not needed.</summary>
    public static ParseStatus TrySkipQuestion(ReadOnlySpan<byte> message, ref int offset)
    {
        var position = offset;
        if (TrySkipName(message, ref position) != ParseStatus.Success || position + 4 > message.Length)
        {
            return ParseStatus.Malformed;
        }

        offset = position + 4;
        return ParseStatus.Success;
    }

    /// <summary>A resource record: owner name, type(2) class(2) TTL(4) rdlength(2) rdata (RFC 1035 section 4.1.3).</summary>
    public static ParseStatus TryReadRecord(ReadOnlySpan<byte> message, ref int offset, out DnsRecord record)
    {
        record = default;
        var position = offset;
        if (TrySkipName(message, ref position) != ParseStatus.Success || position + 10 > message.Length)
        {
            return ParseStatus.Malformed;
        }

        var type = BinaryPrimitives.ReadUInt16BigEndian(message[position..]);
        var dataLength = BinaryPrimitives.ReadUInt16BigEndian(message[(position + 8)..]);
        var dataStart = position + 10;
        if (dataStart + dataLength > message.Length)
        {
            return ParseStatus.Malformed;
        }

        record = new DnsRecord(type, dataStart, dataLength);
        offset = dataStart + dataLength;
        return ParseStatus.Success;
    }

    /// <summary>SVCB/HTTPS RDATA (RFC 9460): priority(2) target name (uncompressed), then key(2) length(2) value params; key 5 is ech.</summary>
    public static bool SvcbHasEch(ReadOnlySpan<byte> data)
    {
        var offset = 2;
        if (data.Length < 3 || TrySkipName(data, ref offset) != ParseStatus.Success)
        {
            return false;
        }

        while (offset + 4 <= data.Length)
        {
            var key = BinaryPrimitives.ReadUInt16BigEndian(data[offset..]);
            var length = BinaryPrimitives.ReadUInt16BigEndian(data[(offset + 2)..]);
            if (key == 5)
            {
                return true;
            }

            offset += 4 + length;
        }

        return false;
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
    public static ParseStatus TrySkipName(ReadOnlySpan<byte> message, ref int offset)
    {
        var position = offset;
        var wireLength = 1;
        while ((uint)position < (uint)message.Length)
        {
            var labelLength = message[position];
            if (labelLength == 0)
            {
                offset = position + 1;
                return ParseStatus.Success;
            }

            if ((labelLength & 0xc0) == 0xc0)
            {
                if (position + 2 > message.Length)
                {
                    return ParseStatus.Malformed;
                }

                offset = position + 2;
                return ParseStatus.Success;
            }

            if ((labelLength & 0xc0) != 0)
            {
                return ParseStatus.Malformed;
            }

            wireLength += labelLength + 1;
            if (wireLength > MaxNameWireLength)
            {
                return ParseStatus.Malformed;
            }

            position += 1 + labelLength;
        }

        return ParseStatus.Malformed;
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
