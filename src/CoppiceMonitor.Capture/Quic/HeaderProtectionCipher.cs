using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Security.Cryptography;
using AesNi = System.Runtime.Intrinsics.X86.Aes;

namespace CoppiceMonitor.Capture.Quic;

/// <summary>
/// AES-128 encryption of one 16-byte block: the QUIC header protection mask (RFC 9001 5.4.3) for one set of
/// Initial keys.
/// </summary>
/// <remarks>
/// Why not only <see cref="System.Security.Cryptography.Aes"/>: creating an AES object and its encryptor costs tens
/// of microseconds through OpenSSL, paid for every new QUIC connection. With AES-NI the key schedule and the block are
/// a few dozen instructions. Other CPUs fall back to the platform's AES in ECB mode (one encryptor per key, reused).
/// Header protection keys are public (derived from the connection ID on the wire), so nothing here is secret.
/// </remarks>
internal sealed class HeaderProtectionCipher : IDisposable
{
    public const int BlockLength = 16;

    private readonly Vector128<byte>[]? _roundKeys;
    private readonly System.Security.Cryptography.Aes? _aes;
    private readonly ICryptoTransform? _encryptor;
    private readonly byte[]? _input;
    private readonly byte[]? _output;

    public HeaderProtectionCipher(ReadOnlySpan<byte> key, bool allowHardware = true)
    {
        if (key.Length != 16)
        {
            throw new ArgumentException("QUIC header protection uses AES-128: the key is 16 bytes.", nameof(key));
        }

        if (allowHardware && HardwareAccelerated)
        {
            _roundKeys = ExpandKey(Vector128.Create(key));
            return;
        }

        _aes = System.Security.Cryptography.Aes.Create();
        _aes.Key = key.ToArray();
        _aes.Mode = CipherMode.ECB;
        _aes.Padding = PaddingMode.None;
        _encryptor = _aes.CreateEncryptor();
        _input = new byte[BlockLength];
        _output = new byte[BlockLength];
    }

    public static bool HardwareAccelerated => AesNi.IsSupported;

    /// <summary>Encrypts the first 16 bytes of <paramref name="block"/> into <paramref name="output"/>.</summary>
    public void Encrypt(ReadOnlySpan<byte> block, Span<byte> output)
    {
        if (_roundKeys is not null)
        {
            var state = Sse2.Xor(Vector128.Create(block[..BlockLength]), _roundKeys[0]);
            for (var round = 1; round < 10; round++)
            {
                state = AesNi.Encrypt(state, _roundKeys[round]);
            }

            AesNi.EncryptLast(state, _roundKeys[10]).CopyTo(output);
            return;
        }

        block[..BlockLength].CopyTo(_input);
        _encryptor!.TransformBlock(_input!, 0, BlockLength, _output!, 0);
        _output.CopyTo(output);
    }

    public void Dispose()
    {
        _encryptor?.Dispose();
        _aes?.Dispose();
    }

    /// <summary>FIPS 197 5.2 key expansion for AES-128 with AESKEYGENASSIST (Intel's AES-NI white paper, figure 19).</summary>
    private static Vector128<byte>[] ExpandKey(Vector128<byte> key)
    {
        var keys = new Vector128<byte>[11];
        keys[0] = key;
        keys[1] = key = Step(key, AesNi.KeygenAssist(key, 0x01));
        keys[2] = key = Step(key, AesNi.KeygenAssist(key, 0x02));
        keys[3] = key = Step(key, AesNi.KeygenAssist(key, 0x04));
        keys[4] = key = Step(key, AesNi.KeygenAssist(key, 0x08));
        keys[5] = key = Step(key, AesNi.KeygenAssist(key, 0x10));
        keys[6] = key = Step(key, AesNi.KeygenAssist(key, 0x20));
        keys[7] = key = Step(key, AesNi.KeygenAssist(key, 0x40));
        keys[8] = key = Step(key, AesNi.KeygenAssist(key, 0x80));
        keys[9] = key = Step(key, AesNi.KeygenAssist(key, 0x1b));
        keys[10] = Step(key, AesNi.KeygenAssist(key, 0x36));
        return keys;
    }

    private static Vector128<byte> Step(Vector128<byte> key, Vector128<byte> assist)
    {
        var word = Sse2.Shuffle(assist.AsUInt32(), 0xff).AsByte();
        key = Sse2.Xor(key, Sse2.ShiftLeftLogical128BitLane(key, 4));
        key = Sse2.Xor(key, Sse2.ShiftLeftLogical128BitLane(key, 4));
        key = Sse2.Xor(key, Sse2.ShiftLeftLogical128BitLane(key, 4));
        return Sse2.Xor(key, word);
    }
}
