using System.Buffers;
using System.Buffers.Binary;

namespace CoppiceMonitor.Capture.Tls;

/// <summary>
/// Extracts SNI, ALPN, ECH presence and the highest offered version from a TLS ClientHello. Span-based, never
/// throws on packet bytes, allocates only the final strings (and rents a buffer when one handshake message is
/// spread over several records).
/// </summary>
public static class TlsClientHelloParser
{
    internal const byte ContentTypeHandshake = 22;
    internal const byte HandshakeTypeClientHello = 1;
    internal const int RecordHeaderLength = 5;
    internal const int HandshakeHeaderLength = 4;

    /// <summary>RFC 8446 5.1: a record fragment never exceeds 2^14 bytes (plus 2^11 slack some stacks take).</summary>
    internal const int MaxRecordLength = (1 << 14) + 2048;

    /// <summary>Real ClientHellos (post-quantum key shares, many PSKs) stay far below this; anything larger is abuse.</summary>
    internal const int MaxClientHelloLength = 64 * 1024;

    private const ushort ExtensionServerName = 0;
    private const ushort ExtensionAlpn = 16;
    private const ushort ExtensionSupportedVersions = 43;
    private const ushort ExtensionEncryptedClientHello = 0xfe0d;
    private const byte NameTypeHostName = 0;
    private const int MaxHostNameLength = 255;

    /// <summary>
    /// Bytes from the start of the client's TCP stream: TLS records carrying the ClientHello, possibly split over
    /// several records. NeedMoreData until the whole handshake message is present.
    /// </summary>
    /// <remarks>
    /// RFC 8446 5.1:
    /// <code>
    /// struct {
    ///     ContentType type;                       /* handshake(22) */
    ///     ProtocolVersion legacy_record_version;  /* 0x0300..0x0304 seen in the wild */
    ///     uint16 length;                          /* MUST NOT exceed 2^14; zero-length handshake fragments are forbidden */
    ///     opaque fragment[TLSPlaintext.length];
    /// } TLSPlaintext;
    /// </code>
    /// Handshake messages may be fragmented over several records, and the records must be contiguous: any other
    /// content type before the message is complete is a protocol violation (Malformed). SSLv2-format hellos
    /// (first byte has the high bit set) are NotApplicable.
    /// </remarks>
    public static ParseStatus TryParseRecords(ReadOnlySpan<byte> stream, out ClientHelloInfo hello)
    {
        hello = default;
        if (stream.IsEmpty)
        {
            return ParseStatus.NeedMoreData;
        }

        // Header check on whatever prefix exists, so a non-TLS stream is rejected on its first byte.
        var headerStatus = CheckRecordHeaderPrefix(stream, first: true);
        if (headerStatus != ParseStatus.Success)
        {
            return headerStatus;
        }

        if (stream.Length < RecordHeaderLength)
        {
            return ParseStatus.NeedMoreData;
        }

        var firstLength = BinaryPrimitives.ReadUInt16BigEndian(stream.Slice(3, 2));
        var firstFragment = stream.Slice(RecordHeaderLength, Math.Min(firstLength, stream.Length - RecordHeaderLength));

        // Fast path: the whole handshake message sits inside the first record (the usual case).
        if (firstFragment.Length >= HandshakeHeaderLength)
        {
            if (firstFragment[0] != HandshakeTypeClientHello)
            {
                return ParseStatus.NotApplicable;
            }

            var bodyLength = ReadUInt24(firstFragment[1..]);
            if (bodyLength > MaxClientHelloLength)
            {
                return ParseStatus.Malformed;
            }

            if (firstFragment.Length >= HandshakeHeaderLength + bodyLength)
            {
                return TryParseHandshake(firstFragment[..(HandshakeHeaderLength + bodyLength)], out hello);
            }
        }

        return TryParseFragmentedHandshake(stream, out hello);
    }

