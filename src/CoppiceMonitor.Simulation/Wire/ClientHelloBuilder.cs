namespace CoppiceMonitor.Simulation.Wire;

/// <summary>Which browser's ClientHello shape to imitate.</summary>
internal enum HelloStyle
{
    /// <summary>GREASE, shuffled extensions, ECH GREASE, ALPS, certificate compression.</summary>
    Chrome,

    /// <summary>Fixed extension order, no GREASE ECH, P-256 and X25519: Safari/iOS and apps on it.</summary>
    Safari,
}

/// <summary>Where the server_name extension sits among the shuffled extensions.</summary>
internal enum SniPlacement
{
    Anywhere,
    First,
    Last,
}

/// <summary>Inputs for one ClientHello.</summary>
internal sealed record ClientHelloSpec(
    string ServerName,
    IReadOnlyList<string> Alpn,
    HelloStyle Style,
    bool PostQuantum,
    bool EchGrease,
    SniPlacement Placement,
    byte[]? QuicSourceConnectionId);

/// <summary>
/// TLS 1.3 ClientHello handshake message (RFC 8446 section 4.1.2):
/// msg_type(1)=1, length(3), legacy_version(2)=0x0303, random(32), legacy_session_id&lt;0..32&gt;,
/// cipher_suites&lt;2..2^16-2&gt;, legacy_compression_methods&lt;1..2^8-1&gt;, extensions&lt;8..2^16-1&gt;.
/// With <see cref="ClientHelloSpec.QuicSourceConnectionId"/> set it is the QUIC flavour (RFC 9001 section 8.2:
/// quic_transport_parameters, empty session id, no record layer).
/// </summary>
internal static class ClientHelloBuilder
{
    public const ushort X25519MlKem768 = 0x11ec;
    public const ushort X25519 = 0x001d;
    private const int MlKemShareLength = 1216;

    /// <summary>Returns the handshake message and the offset of the server_name extension inside it.</summary>
    public static (byte[] Handshake, int SniOffset) Build(ClientHelloSpec spec, Random random)
    {
        var quic = spec.QuicSourceConnectionId is not null;
        var chrome = spec.Style == HelloStyle.Chrome;
        var grease = Grease(random);
        var grease2 = Grease(random);

        var extensions = new List<(ushort Type, byte[] Body)>
        {
            (0x0000, ServerName(spec.ServerName)),
            (0x000a, SupportedGroups(chrome, spec.PostQuantum, grease)),
            (0x000d, SignatureAlgorithms()),
            (0x0010, Alpn(spec.Alpn)),
            (0x002b, SupportedVersions(chrome, grease, quic)),
            (0x002d, [0x01, 0x01]),
            (0x0033, KeyShare(chrome, spec.PostQuantum, grease, random)),
        };
        if (!quic)
        {
            extensions.Add((0x000b, [0x01, 0x00]));
            extensions.Add((0x0017, []));
            extensions.Add((0xff01, [0x00]));
            extensions.Add((0x0023, []));
        }

        if (chrome)
        {
            extensions.Add((0x0005, [0x01, 0x00, 0x00, 0x00, 0x00]));
            extensions.Add((0x0012, []));
            extensions.Add((0x001b, [0x02, 0x00, 0x02])); // compress_certificate: brotli
            extensions.Add((0x44cd, ApplicationSettings(spec.Alpn[0])));
            if (spec.EchGrease)
            {
                extensions.Add((0xfe0d, EchGrease(random)));
            }
        }

        if (quic)
        {
            extensions.Add((0x0039, TransportParameters(spec.QuicSourceConnectionId!, random)));
        }

        if (chrome)
        {
            Shuffle(extensions, random);
        }

        var sni = extensions.FindIndex(e => e.Type == 0);
        var server = extensions[sni];
        extensions.RemoveAt(sni);
        switch (spec.Placement)
        {
            case SniPlacement.First:
                extensions.Insert(0, server);
                break;
            case SniPlacement.Last:
                extensions.Add(server);
                break;
            default:
                extensions.Insert(sni, server);
                break;
        }

        if (chrome)
        {
            extensions.Insert(0, (grease, []));
            extensions.Add((grease2 == grease ? (ushort)(grease ^ 0x1010) : grease2, [0x00]));
        }

        var w = new WireWriter(spec.PostQuantum ? 2048 : 768);
        w.U8(1);
        var handshake = w.BeginLength(3);
        w.U16(0x0303);
        w.Random(random, 32);
        if (quic)
        {
            w.U8(0);
        }
        else
        {
            w.U8(32);
            w.Random(random, 32);
        }

        var suites = w.BeginLength(2);
        if (chrome)
        {
            w.U16(Grease(random));
        }

        foreach (var suite in chrome
                     ? new ushort[] { 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035 }
                     : [0x1301, 0x1302, 0x1303, 0xc02c, 0xc02b, 0xcca9, 0xc030, 0xc02f, 0xcca8, 0xc00a, 0xc009, 0xc014, 0xc013])
        {
            if (quic && suite > 0x1303)
            {
                continue;
            }

            w.U16(suite);
        }

        w.EndLength(suites, 2);
        w.U8(1);
        w.U8(0);
        var extensionsStart = w.BeginLength(2);
        var sniOffset = -1;
        foreach (var (type, body) in extensions)
        {
            if (type == 0)
            {
                sniOffset = w.Length;
            }

            w.U16(type);
            w.U16(body.Length);
            w.Bytes(body);
        }

        // Padding extension (RFC 7685) as BoringSSL adds it, to lift short hellos past 512 bytes on TCP.
        if (!quic && chrome && w.Length + 4 < 512)
        {
            var pad = 512 - w.Length - 4;
            w.U16(0x0015);
            w.U16(pad);
            w.Zeros(pad);
        }

        w.EndLength(extensionsStart, 2);
        w.EndLength(handshake, 3);
        return (w.ToArray(), sniOffset);
    }

