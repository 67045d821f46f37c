using System.Buffers.Binary;
using CoppiceMonitor.Capture.Tls;

namespace CoppiceMonitor.Capture.Quic;

/// <summary>
/// Google QUIC's crypto handshake message (QUIC Crypto design doc, "Handshake message format"): finds the SNI tag
/// of a client hello (CHLO). Numbers are little-endian.
/// </summary>
internal static class GoogleQuicChloParser
{
    private const int HeaderLength = 8;
    private const int EntryLength = 8;
    private const int MaxEntries = 512;
    private const uint TagSni = 0x00494e53;    // "SNI\0" read little-endian

    /// <summary>
    /// <code>
    /// uint32 tag = "CHLO";
    /// uint16 num_entries;
    /// uint16 padding = 0;
    /// struct { uint32 tag; uint32 end_offset; } entries[num_entries];   /* end offsets ascending */
    /// opaque values[last end_offset];                                  /* value i = [end(i-1), end(i)) */
    /// </code>
    /// NeedMoreData until the whole message is present (Q050 carries it in CRYPTO frames that may span packets).
    /// </summary>
    public static ParseStatus TryParse(ReadOnlySpan<byte> message, out ClientHelloInfo hello)
    {
        hello = default;
        var prefix = Math.Min(message.Length, 4);
        if (!message[..prefix].SequenceEqual("CHLO"u8[..prefix]))
        {
            return ParseStatus.NotApplicable;
        }

        if (message.Length < HeaderLength)
        {
            return ParseStatus.NeedMoreData;
        }

        int entries = BinaryPrimitives.ReadUInt16LittleEndian(message[4..]);
        if (entries > MaxEntries)
        {
            return ParseStatus.Malformed;
        }

        var valuesStart = HeaderLength + (entries * EntryLength);
        if (message.Length < valuesStart)
        {
            return ParseStatus.NeedMoreData;
        }

        uint previousEnd = 0;
        var sniStart = -1;
        var sniEnd = -1;
        for (var i = 0; i < entries; i++)
        {
            var entry = message.Slice(HeaderLength + (i * EntryLength), EntryLength);
            var tag = BinaryPrimitives.ReadUInt32LittleEndian(entry);
            var end = BinaryPrimitives.ReadUInt32LittleEndian(entry[4..]);
            if (end < previousEnd || end > TlsClientHelloParser.MaxClientHelloLength)
            {
                return ParseStatus.Malformed;
            }

            if (tag == TagSni && sniStart < 0)
            {
                sniStart = valuesStart + (int)previousEnd;
                sniEnd = valuesStart + (int)end;
            }

            previousEnd = end;
        }

        if (message.Length < valuesStart + (int)previousEnd)
        {
            return ParseStatus.NeedMoreData;
        }

        string? serverName = null;
        if (sniEnd - sniStart > 256)
        {
            return ParseStatus.Malformed;
        }

        if (sniEnd > sniStart)
        {
            serverName = TlsClientHelloParser.HostNameToString(message[sniStart..sniEnd]);
        }

        // gQUIC crypto predates TLS 1.3; report it as 0 ("not TLS") rather than inventing a TLS version.
        hello = new ClientHelloInfo(serverName, null, false, 0);
        return ParseStatus.Success;
    }
}
