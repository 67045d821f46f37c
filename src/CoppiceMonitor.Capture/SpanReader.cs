using System.Buffers.Binary;

namespace CoppiceMonitor.Capture;

/// <summary>
/// Forward-only, bounds-checked reader over packet bytes. Every Try* returns false instead of reading past the end,
/// so decoders never throw on hostile input.
/// </summary>
internal ref struct SpanReader
{
    private readonly ReadOnlySpan<byte> _buffer;
    private int _position;

    public SpanReader(ReadOnlySpan<byte> buffer)
    {
        _buffer = buffer;
        _position = 0;
    }

    public readonly int Position => _position;

    public readonly int Remaining => _buffer.Length - _position;

    public readonly ReadOnlySpan<byte> RemainingSpan => _buffer[_position..];

    public bool TryReadByte(out byte value)
    {
        if (_position >= _buffer.Length)
        {
            value = 0;
            return false;
        }

        value = _buffer[_position++];
        return true;
    }

    public bool TryReadUInt16BigEndian(out ushort value)
    {
        if (!BinaryPrimitives.TryReadUInt16BigEndian(RemainingSpan, out value))
        {
            return false;
        }

        _position += 2;
        return true;
    }

    public bool TryReadUInt24BigEndian(out int value)
    {
        if (Remaining < 3)
        {
            value = 0;
            return false;
        }

        var s = RemainingSpan;
        value = (s[0] << 16) | (s[1] << 8) | s[2];
        _position += 3;
        return true;
    }

    public bool TryReadUInt32BigEndian(out uint value)
    {
        if (!BinaryPrimitives.TryReadUInt32BigEndian(RemainingSpan, out value))
        {
            return false;
        }

        _position += 4;
        return true;
    }

    public bool TryReadBytes(int count, out ReadOnlySpan<byte> bytes)
    {
        if (count < 0 || count > Remaining)
        {
            bytes = default;
            return false;
        }

        bytes = _buffer.Slice(_position, count);
        _position += count;
        return true;
    }

    /// <summary>QUIC variable-length integer (RFC 9000 section 16): the top two bits give the length.</summary>
    public bool TryReadQuicVarInt(out ulong value)
    {
        value = 0;
        if (Remaining < 1)
        {
            return false;
        }

        var length = 1 << (_buffer[_position] >> 6);
        if (Remaining < length)
        {
            return false;
        }

        value = (ulong)(_buffer[_position] & 0x3f);
        for (var i = 1; i < length; i++)
        {
            value = (value << 8) | _buffer[_position + i];
        }

        _position += length;
        return true;
    }

    public bool TrySkip(int count)
    {
        if (count < 0 || count > Remaining)
        {
            return false;
        }

        _position += count;
        return true;
    }
}