    /// <summary>TLSPlaintext records (RFC 8446 section 5.1): type 22, legacy version 0x0301, length, fragment.</summary>
    public static byte[] WrapInRecord(ReadOnlySpan<byte> handshake)
    {
        var w = new WireWriter(handshake.Length + 5);
        w.U8(22);
        w.U16(0x0301);
        w.U16(handshake.Length);
        w.Bytes(handshake);
        return w.ToArray();
    }

    /// <summary>RFC 8701 GREASE values 0x0A0A, 0x1A1A, ... 0xFAFA.</summary>
    private static ushort Grease(Random random)
    {
        var n = random.Next(16);
        return (ushort)((n << 12) | (n << 4) | 0x0a0a);
    }

    /// <summary>server_name (RFC 6066 section 3): list length, name_type 0, host_name&lt;1..2^16-1&gt;.</summary>
    private static byte[] ServerName(string name)
    {
        var w = new WireWriter(name.Length + 5);
        var list = w.BeginLength(2);
        w.U8(0);
        var host = w.BeginLength(2);
        w.Ascii(name);
        w.EndLength(host, 2);
        w.EndLength(list, 2);
        return w.ToArray();
    }

    private static byte[] SupportedGroups(bool chrome, bool pq, ushort grease)
    {
        var w = new WireWriter(16);
        var list = w.BeginLength(2);
        if (chrome)
        {
            w.U16(grease);
        }

        if (pq)
        {
            w.U16(X25519MlKem768);
        }

        w.U16(X25519);
        w.U16(0x0017);
        w.U16(0x0018);
        w.EndLength(list, 2);
        return w.ToArray();
    }

    private static byte[] SignatureAlgorithms()
    {
        var w = new WireWriter(24);
        var list = w.BeginLength(2);
        foreach (var scheme in new ushort[] { 0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601 })
        {
            w.U16(scheme);
        }

        w.EndLength(list, 2);
        return w.ToArray();
    }

