using CoppiceMonitor.Capture.Tests.Quic;
using CoppiceMonitor.Capture.Tls;
using CoppiceMonitor.Testing;

namespace CoppiceMonitor.Capture.Tests.Tls;

[Collection(TlsQuicRunsAlone.Name)]
public sealed class TlsClientHelloParserTests
{
    /// <summary>
    /// A TLS 1.2 ClientHello as a browser of the TLS 1.2 era sends it: one record, SNI, ALPN, no supported_versions.
    /// </summary>
    private static readonly byte[] Tls12ClientHelloRecord = Convert.FromHexString(
        "16" + "0301" + "0061" +                                 // record: handshake, TLS 1.0 record version, 97 bytes
        "01" + "00005d" +                                        // client_hello, 93 bytes
        "0303" +                                                 // legacy_version TLS 1.2
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f" + // random
        "00" +                                                   // session id <0>
        "0004" + "c02f" + "009c" +                               // cipher_suites
        "01" + "00" +                                            // compression: null
        "0030" +                                                 // extensions <48>
        "0000" + "0014" + "0012" + "00" + "000f" + "5757572e4578616d706c652e636f2e" + // server_name "WWW.Example.co."
        "0010" + "000e" + "000c" + "02" + "6832" + "08" + "687474702f312e31" + // ALPN h2, http/1.1
        "000b" + "0002" + "0100");                               // ec_point_formats

    [Fact]
    public void TryParseHandshake_Rfc9001ClientHello_ExtractsNameAlpnAndVersion()
    {
        var status = TlsClientHelloParser.TryParseHandshake(QuicRfcVectors.ClientHello(), out var hello);

        Assert.Equal(ParseStatus.Success, status);
        Assert.Equal("example.com", hello.ServerName);
        Assert.Equal("alpn", hello.Alpn);
        Assert.False(hello.HasEncryptedClientHello);
        Assert.Equal(0x0304, hello.HighestVersionOffered);
    }

    [Fact]
    public void TryParseRecords_Tls12Golden_LowerCasesNameAndDropsTrailingDot()
    {
        var status = TlsClientHelloParser.TryParseRecords(Tls12ClientHelloRecord, out var hello);

        Assert.Equal(ParseStatus.Success, status);
        Assert.Equal("www.example.co", hello.ServerName);
        Assert.Equal("h2,http/1.1", hello.Alpn);
        Assert.Equal(0x0303, hello.HighestVersionOffered);
    }

    [Fact]
    public void TryParseRecords_HandshakeSplitOverThreeRecords_Success()
    {
        var handshake = new ClientHelloBuilder { ServerName = "split.example", EncryptedClientHello = true, PaddingExtensionLength = 1200 }.BuildHandshake();

        // 3-byte first fragment: the handshake header itself is split across records.
        var records = ClientHelloBuilder.Concat(
            ClientHelloBuilder.ToRecords(handshake[..3]),
            ClientHelloBuilder.ToRecords(handshake[3..700]),
            ClientHelloBuilder.ToRecords(handshake[700..]));
        var status = TlsClientHelloParser.TryParseRecords(records, out var hello);

        Assert.Equal(ParseStatus.Success, status);
        Assert.Equal("split.example", hello.ServerName);
        Assert.True(hello.HasEncryptedClientHello);
        Assert.Equal(0x0304, hello.HighestVersionOffered);
    }

    [Fact]
    public void TryParseRecords_EveryPrefixOfEverySample_NeedMoreDataThenSuccess()
    {
        var samples = new[]
        {
            Tls12ClientHelloRecord,
            ClientHelloBuilder.ToRecords(QuicRfcVectors.ClientHello()),
            ClientHelloBuilder.ToRecords(new ClientHelloBuilder { PaddingExtensionLength = 1500 }.BuildHandshake(), maxFragment: 500),
            ClientHelloBuilder.ToRecords(new ClientHelloBuilder { ServerName = null, Alpn = [], SupportedVersions = null }.BuildHandshake(), maxFragment: 7),
        };

        foreach (var sample in samples)
        {
            for (var length = 0; length < sample.Length; length++)
            {
                Assert.Equal(ParseStatus.NeedMoreData, TlsClientHelloParser.TryParseRecords(sample.AsSpan(0, length), out _));
            }

            Assert.Equal(ParseStatus.Success, TlsClientHelloParser.TryParseRecords(sample, out _));
        }
    }

    [Fact]
    public void TryParseHandshake_EveryPrefix_NeedMoreDataThenSuccess()
    {
        var handshake = QuicRfcVectors.ClientHello();
        for (var length = 0; length < handshake.Length; length++)
        {
            Assert.Equal(ParseStatus.NeedMoreData, TlsClientHelloParser.TryParseHandshake(handshake.AsSpan(0, length), out _));
        }

        Assert.Equal(ParseStatus.Success, TlsClientHelloParser.TryParseHandshake(handshake, out _));
    }

    [Fact]
    public void TryParseRecords_GreaseAndDraftVersions_ReportsTls13()
    {
        var handshake = new ClientHelloBuilder { SupportedVersions = [0x7a7a, 0x7f1c, 0x0303] }.BuildHandshake();

        TlsClientHelloParser.TryParseRecords(ClientHelloBuilder.ToRecords(handshake), out var hello);

        Assert.Equal(0x0304, hello.HighestVersionOffered);
    }

