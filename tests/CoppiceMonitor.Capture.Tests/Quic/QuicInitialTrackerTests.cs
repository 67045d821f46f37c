using CoppiceMonitor.Capture.Quic;
using CoppiceMonitor.Capture.Tests.Tls;
using CoppiceMonitor.Capture.Tls;
using CoppiceMonitor.Testing;

namespace CoppiceMonitor.Capture.Tests.Quic;

[Collection(TlsQuicRunsAlone.Name)]
public sealed class QuicInitialTrackerTests
{
    private static readonly DateTime Now = new(2026, 11, 25, 9, 0, 0, DateTimeKind.Utc);
    private static readonly byte[] Dcid = Convert.FromHexString(QuicRfcVectors.DestinationConnectionId);

    [Theory]
    // RFC 9001 A.1: client_initial_secret, key, iv, hp for DCID 0x8394c8f03e515708.
    [InlineData(QuicRfcVectors.SaltV1, false, QuicRfcVectors.ClientSecretV1, QuicRfcVectors.ClientKeyV1, QuicRfcVectors.ClientIvV1, QuicRfcVectors.ClientHpV1)]
    // RFC 9369 A.1: the same for QUIC v2 ("quicv2 " labels, v2 salt).
    [InlineData(QuicRfcVectors.SaltV2, true, QuicRfcVectors.ClientSecretV2, QuicRfcVectors.ClientKeyV2, QuicRfcVectors.ClientIvV2, QuicRfcVectors.ClientHpV2)]
    public void DeriveMaterial_RfcAppendixA1_MatchesPublishedKeys(string salt, bool isV2, string secret, string key, string iv, string hp)
    {
        var clientSecret = new byte[32];
        var derivedKey = new byte[16];
        var derivedIv = new byte[12];
        var derivedHp = new byte[16];

        QuicInitialKeys.DeriveMaterial(Convert.FromHexString(salt), Dcid, isV2, clientSecret, derivedKey, derivedIv, derivedHp);

        Assert.Equal(secret, Convert.ToHexStringLower(clientSecret));
        Assert.Equal(key, Convert.ToHexStringLower(derivedKey));
        Assert.Equal(iv, Convert.ToHexStringLower(derivedIv));
        Assert.Equal(hp, Convert.ToHexStringLower(derivedHp));
    }

    [Theory]
    [InlineData(QuicRfcVectors.Rfc9001ClientInitial, "v1")]
    [InlineData(QuicRfcVectors.Rfc9369ClientInitial, "v2")]
    public void TryProcess_RfcAppendixA2ClientInitial_FindsExampleCom(string packetHex, string expectedVersion)
    {
        var tracker = new QuicInitialTracker();
        var packet = QuicRfcVectors.Hex(packetHex);

        Assert.True(QuicInitialTracker.LooksLikeQuicLongHeader(packet));
        var status = tracker.TryProcess(packet, 42, Now, out var hello, out var version);

        Assert.Equal(ParseStatus.Success, status);
        Assert.Equal(expectedVersion, version);
        Assert.Equal("example.com", hello.ServerName);
        Assert.Equal("alpn", hello.Alpn);
        Assert.Equal(0x0304, hello.HighestVersionOffered);
        Assert.Equal(ParseStatus.NotApplicable, tracker.TryProcess(packet, 42, Now, out _, out _));
    }

    [Fact]
    public void TryProcess_EveryTruncationOfRfcPacket_NeverSucceedsOrThrows()
    {
        var packet = QuicRfcVectors.Hex(QuicRfcVectors.Rfc9001ClientInitial);
        var tracker = new QuicInitialTracker();
        for (var length = 0; length < packet.Length; length++)
        {
            var status = tracker.TryProcess(packet.AsSpan(0, length), (ulong)length, Now, out _, out _);
            Assert.NotEqual(ParseStatus.Success, status);
        }
    }

    [Fact]
    public void TryProcess_BitFlipsInRfcPacket_NeverThrow()
    {
        var random = new Random(9001);
        var original = QuicRfcVectors.Hex(QuicRfcVectors.Rfc9001ClientInitial);
        var tracker = new QuicInitialTracker(maxPendingConnections: 64);
        var successes = 0;
        for (var i = 0; i < 2000; i++)
        {
            var packet = (byte[])original.Clone();
            var position = random.Next(packet.Length);
            packet[position] ^= (byte)(1 << random.Next(8));
            if (tracker.TryProcess(packet, (ulong)i, Now, out _, out _) == ParseStatus.Success)
            {
                successes++;
            }
        }

        // Flips in the AEAD-protected part must fail authentication; only header bytes outside the AAD-covered
        // fields could still decrypt, and there are none in a long header, so nothing may succeed.
        Assert.Equal(0, successes);
        Assert.True(tracker.PendingConnections <= 64);
    }

