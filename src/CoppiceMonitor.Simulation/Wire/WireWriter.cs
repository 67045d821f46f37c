using System.Buffers.Binary;
using System.Text;

namespace CoppiceMonitor.Simulation.Wire;

/// <summary>
/// Growable big-endian writer over a byte array, with reserve-then-patch length prefixes so nested TLS/DNS/DHCP
/// structures are written in one forward pass.
/// </summary>
internal sealed class WireWriter
{
    private byte[] _buffer;

    public WireWriter(int capacity = 512) => _buffer = new byte[capacity];

    public int Length { get; private set; }

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, Length);

    public byte[] ToArray() => WrittenSpan.ToArray();

    public Span<byte> Reserve(int count)
    {
        if (Length + count > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, Length + count));
        }

        var span = _buffer.AsSpan(Length, count);
        Length += count;
        return span;
    }

    public void U8(int value) => Reserve(1)[0] = (byte)value;

    public void U16(int value) => BinaryPrimitives.WriteUInt16BigEndian(Reserve(2), (ushort)value);

    public void U24(int value)
    {
        var span = Reserve(3);
        span[0] = (byte)(value >> 16);
        span[1] = (byte)(value >> 8);
        span[2] = (byte)value;
    }

    public void U32(uint value) => BinaryPrimitives.WriteUInt32BigEndian(Reserve(4), value);

    public void Bytes(ReadOnlySpan<byte> bytes) => bytes.CopyTo(Reserve(bytes.Length));

    public void Zeros(int count) => Reserve(count).Clear();

    public void Ascii(string text) => Encoding.ASCII.GetBytes(text, Reserve(Encoding.ASCII.GetByteCount(text)));

    public void Random(Random random, int count) => random.NextBytes(Reserve(count));

    /// <summary>QUIC variable-length integer (RFC 9000 section 16), shortest form.</summary>
    public void VarInt(long value)
    {
        if (value < 64)
        {
            U8((int)value);
        }
        else if (value < 16384)
        {
            U16((int)(0x4000 | value));
        }
        else if (value < 1 << 30)
        {
            U32((uint)(0x8000_0000 | value));
        }
        else
        {
            BinaryPrimitives.WriteUInt64BigEndian(Reserve(8), 0xc000_0000_0000_0000UL | (ulong)value);
        }
    }

    /// <summary>Reserves a length field of <paramref name="width"/> bytes; call <see cref="EndLength"/> after the body.</summary>
    public int BeginLength(int width)
    {
        Reserve(width);
        return Length;
    }

    public void EndLength(int bodyStart, int width)
    {
        var length = Length - bodyStart;
        var field = _buffer.AsSpan(bodyStart - width, width);
        for (var i = width - 1; i >= 0; i--)
        {
            field[i] = (byte)length;
            length >>= 8;
        }
    }
}
