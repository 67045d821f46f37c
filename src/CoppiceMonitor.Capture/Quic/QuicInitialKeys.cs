using System.Buffers.Binary;
using System.Security.Cryptography;

namespace CoppiceMonitor.Capture.Quic;

/// <summary>
/// The client's Initial packet protection keys for one Destination Connection ID (RFC 9001 5.2, RFC 9369 3.3).
/// Owns an AES-GCM instance (payload) and an AES-128 block cipher (header protection).
/// </summary>
internal sealed class QuicInitialKeys : IDisposable
{
    public const int KeyLength = 16;
    public const int IvLength = 12;
    public const int TagLength = 16;
    public const int SampleLength = 16;

    private readonly AesGcm _aead;
    private readonly HeaderProtectionCipher _headerProtection;
    private readonly byte[] _iv;

    private QuicInitialKeys(ReadOnlySpan<byte> key, byte[] iv, ReadOnlySpan<byte> hpKey)
    {
        _aead = new AesGcm(key, TagLength);
        _headerProtection = new HeaderProtectionCipher(hpKey);
        _iv = iv;
    }

    /// <summary>
    /// RFC 9001 5.2:
    /// <code>
    /// initial_secret = HKDF-Extract(initial_salt, client_dst_connection_id)
    /// client_initial_secret = HKDF-Expand-Label(initial_secret, "client in", "", Hash.length)
    /// key = HKDF-Expand-Label(client_initial_secret, "quic key", "", 16)   /* "quicv2 key" for v2 */
    /// iv  = HKDF-Expand-Label(client_initial_secret, "quic iv", "", 12)    /* "quicv2 iv" */
    /// hp  = HKDF-Expand-Label(client_initial_secret, "quic hp", "", 16)    /* "quicv2 hp" */
    /// </code>
    /// </summary>
    public static QuicInitialKeys Derive(ReadOnlySpan<byte> salt, ReadOnlySpan<byte> destinationConnectionId, bool isV2)
    {
        Span<byte> clientSecret = stackalloc byte[32];
        Span<byte> key = stackalloc byte[KeyLength];
        Span<byte> hp = stackalloc byte[KeyLength];
        var iv = new byte[IvLength];
        DeriveMaterial(salt, destinationConnectionId, isV2, clientSecret, key, iv, hp);
        return new QuicInitialKeys(key, iv, hp);
    }

    /// <summary>The derivation itself, separate so the RFC 9001 / RFC 9369 Appendix A values can be checked.</summary>
    internal static void DeriveMaterial(ReadOnlySpan<byte> salt, ReadOnlySpan<byte> destinationConnectionId, bool isV2,
        Span<byte> clientSecret, Span<byte> key, Span<byte> iv, Span<byte> hp)
    {
        Span<byte> initialSecret = stackalloc byte[32];
        InitialHkdf.Extract(salt, destinationConnectionId, initialSecret);
        ExpandLabel(initialSecret, "client in"u8, clientSecret);
        ExpandLabel(clientSecret, isV2 ? "quicv2 key"u8 : "quic key"u8, key);
        ExpandLabel(clientSecret, isV2 ? "quicv2 iv"u8 : "quic iv"u8, iv);
        ExpandLabel(clientSecret, isV2 ? "quicv2 hp"u8 : "quic hp"u8, hp);
    }

    /// <summary>
    /// RFC 8446 7.1:
    /// <code>
    /// HKDF-Expand-Label(Secret, Label, Context, Length) = HKDF-Expand(Secret, HkdfLabel, Length)
    /// struct {
    ///     uint16 length = Length;
    ///     opaque label&lt;7..255&gt; = "tls13 " + Label;
    ///     opaque context&lt;0..255&gt; = Context;     /* empty here */
    /// } HkdfLabel;
    /// </code>
    /// </summary>
    internal static void ExpandLabel(ReadOnlySpan<byte> secret, ReadOnlySpan<byte> label, Span<byte> output)
    {
        ReadOnlySpan<byte> prefix = "tls13 "u8;
        Span<byte> info = stackalloc byte[2 + 1 + prefix.Length + label.Length + 1];
        BinaryPrimitives.WriteUInt16BigEndian(info, (ushort)output.Length);
        info[2] = (byte)(prefix.Length + label.Length);
        prefix.CopyTo(info[3..]);
        label.CopyTo(info[(3 + prefix.Length)..]);
        info[^1] = 0;
        InitialHkdf.Expand(secret, info, output);
    }

    /// <summary>RFC 9001 5.4.3: mask = AES-ECB(hp_key, sample).</summary>
    public void HeaderProtectionMask(ReadOnlySpan<byte> sample, Span<byte> mask) =>
        _headerProtection.Encrypt(sample[..SampleLength], mask);

    /// <summary>
    /// RFC 9001 5.3: nonce = iv XOR packet number (left-padded). False when the tag does not verify (wrong keys:
    /// another connection ID, the server's packets, or corruption).
    /// </summary>
    public bool TryDecrypt(ulong packetNumber, ReadOnlySpan<byte> header, ReadOnlySpan<byte> ciphertextAndTag, Span<byte> plaintext)
    {
        if (ciphertextAndTag.Length < TagLength)
        {
            return false;
        }

        Span<byte> nonce = stackalloc byte[IvLength];
        _iv.CopyTo(nonce);
        for (var i = 0; i < 8; i++)
        {
            nonce[IvLength - 1 - i] ^= (byte)(packetNumber >> (8 * i));
        }

        var ciphertextLength = ciphertextAndTag.Length - TagLength;
        try
        {
            _aead.Decrypt(nonce, ciphertextAndTag[..ciphertextLength], ciphertextAndTag[ciphertextLength..], plaintext[..ciphertextLength], header);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            // AesGcm has no non-throwing decrypt; the tracker limits failed attempts per flow so this stays rare.
            return false;
        }
    }

    public void Dispose()
    {
        _aead.Dispose();
        _headerProtection.Dispose();
    }
}
