using System.Security.Cryptography;
using CoppiceMonitor.Capture.Quic;
using CoppiceMonitor.Testing;

namespace CoppiceMonitor.Capture.Tests.Quic;

public sealed class HeaderProtectionCipherTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Encrypt_Rfc9001AppendixA2Sample_GivesThePublishedMask(bool allowHardware)
    {
        // RFC 9001 A.2: hp key, the sample taken from the protected packet, and the mask's first five bytes.
        using var cipher = new HeaderProtectionCipher(QuicRfcVectors.Hex(QuicRfcVectors.ClientHpV1), allowHardware);
        var mask = new byte[16];

        cipher.Encrypt(Convert.FromHexString("d1b1c98dd7689fb8ec11d242b123dc9b"), mask);

        Assert.Equal("437b9aec36", Convert.ToHexStringLower(mask.AsSpan(0, 5)));
    }

    [Fact]
    public void Encrypt_RandomKeysAndBlocks_EqualsThePlatformAes()
    {
        var random = new Random(197);
        for (var i = 0; i < 200; i++)
        {
            var key = new byte[16];
            var block = new byte[16];
            random.NextBytes(key);
            random.NextBytes(block);
            using var cipher = new HeaderProtectionCipher(key);
            using var aes = Aes.Create();
            aes.Key = key;
            var mask = new byte[16];

            cipher.Encrypt(block, mask);

            Assert.Equal(aes.EncryptEcb(block, PaddingMode.None), mask);
        }
    }
}
