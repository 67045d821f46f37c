using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using CoppiceMonitor.Testing;

namespace CoppiceMonitor.Simulation.Tests;

/// <summary>
/// An independent RFC 9001 Initial decryptor written for the tests (not the simulator's code), so the tests can
/// read what the simulator protected.
/// </summary>
internal static class QuicTestDecryptor
{
    private static readonly byte[] Salt = Convert.FromHexString(QuicRfcVectors.SaltV1);

    public static byte[] DecryptClientInitial(byte[] packet, byte[] dcid)
    {
        var initial = HKDF.Extract(HashAlgorithmName.SHA256, dcid, Salt);
        var secret = Label(initial, "client in", 32);
        var key = Label(secret, "quic key", 16);
        var iv = Label(secret, "quic iv", 12);
        var hp = Label(secret, "quic hp", 16);

        // Long header: flags, version, dcid, scid, token length (varint, 0 here), 2-byte length.
        var offset = 1 + 4;
        offset += 1 + packet[offset];
        offset += 1 + packet[offset];
        offset += 1; // token length 0
        var length = BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(offset)) & 0x3fff;
        offset += 2;
        var pnOffset = offset;

        using var aes = Aes.Create();
        aes.Key = hp;
        var mask = aes.EncryptEcb(packet.AsSpan(pnOffset + 4, 16), PaddingMode.None);
        var header = packet.AsSpan(0, pnOffset + 4).ToArray();
        header[0] ^= (byte)(mask[0] & 0x0f);
        var pnLength = (header[0] & 0x03) + 1;
        ulong pn = 0;
        for (var i = 0; i < pnLength; i++)
        {
            header[pnOffset + i] ^= mask[1 + i];
            pn = (pn << 8) | header[pnOffset + i];
        }

        var nonce = iv.ToArray();
        for (var i = 0; i < 8; i++)
        {
            nonce[4 + i] ^= (byte)(pn >> (8 * (7 - i)));
        }

        var cipherLength = length - pnLength - 16;
        var ciphertext = packet.AsSpan(pnOffset + pnLength, cipherLength);
        var tag = packet.AsSpan(pnOffset + pnLength + cipherLength, 16);
        var plain = new byte[cipherLength];
        using var gcm = new AesGcm(key, 16);
        gcm.Decrypt(nonce, ciphertext, tag, plain, header.AsSpan(0, pnOffset + pnLength));
        return plain;
    }

    private static byte[] Label(byte[] secret, string label, int length)
    {
        var full = Encoding.ASCII.GetBytes("tls13 " + label);
        var info = new byte[4 + full.Length];
        BinaryPrimitives.WriteUInt16BigEndian(info, (ushort)length);
        info[2] = (byte)full.Length;
        full.CopyTo(info, 3);
        return HKDF.Expand(HashAlgorithmName.SHA256, secret, length, info);
    }
}