    [Fact]
    public void TryParseRecords_NoExtensions_SuccessWithoutName()
    {
        var handshake = new ClientHelloBuilder { ServerName = null, Alpn = [], SupportedVersions = null, LegacyVersion = 0x0301 }.BuildHandshake();

        var status = TlsClientHelloParser.TryParseRecords(ClientHelloBuilder.ToRecords(handshake), out var hello);

        Assert.Equal(ParseStatus.Success, status);
        Assert.Null(hello.ServerName);
        Assert.Null(hello.Alpn);
        Assert.Equal(0x0301, hello.HighestVersionOffered);
    }

    [Fact]
    public void TryParseRecords_Sslv2Hello_NotApplicable()
    {
        // SSLv2-compatible CLIENT-HELLO: 2-byte length with the high bit set, msg_type 1, version 3.1.
        var sslv2 = Convert.FromHexString("802e0103010015000000100100800300800700c0060040020080040080");

        Assert.Equal(ParseStatus.NotApplicable, TlsClientHelloParser.TryParseRecords(sslv2, out _));
    }

    [Theory]
    [InlineData("17030300050102030405")]    // application data
    [InlineData("160303000402000000")]      // a ServerHello, not a ClientHello
    [InlineData("474554202f20485454502f312e310d0a")] // HTTP
    public void TryParseRecords_NotAClientHello_NotApplicable(string hex)
    {
        Assert.Equal(ParseStatus.NotApplicable, TlsClientHelloParser.TryParseRecords(Convert.FromHexString(hex), out _));
    }

    [Fact]
    public void TryParseRecords_OtherRecordInsideFragmentedHandshake_Malformed()
    {
        var handshake = new ClientHelloBuilder().BuildHandshake();
        var stream = ClientHelloBuilder.Concat(
            ClientHelloBuilder.ToRecords(handshake[..50]),
            Convert.FromHexString("140303000101"),       // change_cipher_spec in the middle
            ClientHelloBuilder.ToRecords(handshake[50..]));

        Assert.Equal(ParseStatus.Malformed, TlsClientHelloParser.TryParseRecords(stream, out _));
    }

    [Fact]
    public void TryParseRecords_GarbageInsideAlpnExtension_StillReportsSni()
    {
        // As in the corpus file tls_invalid_reads.pcap: the ALPN body claims a 0xb889-byte list inside 11 bytes.
        var hello = Convert.FromHexString(
            "16" + "0301" + "004a" +
            "01" + "000046" + "0303" + new string('0', 64) + "00" + "0002" + "1301" + "0100" +
            "001b" +
            "0000" + "0008" + "0006" + "00" + "0003" + "612e62" +          // server_name "a.b"
            "0010" + "000b" + "b889a52f563519e55f943e");                 // ALPN with a broken list length

        var status = TlsClientHelloParser.TryParseRecords(hello, out var info);

        Assert.Equal(ParseStatus.Success, status);
        Assert.Equal("a.b", info.ServerName);
        Assert.Null(info.Alpn);
    }

    [Fact]
    public void TryParseRecords_ExtensionOverrunsBlock_Malformed()
    {
        var hello = Convert.FromHexString(
            "16" + "0301" + "0036" +
            "01" + "000032" + "0303" + new string('0', 64) + "00" + "0002" + "1301" + "0100" +
            "0007" + "0010" + "0009" + "000000");                       // ALPN claims 9 bytes, 2 remain

        Assert.Equal(ParseStatus.Malformed, TlsClientHelloParser.TryParseRecords(hello, out _));
    }

    [Fact]
    public void TryParseRecords_ZeroLengthRecord_Malformed()
    {
        Assert.Equal(ParseStatus.Malformed, TlsClientHelloParser.TryParseRecords(Convert.FromHexString("1603010000"), out _));
    }

    [Fact]
    public void TryParseRecords_NameWithControlBytes_EscapedLikeTshark()
    {
        var handshake = new ClientHelloBuilder { ServerName = "a\u0004b.Example" }.BuildHandshake();

        TlsClientHelloParser.TryParseRecords(ClientHelloBuilder.ToRecords(handshake), out var hello);

        Assert.Equal("a\\004b.example", hello.ServerName);
    }

    [Fact]
    public void TryParseRecords_RandomBitFlipsAndTruncations_NeverThrow()
    {
        var random = new Random(20261125);
        var samples = new[]
        {
            Tls12ClientHelloRecord,
            ClientHelloBuilder.ToRecords(QuicRfcVectors.ClientHello(), maxFragment: 90),
            ClientHelloBuilder.ToRecords(new ClientHelloBuilder { EncryptedClientHello = true, PaddingExtensionLength = 900 }.BuildHandshake(), maxFragment: 400),
        };
        var outcomes = new HashSet<ParseStatus>();
        for (var i = 0; i < 20_000; i++)
        {
            var sample = (byte[])samples[i % samples.Length].Clone();
            var flips = random.Next(1, 4);
            for (var f = 0; f < flips; f++)
            {
                sample[random.Next(sample.Length)] ^= (byte)(1 << random.Next(8));
            }

            var length = random.Next(2) == 0 ? sample.Length : random.Next(sample.Length);
            outcomes.Add(TlsClientHelloParser.TryParseRecords(sample.AsSpan(0, length), out _));
            outcomes.Add(TlsClientHelloParser.TryParseHandshake(sample.AsSpan(5, Math.Max(0, length - 5)), out _));
        }

        // The mutations must reach every outcome, or the loop is not exercising the parser.
        Assert.Contains(ParseStatus.Success, outcomes);
        Assert.Contains(ParseStatus.Malformed, outcomes);
        Assert.Contains(ParseStatus.NeedMoreData, outcomes);
        Assert.Contains(ParseStatus.NotApplicable, outcomes);
    }
}
