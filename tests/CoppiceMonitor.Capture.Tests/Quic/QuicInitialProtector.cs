using System.Security.Cryptography;
using CoppiceMonitor.Capture.Quic;
using CoppiceMonitor.Testing;

namespace CoppiceMonitor.Capture.Tests.Quic;

/// <summary>
/// Builds protected client Initial packets the way a client does (RFC 9001 5.3-5.4), so tests can make split,
/// shuffled and coalesced Initials. Key derivation is the product's, checked separately against the RFC vectors;
/// the AEAD and header protection here are written independently with .NET's primitives.
/// </summary>
internal static class QuicInitialProtector
{
    public const uint Version1 = 1;
    public const uint Version2 = 0x6b3343cf;
    private static readonly byte[] SaltV1 = Convert.FromHexString(QuicRfcVectors.SaltV1);
    private static readonly byte[] SaltV2 = Convert.FromHexString(QuicRfcVectors.SaltV2);

    /// <summary>CRYPTO frame (type 0x06): offset and length as 4-byte varints, then the data.</summary>
    public static byte[] CryptoFrame(int offset, ReadOnlySpan<byte> data) =>
        [0x06, .. VarInt4(offset), .. VarInt4(data.Length), .. data];

    /// <summary>
    /// <paramref name="salt"/> and <paramref name="v2Keys"/> override the version's own protection (a reserved
    /// version protected as v1, v2 or draft-29; Google's T051 salt).
    /// </summary>
    public static byte[] Protect(byte[] frames, byte[] keyDcid, uint packetNumber, uint version = Version1,
        byte[]? headerDcid = null, byte[]? scid = null, int padTo = 1200, byte[]? salt = null, bool? v2Keys = null)
    {
        var isV2 = v2Keys ?? version == Version2;
        Span<byte> secret = stackalloc byte[32];
        Span<byte> key = stackalloc byte[16];
        Span<byte> iv = stackalloc byte[12];
        Span<byte> hp = stackalloc byte[16];
        QuicInitialKeys.DeriveMaterial(salt ?? (isV2 ? SaltV2 : SaltV1), keyDcid, isV2, secret, key, iv, hp);

        headerDcid ??= keyDcid;
        scid ??= [0x51, 0x52, 0x53, 0x54];
        var typeBits = isV2 ? 1 : 0;
        var header = new List<byte> { (byte)(0xc0 | (typeBits << 4) | 0x03) };    // 4-byte packet number
        header.AddRange([(byte)(version >> 24), (byte)(version >> 16), (byte)(version >> 8), (byte)version]);
        header.Add((byte)headerDcid.Length);
        header.AddRange(headerDcid);
        header.Add((byte)scid.Length);
        header.AddRange(scid);
        header.Add(0);                                                               // token length

        var lengthFieldAt = header.Count;
        var fixedPart = lengthFieldAt + 2 + 4 + 16;
        var padding = Math.Max(0, padTo - fixedPart - frames.Length);
        var plaintext = frames.Concat(new byte[padding]).ToArray();
        var length = 4 + plaintext.Length + 16;
        header.AddRange([(byte)(0x40 | (length >> 8)), (byte)length]);
        var packetNumberOffset = header.Count;
        header.AddRange([(byte)(packetNumber >> 24), (byte)(packetNumber >> 16), (byte)(packetNumber >> 8), (byte)packetNumber]);
        var headerBytes = header.ToArray();

        var nonce = iv.ToArray();
        for (var i = 0; i < 8; i++)
        {
            nonce[11 - i] ^= (byte)((ulong)packetNumber >> (8 * i));
        }

        var ciphertext = new byte[plaintext.Length];
        var tag = new byte[16];
        using (var aead = new AesGcm(key, 16))
        {
            aead.Encrypt(nonce, plaintext, ciphertext, tag, headerBytes);
        }

        var packet = headerBytes.Concat(ciphertext).Concat(tag).ToArray();
        using var aes = Aes.Create();
        aes.Key = hp.ToArray();
        var mask = aes.EncryptEcb(packet.AsSpan(packetNumberOffset + 4, 16), PaddingMode.None);
        packet[0] ^= (byte)(mask[0] & 0x0f);
        for (var i = 0; i < 4; i++)
        {
            packet[packetNumberOffset + i] ^= mask[1 + i];
        }

        return packet;
    }

    private static byte[] VarInt4(int value) =>
        [(byte)(0x80 | (value >> 24)), (byte)(value >> 16), (byte)(value >> 8), (byte)value];
}
