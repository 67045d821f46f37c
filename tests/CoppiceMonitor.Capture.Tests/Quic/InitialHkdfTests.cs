using System.Security.Cryptography;
using CoppiceMonitor.Capture.Quic;

namespace CoppiceMonitor.Capture.Tests.Quic;

public sealed class InitialHkdfTests
{
    [Fact]
    public void ExtractAndExpand_Rfc5869TestCase1_MatchesPublishedOutput()
    {
        // RFC 5869 A.1 (SHA-256): 42 bytes of output take two HMAC blocks.
        var ikm = Convert.FromHexString("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
        var salt = Convert.FromHexString("000102030405060708090a0b0c");
        var info = Convert.FromHexString("f0f1f2f3f4f5f6f7f8f9");
        var prk = new byte[32];
        var okm = new byte[42];

        InitialHkdf.Extract(salt, ikm, prk);
        InitialHkdf.Expand(prk, info, okm);

        Assert.Equal("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5", Convert.ToHexStringLower(prk));
        Assert.Equal("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865", Convert.ToHexStringLower(okm));
    }

    [Fact]
    public void ExtractAndExpand_RandomInputs_EqualThePlatformHkdf()
    {
        var random = new Random(9001);
        for (var i = 0; i < 300; i++)
        {
            // Keys and salts past the 64-byte block, messages across the padding boundary (55/56 bytes).
            var ikm = new byte[random.Next(0, 150)];
            var salt = new byte[random.Next(0, 150)];
            var info = new byte[random.Next(0, 120)];
            random.NextBytes(ikm);
            random.NextBytes(salt);
            random.NextBytes(info);
            var length = random.Next(1, 100);

            var prk = new byte[32];
            var okm = new byte[length];
            InitialHkdf.Extract(salt, ikm, prk);
            InitialHkdf.Expand(prk, info, okm);

            Assert.Equal(HKDF.Extract(HashAlgorithmName.SHA256, ikm, salt), prk);
            Assert.Equal(HKDF.Expand(HashAlgorithmName.SHA256, prk, length, info), okm);
        }
    }
}
