using CoppiceMonitor.Capture.Quic;
using CoppiceMonitor.Capture.Tests.Tls;
using CoppiceMonitor.Testing;

namespace CoppiceMonitor.Capture.Tests.Quic;

/// <summary>Issue 12: QUIC versions whose Initials carried a ClientHello the tracker did not read.</summary>
[Collection(TlsQuicRunsAlone.Name)]
public sealed class QuicVersionGapTests
{
    private const uint T051 = 0x54303531;
    private static readonly DateTime Now = new(2026, 11, 25, 9, 0, 0, DateTimeKind.Utc);
    private static readonly byte[] Dcid = Convert.FromHexString("8394c8f03e515708");
    private static readonly byte[] SaltV1 = Convert.FromHexString(QuicRfcVectors.SaltV1);
    private static readonly byte[] SaltV2 = Convert.FromHexString(QuicRfcVectors.SaltV2);
    private static readonly byte[] SaltDraft29 = Convert.FromHexString("afbfec289993d24c9e9786f19c6111e04390a899");

    /// <summary>A minimal TLS 1.3 ClientHello handshake message naming a 12-character host, every field written out.</summary>
    private static byte[] ClientHello(string twelveCharacterName)
    {
        Assert.Equal(12, twelveCharacterName.Length);
        return Convert.FromHexString(
            "01" + "000047" +                                    // client_hello, 71 bytes
            "0303" +                                             // legacy_version TLS 1.2
            "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f" + // random
            "00" +                                               // legacy_session_id <0>
            "0002" + "1301" +                                    // cipher_suites: TLS_AES_128_GCM_SHA256
            "01" + "00" +                                        // compression: null
            "001c" +                                             // extensions <28>
            "0000" + "0011" + "000f" + "00" + "000c" +           // server_name: list 15, host_name, 12 bytes
            Convert.ToHexString(System.Text.Encoding.ASCII.GetBytes(twelveCharacterName)) +
            "002b" + "0003" + "02" + "0304");                    // supported_versions: TLS 1.3
    }

    /// <summary>A CRYPTO frame at offset 0 with two-byte varint length; type 0x06 (IETF) or 0x08 (Google's numbering).</summary>
    private static byte[] CryptoFrame(byte type, byte[] data) =>
        [type, 0x00, (byte)(0x40 | (data.Length >> 8)), (byte)data.Length, .. data];

    [Fact]
    public void TryProcess_T051_CryptoFrameInGoogleNumbering_FindsSni()
    {
        var salt = QuicVersion.Find(T051)!.Salt!;
        var datagram = QuicInitialProtector.Protect(CryptoFrame(0x08, ClientHello("t051.example")), Dcid, 0, T051, salt: salt, v2Keys: false);
        var tracker = new QuicInitialTracker();

        var status = tracker.TryProcess(datagram, 1, Now, out var hello, out var version);

        Assert.Equal(ParseStatus.Success, status);
        Assert.Equal("T051", version);
        Assert.Equal("t051.example", hello.ServerName);
    }

    [Fact]
    public void TryProcess_T051_IetfCryptoFrameType_IsNotTakenAsCrypto()
    {
        // 0x06 is not CRYPTO in Google's numbering: nothing is read, so no hello (the old misreading in reverse).
        var salt = QuicVersion.Find(T051)!.Salt!;
        var datagram = QuicInitialProtector.Protect(CryptoFrame(0x06, ClientHello("t051.example")), Dcid, 0, T051, salt: salt, v2Keys: false);

        Assert.NotEqual(ParseStatus.Success, new QuicInitialTracker().TryProcess(datagram, 1, Now, out _, out _));
    }

    public static TheoryData<uint, string, bool> ReservedVersions => new()
    {
        { 0x1a2a3a4a, "v1", false },
        { 0xfafafafa, "v2", true },
        { 0x0a0a0a0a, "draft-29", false },
    };

    [Theory]
    [MemberData(nameof(ReservedVersions))]
    public void TryProcess_ReservedVersionInitial_TriesKnownSalts(uint reservedVersion, string protectedAs, bool v2)
    {
        var salt = protectedAs switch { "v1" => SaltV1, "v2" => SaltV2, _ => SaltDraft29 };
        var datagram = QuicInitialProtector.Protect(CryptoFrame(0x06, ClientHello("grease.local")), Dcid, 0, reservedVersion, salt: salt, v2Keys: v2);
        var tracker = new QuicInitialTracker();

        Assert.True(QuicInitialTracker.LooksLikeQuicLongHeader(datagram));
        var status = tracker.TryProcess(datagram, 1, Now, out var hello, out var version);

        Assert.Equal(ParseStatus.Success, status);
        Assert.Equal("reserved", version);
        Assert.Equal("grease.local", hello.ServerName);
    }

    [Fact]
    public void TryProcess_ReservedVersionUnknownSalt_NotApplicableNeverThrows()
    {
        var datagram = QuicInitialProtector.Protect(CryptoFrame(0x06, ClientHello("grease.local")), Dcid, 0, 0x2a2a2a2a, salt: new byte[20], v2Keys: false);
        var tracker = new QuicInitialTracker();

        Assert.Equal(ParseStatus.NotApplicable, tracker.TryProcess(datagram, 1, Now, out _, out _));
    }

    [Fact]
    public void Decode_ReservedVersionThroughDecoder_EmitsQuicInitial()
    {
        var datagram = QuicInitialProtector.Protect(CryptoFrame(0x06, ClientHello("grease.local")), Dcid, 0, 0x3a3a3a3a, salt: SaltV1, v2Keys: false);
        var sink = new Builders.CollectingSink();
        var decoder = new PacketDecoder(sink, new CaptureOptions());

        decoder.Decode(Now, LinkType.Ethernet, Builders.Packets.UdpFrame(50000, 443, datagram));

        var o = Assert.Single(sink.Items);
        Assert.Equal(ObservationKind.QuicInitial, o.Kind);
        Assert.Equal("grease.local", o.Name);
    }
}