    [Fact]
    public void TryProcess_HelloSplitOverTwoInitialsReversed_SuccessOnSecond()
    {
        var handshake = new ClientHelloBuilder { ServerName = "pq.example", PaddingExtensionLength = 1500 }.BuildHandshake();
        var first = QuicInitialProtector.Protect(QuicInitialProtector.CryptoFrame(0, handshake.AsSpan(0, 1000)), Dcid, 0);
        var second = QuicInitialProtector.Protect(QuicInitialProtector.CryptoFrame(1000, handshake.AsSpan(1000)), Dcid, 1);
        var tracker = new QuicInitialTracker();

        Assert.Equal(ParseStatus.NeedMoreData, tracker.TryProcess(second, 7, Now, out _, out _));
        var status = tracker.TryProcess(first, 7, Now, out var hello, out _);

        Assert.Equal(ParseStatus.Success, status);
        Assert.Equal("pq.example", hello.ServerName);
    }

    [Fact]
    public void TryProcess_ShuffledCryptoFramesWithPingAndPaddingBetween_Success()
    {
        // Chrome-style: several CRYPTO frames out of offset order, PING and PADDING frames between them.
        var handshake = new ClientHelloBuilder { ServerName = "shuffled.example" }.BuildHandshake();
        var third = handshake.Length / 3;
        var frames = ClientHelloBuilder.Concat(
            [0x01, 0x00, 0x00],
            QuicInitialProtector.CryptoFrame(2 * third, handshake.AsSpan(2 * third)),
            [0x01],
            QuicInitialProtector.CryptoFrame(0, handshake.AsSpan(0, third)),
            [0x00, 0x00, 0x01],
            QuicInitialProtector.CryptoFrame(third, handshake.AsSpan(third, third)));
        var tracker = new QuicInitialTracker();

        var status = tracker.TryProcess(QuicInitialProtector.Protect(frames, Dcid, 0), 1, Now, out var hello, out var version);

        Assert.Equal(ParseStatus.Success, status);
        Assert.Equal("v1", version);
        Assert.Equal("shuffled.example", hello.ServerName);
    }

    [Fact]
    public void TryProcess_CoalescedInitialsInOneDatagram_Success()
    {
        var handshake = new ClientHelloBuilder { ServerName = "coalesced.example" }.BuildHandshake();
        var half = handshake.Length / 2;
        var datagram = ClientHelloBuilder.Concat(
            QuicInitialProtector.Protect(QuicInitialProtector.CryptoFrame(half, handshake.AsSpan(half)), Dcid, 1, padTo: 0),
            QuicInitialProtector.Protect(QuicInitialProtector.CryptoFrame(0, handshake.AsSpan(0, half)), Dcid, 0, padTo: 0));
        var tracker = new QuicInitialTracker();

        var status = tracker.TryProcess(datagram, 1, Now, out var hello, out _);

        Assert.Equal(ParseStatus.Success, status);
        Assert.Equal("coalesced.example", hello.ServerName);
    }

    [Fact]
    public void TryProcess_AckFrameBeforeCrypto_IsSkipped()
    {
        var handshake = new ClientHelloBuilder { ServerName = "ack.example" }.BuildHandshake();
        // ACK with ECN: largest 5, delay 0, 1 extra range (gap 0, len 1), first range 1, ECN counts 0 0 0.
        var frames = ClientHelloBuilder.Concat([0x03, 0x05, 0x00, 0x01, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00],
            QuicInitialProtector.CryptoFrame(0, handshake));

        var status = new QuicInitialTracker().TryProcess(QuicInitialProtector.Protect(frames, Dcid, 3), 1, Now, out var hello, out _);

        Assert.Equal(ParseStatus.Success, status);
        Assert.Equal("ack.example", hello.ServerName);
    }

    [Fact]
    public void TryProcess_SecondFlightWithServerChosenCid_DecryptsWithOriginalKeys()
    {
        // The client's later Initials carry the server's CID but keep the keys of the original DCID (RFC 9001 5.2).
        var handshake = new ClientHelloBuilder { ServerName = "second-flight.example", PaddingExtensionLength = 1500 }.BuildHandshake();
        var serverCid = Convert.FromHexString("aabbccddeeff0011");
        var first = QuicInitialProtector.Protect(QuicInitialProtector.CryptoFrame(0, handshake.AsSpan(0, 1000)), Dcid, 0);
        var later = QuicInitialProtector.Protect(QuicInitialProtector.CryptoFrame(1000, handshake.AsSpan(1000)), Dcid, 1, headerDcid: serverCid);
        var tracker = new QuicInitialTracker();

        Assert.Equal(ParseStatus.NeedMoreData, tracker.TryProcess(first, 3, Now, out _, out _));
        var status = tracker.TryProcess(later, 3, Now, out var hello, out _);

        Assert.Equal(ParseStatus.Success, status);
        Assert.Equal("second-flight.example", hello.ServerName);
    }

    [Fact]
    public void TryProcess_ServerInitialToClientCid_NotApplicable()
    {
        var handshake = new ClientHelloBuilder { PaddingExtensionLength = 1500 }.BuildHandshake();
        var clientScid = Convert.FromHexString("0102030405060708");
        var first = QuicInitialProtector.Protect(QuicInitialProtector.CryptoFrame(0, handshake.AsSpan(0, 1000)), Dcid, 0, scid: clientScid);
        // A packet addressed to the client's SCID is the server's; it is not even tried.
        var fromServer = QuicInitialProtector.Protect([0x01], clientScid, 0, headerDcid: clientScid);
        var tracker = new QuicInitialTracker();
        tracker.TryProcess(first, 3, Now, out _, out _);

        Assert.Equal(ParseStatus.NotApplicable, tracker.TryProcess(fromServer, 3, Now, out _, out _));
    }

