using CoppiceMonitor.Simulation.Wire;
using CoppiceMonitor.Testing;

namespace CoppiceMonitor.Simulation.Tests.Wire;

/// <summary>RFC 9001 Appendix A: the same inputs must give the same keys and the same protected packets.</summary>
public sealed class QuicInitialProtectionTests
{
    private static readonly byte[] Dcid = QuicRfcVectors.Hex(QuicRfcVectors.DestinationConnectionId);

    [Fact]
    public void Constructor_Rfc9001AppendixA1_DerivesTheVectorKeys()
    {
        using var client = new QuicInitialProtection(Dcid, server: false);
        using var server = new QuicInitialProtection(Dcid, server: true);

        Assert.Equal(QuicRfcVectors.ClientSecretV1, Convert.ToHexStringLower(client.Secret));
        Assert.Equal(QuicRfcVectors.ClientKeyV1, Convert.ToHexStringLower(client.Key));
        Assert.Equal(QuicRfcVectors.ClientIvV1, Convert.ToHexStringLower(client.Iv));
        Assert.Equal(QuicRfcVectors.ClientHpV1, Convert.ToHexStringLower(client.HeaderProtectionKey));
        Assert.Equal(QuicRfcVectors.ServerSecretV1, Convert.ToHexStringLower(server.Secret));
        Assert.Equal(QuicRfcVectors.ServerKeyV1, Convert.ToHexStringLower(server.Key));
        Assert.Equal(QuicRfcVectors.ServerIvV1, Convert.ToHexStringLower(server.Iv));
        Assert.Equal(QuicRfcVectors.ServerHpV1, Convert.ToHexStringLower(server.HeaderProtectionKey));
    }

    [Fact]
    public void Protect_Rfc9001AppendixA2ClientInitial_GivesTheVectorBytes()
    {
        using var client = new QuicInitialProtection(Dcid, server: false);
        var header = QuicRfcVectors.Hex(QuicRfcVectors.ClientInitialHeader);
        var payload = new byte[1162];
        QuicRfcVectors.Hex(QuicRfcVectors.ClientInitialCryptoFrame).CopyTo(payload, 0);

        var packet = client.Protect(header, packetNumberLength: 4, packetNumber: 2, payload);

        Assert.Equal(1200, packet.Length);
        Assert.Equal(QuicRfcVectors.Rfc9001ClientInitial, Convert.ToHexStringLower(packet));
    }

    [Fact]
    public void Protect_Rfc9001AppendixA3ServerInitial_GivesTheVectorBytes()
    {
        using var server = new QuicInitialProtection(Dcid, server: true);
        var header = QuicRfcVectors.Hex(QuicRfcVectors.ServerInitialHeader);
        var payload = QuicRfcVectors.Hex(QuicRfcVectors.ServerInitialPayload);

        var packet = server.Protect(header, packetNumberLength: 2, packetNumber: 1, payload);

        Assert.Equal(QuicRfcVectors.ServerInitial, Convert.ToHexStringLower(packet));
    }

    [Fact]
    public void Initial_BuiltByPacketBuilder_DecryptsBackToTheCryptoFrames()
    {
        var dcid = Convert.FromHexString("0011223344556677");
        var hello = new byte[700];
        new Random(5).NextBytes(hello);
        using var keys = new QuicInitialProtection(dcid, server: false);

        var packet = QuicPacketBuilder.Initial(keys, dcid, [], 1, hello,
            [new CryptoSlice(300, 400), new CryptoSlice(0, 300)], null, 1250);

        Assert.Equal(1250, packet.Length);
        var plain = QuicTestDecryptor.DecryptClientInitial(packet, dcid);
        // Frames: CRYPTO(offset 300, 400 bytes) then CRYPTO(offset 0, 300 bytes), then PADDING.
        Assert.Equal(0x06, plain[0]);
        Assert.Equal(hello.AsSpan(300, 400).ToArray(), plain.AsSpan(1 + 2 + 2, 400).ToArray());
        Assert.Equal(0x06, plain[405]);
        Assert.Equal(hello.AsSpan(0, 300).ToArray(), plain.AsSpan(405 + 1 + 1 + 2, 300).ToArray());
        Assert.All(plain.AsSpan(709).ToArray(), b => Assert.Equal(0, b));
    }
}
