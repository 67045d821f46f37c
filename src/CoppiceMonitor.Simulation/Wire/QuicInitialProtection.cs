using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using CoppiceMonitor.Capture.Quic;

namespace CoppiceMonitor.Simulation.Wire;

/// <summary>
/// QUIC version 1 Initial packet protection (RFC 9001 section 5): keys from the client's first Destination
/// Connection ID, AEAD_AES_128_GCM for the payload, AES-128-ECB header protection of the first byte's low bits and
/// the packet number.
/// </summary>
internal sealed class QuicInitialProtection : IDisposable
{
    /// <summary>RFC 9001 section 5.2 initial_salt for QUIC version 1.</summary>
    private static readonly byte[] InitialSaltV1 = Convert.FromHexString("38762cf7f55934b34d179ae6a4c80cadccbb7f0a");

    private const int TagLength = 16;
    private readonly byte[] _iv;
    private readonly AesGcm _aead;
    private readonly Aes _headerProtection;

    public QuicInitialProtection(ReadOnlySpan<byte> originalDestinationConnectionId, bool server)
    {
        Span<byte> initialSecret = stackalloc byte[32];
        HKDF.Extract(HashAlgorithmName.SHA256, originalDestinationConnectionId, InitialSaltV1, initialSecret);
        var secret = ExpandLabel(initialSecret, server ? "server in" : "client in", 32);
        Key = ExpandLabel(secret, "quic key", 16);
        _iv = ExpandLabel(secret, "quic iv", 12);
        HeaderProtectionKey = ExpandLabel(secret, "quic hp", 16);
        Secret = secret;
        _aead = new AesGcm(Key, TagLength);
        _headerProtection = Aes.Create();
        _headerProtection.Key = HeaderProtectionKey;
    }

    public byte[] Secret { get; }

    public byte[] Key { get; }

    public ReadOnlySpan<byte> Iv => _iv;

    public byte[] HeaderProtectionKey { get; }

    /// <summary>HKDF-Expand-Label (RFC 8446 section 7.1), the same derivation the capture decoder decrypts with.</summary>
    internal static byte[] ExpandLabel(ReadOnlySpan<byte> secret, string label, int length)
    {
        var output = new byte[length];
        QuicInitialKeys.ExpandLabel(secret, Encoding.ASCII.GetBytes(label), output);
        return output;
    }

    /// <summary>
    /// Protects one long-header packet. <paramref name="header"/> is the unprotected header ending with the
    /// packet number of <paramref name="packetNumberLength"/> bytes (and whose Length field already counts the
    /// packet number, payload and the 16-byte tag). Returns header + ciphertext + tag with header protection.
    /// </summary>
    public byte[] Protect(ReadOnlySpan<byte> header, int packetNumberLength, ulong packetNumber, ReadOnlySpan<byte> payload)
    {
        var packet = new byte[header.Length + payload.Length + TagLength];
        header.CopyTo(packet);

        // Nonce: the IV XORed with the packet number left-padded to the IV length (RFC 9001 section 5.3).
        Span<byte> nonce = stackalloc byte[12];
        _iv.CopyTo(nonce);
        Span<byte> pn = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(pn, packetNumber);
        for (var i = 0; i < 8; i++)
        {
            nonce[4 + i] ^= pn[i];
        }

        _aead.Encrypt(nonce, payload, packet.AsSpan(header.Length, payload.Length),
            packet.AsSpan(header.Length + payload.Length, TagLength), header);

        // Header protection (RFC 9001 section 5.4): sample 16 bytes starting 4 bytes after the start of the
        // packet number field; mask = AES-ECB(hp, sample).
        var packetNumberOffset = header.Length - packetNumberLength;
        var sample = packet.AsSpan(packetNumberOffset + 4, 16);
        Span<byte> mask = stackalloc byte[16];
        _headerProtection.EncryptEcb(sample, mask, PaddingMode.None);
        packet[0] ^= (byte)(mask[0] & ((packet[0] & 0x80) != 0 ? 0x0f : 0x1f));
        for (var i = 0; i < packetNumberLength; i++)
        {
            packet[packetNumberOffset + i] ^= mask[1 + i];
        }

        return packet;
    }

    public void Dispose()
    {
        _aead.Dispose();
        _headerProtection.Dispose();
    }
}