    /// <summary>
    /// A bare handshake message, as carried in QUIC CRYPTO frames.
    /// </summary>
    /// <remarks>
    /// RFC 8446 4:
    /// <code>
    /// struct {
    ///     HandshakeType msg_type;    /* client_hello(1) */
    ///     uint24 length;             /* remaining bytes in message */
    ///     ClientHello body;
    /// } Handshake;
    /// </code>
    /// </remarks>
    public static ParseStatus TryParseHandshake(ReadOnlySpan<byte> handshake, out ClientHelloInfo hello)
    {
        hello = default;
        if (handshake.IsEmpty)
        {
            return ParseStatus.NeedMoreData;
        }

        if (handshake[0] != HandshakeTypeClientHello)
        {
            return ParseStatus.NotApplicable;
        }

        if (handshake.Length < HandshakeHeaderLength)
        {
            return ParseStatus.NeedMoreData;
        }

        var bodyLength = ReadUInt24(handshake[1..]);
        if (bodyLength > MaxClientHelloLength)
        {
            return ParseStatus.Malformed;
        }

        if (handshake.Length < HandshakeHeaderLength + bodyLength)
        {
            return ParseStatus.NeedMoreData;
        }

        return ParseClientHelloBody(handshake.Slice(HandshakeHeaderLength, bodyLength), out hello);
    }

    /// <summary>
    /// Checks the (possibly partial) 5-byte record header at the start of <paramref name="record"/>: type 22,
    /// major version 3, minor 0..4, and a length within the record limit. Success means "plausible so far".
    /// </summary>
    internal static ParseStatus CheckRecordHeaderPrefix(ReadOnlySpan<byte> record, bool first)
    {
        if (record.Length >= 1 && record[0] != ContentTypeHandshake)
        {
            // SSLv2-compatible hellos start with a length byte with the high bit set: not something we decode.
            return first ? ParseStatus.NotApplicable : ParseStatus.Malformed;
        }

        if (record.Length >= 2 && record[1] != 3)
        {
            return first ? ParseStatus.NotApplicable : ParseStatus.Malformed;
        }

        if (record.Length >= 3 && record[2] > 4)
        {
            return first ? ParseStatus.NotApplicable : ParseStatus.Malformed;
        }

        if (record.Length >= RecordHeaderLength)
        {
            var length = BinaryPrimitives.ReadUInt16BigEndian(record.Slice(3, 2));
            if (length == 0 || length > MaxRecordLength)
            {
                return ParseStatus.Malformed;
            }
        }

        return ParseStatus.Success;
    }

    /// <summary>
    /// Slow path: the handshake message spans several records. First walks the records to learn the message
    /// length and whether all of it is present, then copies the fragments into one rented buffer.
    /// </summary>
    private static ParseStatus TryParseFragmentedHandshake(ReadOnlySpan<byte> stream, out ClientHelloInfo hello)
    {
        hello = default;
        Span<byte> header = stackalloc byte[HandshakeHeaderLength];
        var headerBytes = 0;
        var needed = -1;      // total handshake bytes (header + body) once the header is known
        var collected = 0;
        var position = 0;

        while (true)
        {
            var remaining = stream[position..];
            if (remaining.IsEmpty)
            {
                return ParseStatus.NeedMoreData;
            }

            var headerStatus = CheckRecordHeaderPrefix(remaining, first: position == 0);
            if (headerStatus != ParseStatus.Success)
            {
                return headerStatus;
            }

            if (remaining.Length < RecordHeaderLength)
            {
                return ParseStatus.NeedMoreData;
            }

            int length = BinaryPrimitives.ReadUInt16BigEndian(remaining.Slice(3, 2));
            var fragment = remaining.Slice(RecordHeaderLength, Math.Min(length, remaining.Length - RecordHeaderLength));

            var offset = 0;
            while (headerBytes < HandshakeHeaderLength && offset < fragment.Length)
            {
                header[headerBytes++] = fragment[offset++];
            }

            if (headerBytes >= 1 && header[0] != HandshakeTypeClientHello)
            {
                return ParseStatus.NotApplicable;
            }

            if (needed < 0 && headerBytes == HandshakeHeaderLength)
            {
                var bodyLength = ReadUInt24(header[1..]);
                if (bodyLength > MaxClientHelloLength)
                {
                    return ParseStatus.Malformed;
                }

                needed = HandshakeHeaderLength + bodyLength;
            }

            collected += fragment.Length;
            if (needed >= 0 && collected >= needed)
            {
                return CopyAndParse(stream, needed, out hello);
            }

            if (fragment.Length < length)
            {
                return ParseStatus.NeedMoreData;
            }

            position += RecordHeaderLength + length;
        }
    }