    /// <summary>ALPN (RFC 7301): ProtocolNameList of length-prefixed names.</summary>
    private static byte[] Alpn(IReadOnlyList<string> protocols)
    {
        var w = new WireWriter(32);
        var list = w.BeginLength(2);
        foreach (var protocol in protocols)
        {
            w.U8(protocol.Length);
            w.Ascii(protocol);
        }

        w.EndLength(list, 2);
        return w.ToArray();
    }

    private static byte[] SupportedVersions(bool chrome, ushort grease, bool quic)
    {
        var w = new WireWriter(8);
        var list = w.BeginLength(1);
        if (chrome)
        {
            w.U16(grease);
        }

        w.U16(0x0304);
        if (!quic)
        {
            w.U16(0x0303);
        }

        w.EndLength(list, 1);
        return w.ToArray();
    }

    /// <summary>key_share (RFC 8446 section 4.2.8): client_shares of (group, key_exchange&lt;1..2^16-1&gt;).</summary>
    private static byte[] KeyShare(bool chrome, bool pq, ushort grease, Random random)
    {
        var w = new WireWriter(pq ? 1300 : 64);
        var list = w.BeginLength(2);
        if (chrome)
        {
            w.U16(grease);
            w.U16(1);
            w.U8(0);
        }

        if (pq)
        {
            w.U16(X25519MlKem768);
            w.U16(MlKemShareLength);
            w.Random(random, MlKemShareLength);
        }

        w.U16(X25519);
        w.U16(32);
        w.Random(random, 32);
        w.EndLength(list, 2);
        return w.ToArray();
    }

    private static byte[] ApplicationSettings(string alpn)
    {
        var w = new WireWriter(8);
        var list = w.BeginLength(2);
        w.U8(alpn.Length);
        w.Ascii(alpn);
        w.EndLength(list, 2);
        return w.ToArray();
    }

    /// <summary>
    /// ECH GREASE (draft-ietf-tls-esni section 6.2): outer ClientHello type 0, HPKE suite (KDF 1, AEAD 1), random
    /// config id, a 32-byte enc and a random payload, as Chrome sends when it has no ECH config.
    /// </summary>
    private static byte[] EchGrease(Random random)
    {
        var w = new WireWriter(256);
        w.U8(0);
        w.U16(0x0001);
        w.U16(0x0001);
        w.U8(random.Next(256));
        w.U16(32);
        w.Random(random, 32);
        var payload = 144 + (32 * random.Next(4));
        w.U16(payload);
        w.Random(random, payload);
        return w.ToArray();
    }

    /// <summary>quic_transport_parameters (RFC 9000 section 18): (id varint, length varint, value) entries.</summary>
    private static byte[] TransportParameters(byte[] sourceConnectionId, Random random)
    {
        var w = new WireWriter(96);
        void Parameter(long id, long value)
        {
            w.VarInt(id);
            var length = value < 64 ? 1 : value < 16384 ? 2 : value < 1 << 30 ? 4 : 8;
            w.VarInt(length);
            w.VarInt(value);
        }

        Parameter(0x01, 30000);        // max_idle_timeout
        Parameter(0x03, 1472);         // max_udp_payload_size
        Parameter(0x04, 15728640);     // initial_max_data
        Parameter(0x05, 6291456);      // initial_max_stream_data_bidi_local
        Parameter(0x06, 6291456);      // initial_max_stream_data_bidi_remote
        Parameter(0x07, 6291456);      // initial_max_stream_data_uni
        Parameter(0x08, 100);          // initial_max_streams_bidi
        Parameter(0x09, 103);          // initial_max_streams_uni
        w.VarInt(0x0f);                // initial_source_connection_id
        w.VarInt(sourceConnectionId.Length);
        w.Bytes(sourceConnectionId);
        w.VarInt(0x1b + (31L * random.Next(1, 1000))); // GREASE transport parameter id 31*N+27
        w.VarInt(0);
        return w.ToArray();
    }

    private static void Shuffle<T>(List<T> list, Random random)
    {
        for (var i = list.Count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (list[i], list[j]) = (list[j], list[i]);
        }
    }
}
