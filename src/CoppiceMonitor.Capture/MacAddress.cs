using System.Globalization;

namespace CoppiceMonitor.Capture;

/// <summary>A 48-bit MAC address held in a ulong, so observations carry it without allocating.</summary>
public readonly record struct MacAddress(ulong Value)
{
    public static readonly MacAddress None;

    public bool IsNone => Value == 0;

    public static MacAddress FromSpan(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 6)
        {
            return None;
        }

        ulong v = 0;
        for (var i = 0; i < 6; i++)
        {
            v = (v << 8) | bytes[i];
        }

        return new MacAddress(v);
    }

    /// <summary>Parses aa:bb:cc:dd:ee:ff, aa-bb-..., or aabbccddeeff (any case).</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out MacAddress mac)
    {
        mac = None;
        ulong v = 0;
        var digits = 0;
        foreach (var c in text.Trim())
        {
            if (c is ':' or '-' or '.')
            {
                continue;
            }

            if (!char.IsAsciiHexDigit(c) || digits == 12)
            {
                return false;
            }

            v = (v << 4) | (uint)HexValue(c);
            digits++;
        }

        if (digits != 12)
        {
            return false;
        }

        mac = new MacAddress(v);
        return true;
    }

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;

    public override string ToString() => string.Create(17, Value, static (span, v) =>
    {
        for (var i = 0; i < 6; i++)
        {
            var b = (byte)(v >> (8 * (5 - i)));
            b.TryFormat(span[(i * 3)..], out _, "x2", CultureInfo.InvariantCulture);
            if (i < 5)
            {
                span[(i * 3) + 2] = ':';
            }
        }
    });
}
