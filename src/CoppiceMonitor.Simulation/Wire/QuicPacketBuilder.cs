namespace CoppiceMonitor.Simulation.Wire;

/// <summary>One CRYPTO frame's slice of the handshake stream.</summary>
internal readonly record struct CryptoSlice(int Offset, int Length);

/// <summary>
/// QUIC v1 packets (RFC 9000 section 17). Long header: Header Form(1)=1, Fixed Bit(1)=1, Long Packet Type(2),
/// Reserved(2), Packet Number Length(2); Version(32); DCID Len(8) + DCID; SCID Len(8) + SCID; Initial only: Token
/// Length(i) + Token; Length(i); Packet Number(8..32); payload. Short header: Form(1)=0, Fixed(1)=1, Spin(1),
/// Reserved(2), Key Phase(1), PN Length(2); DCID; Packet Number; protected payload.
/// </summary>
internal static class QuicPacketBuilder
{
    public const uint Version1 = 0x00000001;
    private const int PacketNumberLength = 2;
    private const int TagLength = 16;

    /// <summary>
    /// A protected Initial carrying CRYPTO frames for <paramref name="slices"/> of <paramref name="cryptoStream"/>
    /// (in the order given), optionally preceded by an ACK, padded with PADDING so the packet is at least
    /// <paramref name="minimumLength"/> bytes (clients pad datagrams to 1200, RFC 9000 section 14.1).
    /// </summary>
    public static byte[] Initial(
        QuicInitialProtection keys, ReadOnlySpan<byte> dcid, ReadOnlySpan<byte> scid, ulong packetNumber,
        ReadOnlySpan<byte> cryptoStream, IReadOnlyList<CryptoSlice> slices, long? acknowledge, int minimumLength)
    {
        var frames = new WireWriter(minimumLength);
        if (acknowledge is { } largest)
        {
            // ACK frame (RFC 9000 section 19.3): type 0x02, Largest Acknowledged, ACK Delay, Range Count, First Range.
            frames.U8(0x02);
            frames.VarInt(largest);
            frames.VarInt(0);
            frames.VarInt(0);
            frames.VarInt(0);
        }

        foreach (var slice in slices)
        {
            // CRYPTO frame (RFC 9000 section 19.6): type 0x06, Offset, Length, Crypto Data.
            frames.U8(0x06);
            frames.VarInt(slice.Offset);
            frames.VarInt(slice.Length);
            frames.Bytes(cryptoStream.Slice(slice.Offset, slice.Length));
        }

        var headerLength = 1 + 4 + 1 + dcid.Length + 1 + scid.Length + 1 + 2 + PacketNumberLength;
        var padding = minimumLength - headerLength - frames.Length - TagLength;
        if (padding > 0)
        {
            frames.Zeros(padding); // PADDING frames are single 0x00 bytes
        }

        var header = new WireWriter(headerLength);
        header.U8(0xc0 | (PacketNumberLength - 1));
        header.U32(Version1);
        header.U8(dcid.Length);
        header.Bytes(dcid);
        header.U8(scid.Length);
        header.Bytes(scid);
        header.VarInt(0); // token length
        header.U16(0x4000 | (PacketNumberLength + frames.Length + TagLength));
        header.U16((int)packetNumber);
        return keys.Protect(header.WrittenSpan, PacketNumberLength, packetNumber, frames.WrittenSpan);
    }

    /// <summary>
    /// A Handshake packet (type 2). Its real payload is protected with handshake keys the monitor can never
    /// have, so random bytes of the right length stand in for it.
    /// </summary>
    public static byte[] Handshake(ReadOnlySpan<byte> dcid, ReadOnlySpan<byte> scid, int payloadLength, Random random)
    {
        var w = new WireWriter(payloadLength + 32);
        w.U8(0xe0 | (PacketNumberLength - 1));
        w.U32(Version1);
        w.U8(dcid.Length);
        w.Bytes(dcid);
        w.U8(scid.Length);
        w.Bytes(scid);
        w.U16(0x4000 | (PacketNumberLength + payloadLength));
        w.Random(random, PacketNumberLength + payloadLength);
        return w.ToArray();
    }

    /// <summary>A 1-RTT short-header packet: fixed bit set, random protected bits and payload.</summary>
    public static byte[] Short(ReadOnlySpan<byte> dcid, int payloadLength, Random random)
    {
        var w = new WireWriter(payloadLength + dcid.Length + 1);
        w.U8(0x40 | random.Next(0x40));
        w.Bytes(dcid);
        w.Random(random, payloadLength);
        return w.ToArray();
    }
}