    private static ParseStatus CopyAndParse(ReadOnlySpan<byte> stream, int needed, out ClientHelloInfo hello)
    {
        var rented = ArrayPool<byte>.Shared.Rent(needed);
        try
        {
            var written = 0;
            var position = 0;
            while (written < needed)
            {
                // Headers were validated by the caller's walk over the same bytes.
                int length = BinaryPrimitives.ReadUInt16BigEndian(stream.Slice(position + 3, 2));
                var take = Math.Min(length, needed - written);
                stream.Slice(position + RecordHeaderLength, take).CopyTo(rented.AsSpan(written));
                written += take;
                position += RecordHeaderLength + length;
            }

            return TryParseHandshake(rented.AsSpan(0, needed), out hello);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// RFC 8446 4.1.2 (the TLS 1.0-1.2 ClientHello has the same layout; extensions may be absent before TLS 1.2):
    /// <code>
    /// struct {
    ///     ProtocolVersion legacy_version = 0x0303;
    ///     Random random;                                  /* 32 bytes */
    ///     opaque legacy_session_id&lt;0..32&gt;;
    ///     CipherSuite cipher_suites&lt;2..2^16-2&gt;;
    ///     opaque legacy_compression_methods&lt;1..2^8-1&gt;;
    ///     Extension extensions&lt;8..2^16-1&gt;;
    /// } ClientHello;
    ///
    /// struct {
    ///     ExtensionType extension_type;
    ///     opaque extension_data&lt;0..2^16-1&gt;;
    /// } Extension;
    /// </code>
    /// </summary>
    private static ParseStatus ParseClientHelloBody(ReadOnlySpan<byte> body, out ClientHelloInfo hello)
    {
        hello = default;
        var reader = new SpanReader(body);
        if (!reader.TryReadUInt16BigEndian(out var legacyVersion) || (legacyVersion >> 8) != 3
            || !reader.TrySkip(32)
            || !reader.TryReadByte(out var sessionIdLength) || sessionIdLength > 32 || !reader.TrySkip(sessionIdLength)
            || !reader.TryReadUInt16BigEndian(out var cipherSuitesLength) || cipherSuitesLength < 2
            || (cipherSuitesLength & 1) != 0 || !reader.TrySkip(cipherSuitesLength)
            || !reader.TryReadByte(out var compressionLength) || compressionLength < 1
            || !reader.TrySkip(compressionLength))
        {
            return ParseStatus.Malformed;
        }

        ReadOnlySpan<byte> hostName = default;
        ReadOnlySpan<byte> alpnList = default;
        var hasEch = false;
        var highest = legacyVersion;
        var seenSupportedVersions = false;

        // Extensions are optional in pre-TLS 1.2 hellos: nothing after the compression methods is valid.
        if (reader.Remaining > 0)
        {
            if (!reader.TryReadUInt16BigEndian(out var extensionsLength) || !reader.TryReadBytes(extensionsLength, out var extensions))
            {
                return ParseStatus.Malformed;
            }

            var extensionReader = new SpanReader(extensions);
            while (extensionReader.Remaining > 0)
            {
                if (!extensionReader.TryReadUInt16BigEndian(out var type)
                    || !extensionReader.TryReadUInt16BigEndian(out var length)
                    || !extensionReader.TryReadBytes(length, out var data))
                {
                    // An extension overrunning the block: keep a server_name read before the break (tshark does,
                    // see the corpus file tls_invalid_reads.pcap); with nothing read it is simply Malformed.
                    if (hostName.IsEmpty)
                    {
                        return ParseStatus.Malformed;
                    }

                    break;
                }

                // A broken extension body loses only that extension (tshark still shows the SNI when, say, the
                // ALPN list is garbage); a broken extension *framing* above is Malformed.
                switch (type)
                {
                    case ExtensionServerName when hostName.IsEmpty:
                        _ = TryReadHostName(data, out hostName);
                        break;
                    case ExtensionAlpn when alpnList.IsEmpty:
                        _ = TryReadAlpnList(data, out alpnList);
                        break;
                    case ExtensionSupportedVersions when !seenSupportedVersions:
                        if (TryReadHighestVersion(data, out var offered) && offered != 0)
                        {
                            seenSupportedVersions = true;
                            highest = offered;
                        }

                        break;
                    case ExtensionEncryptedClientHello:
                        hasEch = true;
                        break;
                    default:
                        break;
                }
            }
        }

        hello = new ClientHelloInfo(
            hostName.IsEmpty ? null : HostNameToString(hostName),
            alpnList.IsEmpty ? null : AlpnToString(alpnList),
            hasEch,
            highest);
        return ParseStatus.Success;
    }

    /// <summary>
    /// RFC 6066 3:
    /// <code>
    /// struct {
    ///     NameType name_type;                   /* host_name(0) */
    ///     select (name_type) { case host_name: HostName; } name;
    /// } ServerName;
    /// opaque HostName&lt;1..2^16-1&gt;;
    /// struct { ServerName server_name_list&lt;1..2^16-1&gt; } ServerNameList;
    /// </code>
    /// An empty extension_data (as a server echoes it) carries no name; unknown name types are skipped.
    /// </summary>
    private static bool TryReadHostName(ReadOnlySpan<byte> data, out ReadOnlySpan<byte> hostName)
    {
        hostName = default;
        if (data.IsEmpty)
        {
            return true;
        }

        var reader = new SpanReader(data);
        if (!reader.TryReadUInt16BigEndian(out var listLength) || !reader.TryReadBytes(listLength, out var list) || reader.Remaining != 0)
        {
            return false;
        }

        var listReader = new SpanReader(list);
        while (listReader.Remaining > 0)
        {
            if (!listReader.TryReadByte(out var nameType)
                || !listReader.TryReadUInt16BigEndian(out var nameLength)
                || !listReader.TryReadBytes(nameLength, out var name))
            {
                return false;
            }

            if (nameType == NameTypeHostName && hostName.IsEmpty)
            {
                if (name.IsEmpty || name.Length > MaxHostNameLength + 1)
                {
                    hostName = default;
                    return false;
                }

                hostName = name;
            }
        }

        return true;
    }

    /// <summary>
    /// RFC 7301 3.1:
    /// <code>
    /// opaque ProtocolName&lt;1..2^8-1&gt;;
    /// struct { ProtocolName protocol_name_list&lt;2..2^16-1&gt; } ProtocolNameList;
    /// </code>
    /// Validates every entry; returns the list bytes for <see cref="AlpnToString"/>.
    /// </summary>
    private static bool TryReadAlpnList(ReadOnlySpan<byte> data, out ReadOnlySpan<byte> list)
    {
        list = default;
        var reader = new SpanReader(data);
        if (!reader.TryReadUInt16BigEndian(out var listLength) || listLength < 2
            || !reader.TryReadBytes(listLength, out var names) || reader.Remaining != 0)
        {
            return false;
        }

        var namesReader = new SpanReader(names);
        while (namesReader.Remaining > 0)
        {
            if (!namesReader.TryReadByte(out var length) || length == 0 || !namesReader.TrySkip(length))
            {
                return false;
            }
        }

        list = names;
        return true;
    }

    /// <summary>
    /// RFC 8446 4.2.1 (ClientHello form):
    /// <code>
    /// struct { ProtocolVersion versions&lt;2..254&gt;; } SupportedVersions;
    /// </code>
    /// GREASE values (RFC 8701, 0x?A?A) are ignored; TLS 1.3 drafts (0x7Fxx) and Facebook's experimental
    /// 0xFB1x count as TLS 1.3. Returns 0 when nothing real is offered.
    /// </summary>
    private static bool TryReadHighestVersion(ReadOnlySpan<byte> data, out ushort highest)
    {
        highest = 0;
        if (data.IsEmpty || data[0] != data.Length - 1 || data[0] < 2 || (data[0] & 1) != 0)
        {
            return false;
        }

        for (var i = 1; i + 1 < data.Length; i += 2)
        {
            var version = BinaryPrimitives.ReadUInt16BigEndian(data.Slice(i, 2));
            if ((version & 0x0f0f) == 0x0a0a)
            {
                continue;
            }

            var normalised = version switch
            {
                >= 0x0300 and <= 0x0304 => version,
                >= 0x7f00 and <= 0x7fff => (ushort)0x0304,
                >= 0xfb00 and <= 0xfbff => (ushort)0x0304,
                _ => (ushort)0,
            };
            if (normalised > highest)
            {
                highest = normalised;
            }
        }

        return true;
    }

    /// <summary>
    /// Lower-cases ASCII and drops one trailing dot. Bytes outside printable ASCII are written as backslash
    /// octal escapes (tshark's rendering), so a hostile name can neither break a log line nor collide with a
    /// real one.
    /// </summary>
    internal static string HostNameToString(ReadOnlySpan<byte> name)
    {
        if (name.Length > 1 && name[^1] == (byte)'.')
        {
            name = name[..^1];
        }

        var length = 0;
        foreach (var b in name)
        {
            length += IsPlain(b) ? 1 : 4;
        }

        if (length == name.Length)
        {
            return LowerAscii(name);
        }

        Span<char> chars = length <= 1024 ? stackalloc char[length] : new char[length];
        var position = 0;
        foreach (var b in name)
        {
            if (IsPlain(b))
            {
                chars[position++] = (char)(b is >= (byte)'A' and <= (byte)'Z' ? b | 0x20 : b);
            }
            else
            {
                chars[position++] = '\\';
                chars[position++] = (char)('0' + ((b >> 6) & 7));
                chars[position++] = (char)('0' + ((b >> 3) & 7));
                chars[position++] = (char)('0' + (b & 7));
            }
        }

        return new string(chars);

        static bool IsPlain(byte b) => b is > 0x20 and < 0x7f and not (byte)'\\';
    }

    private static string LowerAscii(ReadOnlySpan<byte> name)
    {
        Span<char> chars = name.Length <= 1024 ? stackalloc char[name.Length] : new char[name.Length];
        for (var i = 0; i < name.Length; i++)
        {
            var b = name[i];
            chars[i] = (char)(b is >= (byte)'A' and <= (byte)'Z' ? b | 0x20 : b);
        }

        return new string(chars);
    }

    /// <summary>Joins the offered protocols with ','; the common offers come back as shared strings.</summary>
    private static string AlpnToString(ReadOnlySpan<byte> list)
    {
        if (list.SequenceEqual("\u0002h2\u0008http/1.1"u8))
        {
            return "h2,http/1.1";
        }

        if (list.SequenceEqual("\u0002h3"u8))
        {
            return "h3";
        }

        if (list.SequenceEqual("\u0002h2"u8))
        {
            return "h2";
        }

        if (list.SequenceEqual("\u0008http/1.1"u8))
        {
            return "http/1.1";
        }

        Span<char> chars = list.Length <= 512 ? stackalloc char[list.Length] : new char[list.Length];
        var written = 0;
        var reader = new SpanReader(list);
        while (reader.TryReadByte(out var length) && reader.TryReadBytes(length, out var name))
        {
            if (written > 0)
            {
                chars[written++] = ',';
            }

            foreach (var b in name)
            {
                // Protocol ids are opaque bytes; keep printable ASCII and replace the rest so output stays one line.
                chars[written++] = b is >= 0x20 and < 0x7f and not (byte)',' ? (char)b : '?';
            }
        }

        return new string(chars[..written]);
    }

    private static int ReadUInt24(ReadOnlySpan<byte> bytes) => (bytes[0] << 16) | (bytes[1] << 8) | bytes[2];
}