    [Fact]
    public void TryProcess_V2PacketTypes_InitialRecognisedByRotatedBits()
    {
        var handshake = new ClientHelloBuilder { ServerName = "v2.example" }.BuildHandshake();
        var packet = QuicInitialProtector.Protect(QuicInitialProtector.CryptoFrame(0, handshake), Dcid, 0, QuicInitialProtector.Version2);

        var status = new QuicInitialTracker().TryProcess(packet, 1, Now, out var hello, out var version);

        Assert.Equal(ParseStatus.Success, status);
        Assert.Equal("v2", version);
        Assert.Equal("v2.example", hello.ServerName);
    }

    [Fact]
    public void TryProcess_ManyIncompleteFlows_PendingStateStaysBounded()
    {
        var handshake = new ClientHelloBuilder { PaddingExtensionLength = 1500 }.BuildHandshake();
        var partial = QuicInitialProtector.Protect(QuicInitialProtector.CryptoFrame(0, handshake.AsSpan(0, 1000)), Dcid, 0);
        var tracker = new QuicInitialTracker(maxPendingConnections: 16);

        for (ulong flow = 0; flow < 200; flow++)
        {
            Assert.Equal(ParseStatus.NeedMoreData, tracker.TryProcess(partial, flow, Now, out _, out _));
        }

        Assert.Equal(16, tracker.PendingConnections);
    }

    [Fact]
    public void TryProcess_IdleFlowExpires_LaterHalfStartsAfresh()
    {
        var handshake = new ClientHelloBuilder { PaddingExtensionLength = 1500 }.BuildHandshake();
        var first = QuicInitialProtector.Protect(QuicInitialProtector.CryptoFrame(0, handshake.AsSpan(0, 1000)), Dcid, 0);
        var second = QuicInitialProtector.Protect(QuicInitialProtector.CryptoFrame(1000, handshake.AsSpan(1000)), Dcid, 1);
        var tracker = new QuicInitialTracker();
        tracker.TryProcess(first, 9, Now, out _, out _);

        var status = tracker.TryProcess(second, 9, Now + QuicInitialTracker.IdleTimeout + TimeSpan.FromSeconds(1), out _, out _);

        Assert.Equal(ParseStatus.NeedMoreData, status);
        Assert.Equal(1, tracker.PendingConnections);
    }

    [Fact]
    public void TryProcess_GoogleQ046PlainChlo_FindsSniTag()
    {
        // Q046 long header: flags, "Q046", DCIL/SCIL nibbles 0x50, 8-byte DCID, 4-byte packet number,
        // 12-byte message hash, STREAM frame (0xa0, stream 1, data length) and the CHLO.
        var chlo = ChloMessage(("PAD\0", new byte[20]), ("SNI\0", "WWW.Google.com"u8.ToArray()), ("VER\0", "Q046"u8.ToArray()));
        var packet = ClientHelloBuilder.Concat(
            [0xc3], "Q046"u8.ToArray(), [0x50], new byte[8], [0, 0, 0, 1], new byte[12],
            [0xa0, 0x01], ClientHelloBuilder.U16(chlo.Length), chlo, new byte[300]);
        var tracker = new QuicInitialTracker();

        Assert.True(QuicInitialTracker.LooksLikeQuicLongHeader(packet));
        var status = tracker.TryProcess(packet, 5, Now, out var hello, out var version);

        Assert.Equal(ParseStatus.Success, status);
        Assert.Equal("Q046", version);
        Assert.Equal("www.google.com", hello.ServerName);
    }

    [Fact]
    public void LooksLikeQuicLongHeader_DnsAndShortHeaders_False()
    {
        Assert.False(QuicInitialTracker.LooksLikeQuicLongHeader(Convert.FromHexString("12340100000100000000000003777777076578616d706c6503636f6d0000010001")));
        Assert.False(QuicInitialTracker.LooksLikeQuicLongHeader(Convert.FromHexString("4011223344556677889900aabbccddeeff")));
        Assert.False(QuicInitialTracker.LooksLikeQuicLongHeader(Convert.FromHexString("c0babababa08")));
    }

    private static byte[] ChloMessage(params (string Tag, byte[] Value)[] entries)
    {
        var header = new List<byte>();
        header.AddRange("CHLO"u8.ToArray());
        header.AddRange([(byte)entries.Length, 0, 0, 0]);
        var values = new List<byte>();
        foreach (var (tag, value) in entries)
        {
            values.AddRange(value);
            header.AddRange(System.Text.Encoding.ASCII.GetBytes(tag));
            header.AddRange(BitConverter.GetBytes((uint)values.Count));
        }

        return [.. header, .. values];
    }
}
