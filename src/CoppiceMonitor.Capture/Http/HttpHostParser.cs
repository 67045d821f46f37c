namespace CoppiceMonitor.Capture.Http;

/// <summary>
/// The Host header of a plain HTTP/1.x request (RFC 9112 section 3.2), read from the first client segment only:
/// request line "METHOD SP target SP HTTP/1.x CRLF", then header lines until an empty line.
/// </summary>
internal static class HttpHostParser
{
    private static readonly string[] Methods = ["GET ", "POST ", "HEAD ", "PUT ", "DELETE ", "OPTIONS ", "PATCH ", "CONNECT ", "TRACE "];

    /// <summary>Quick test on the first bytes: does this look like the start of a request?</summary>
    public static bool LooksLikeRequest(ReadOnlySpan<byte> payload)
    {
        foreach (var method in Methods)
        {
            if (payload.Length >= method.Length && StartsWithAscii(payload, method))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Host value lower-cased, without port; NotApplicable when no request or no Host header is present.</summary>
    public static ParseStatus TryParseHost(ReadOnlySpan<byte> payload, Span<char> host, out int length)
    {
        length = 0;
        if (!LooksLikeRequest(payload))
        {
            return ParseStatus.NotApplicable;
        }

        var lineEnd = payload.IndexOf("\r\n"u8);
        if (lineEnd < 0)
        {
            return ParseStatus.NeedMoreData;
        }

        if (payload[..lineEnd].IndexOf(" HTTP/1."u8) < 0)
        {
            return ParseStatus.NotApplicable;
        }

        var rest = payload[(lineEnd + 2)..];
        while (true)
        {
            var end = rest.IndexOf("\r\n"u8);
            if (end < 0)
            {
                return ParseStatus.NeedMoreData;
            }

            if (end == 0)
            {
                return ParseStatus.NotApplicable;
            }

            var line = rest[..end];
            if (line.Length > 5 && StartsWithAscii(line, "host:"))
            {
                var value = line[5..].Trim((byte)' ').Trim((byte)'\t');
                if (value.Length == 0 || value.Length > host.Length)
                {
                    return ParseStatus.Malformed;
                }

                // Drop a port suffix; a bracketed IPv6 literal keeps its brackets' content.
                if (value[0] == (byte)'[')
                {
                    var close = value.IndexOf((byte)']');
                    value = close > 1 ? value[1..close] : value;
                }
                else
                {
                    var colon = value.LastIndexOf((byte)':');
                    if (colon > 0)
                    {
                        value = value[..colon];
                    }
                }

                foreach (var b in value)
                {
                    if (b is <= 0x20 or >= 0x7f)
                    {
                        return ParseStatus.Malformed;
                    }

                    host[length++] = b is >= (byte)'A' and <= (byte)'Z' ? (char)(b | 0x20) : (char)b;
                }

                if (length > 0 && host[length - 1] == '.')
                {
                    length--;
                }

                return length > 0 ? ParseStatus.Success : ParseStatus.Malformed;
            }

            rest = rest[(end + 2)..];
        }
    }

    private static bool StartsWithAscii(ReadOnlySpan<byte> bytes, string prefix)
    {
        for (var i = 0; i < prefix.Length; i++)
        {
            if ((bytes[i] | 0x20) != (prefix[i] | 0x20))
            {
                return false;
            }
        }

        return true;
    }
}
