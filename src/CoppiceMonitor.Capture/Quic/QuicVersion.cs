using System.Globalization;

namespace CoppiceMonitor.Capture.Quic;

internal enum QuicVersionFamily : byte
{
    Unknown,
    /// <summary>RFC 9000 long header, TLS ClientHello in CRYPTO frames (v1, v2, drafts 22-34, mvfst).</summary>
    Ietf,
    /// <summary>Google T050 and T051: IETF-style Initial protection, TLS in gQUIC-numbered CRYPTO frames (type 0x08).</summary>
    GoogleTls,
    /// <summary>Google Q050: IETF-style Initial protection, gQUIC CHLO in gQUIC-numbered CRYPTO frames (type 0x08).</summary>
    GoogleCryptoChlo,
    /// <summary>Google Q024-Q046: unencrypted CHLO in a STREAM frame on stream 1.</summary>
    GooglePlainChlo,
}

/// <summary>What the tracker needs to know about one QUIC version: framing, initial salt, label prefix, name.</summary>
internal sealed class QuicVersion
{
    /// <summary>RFC 9001 5.2.</summary>
    private static readonly byte[] SaltV1 = Convert.FromHexString("38762cf7f55934b34d179ae6a4c80cadccbb7f0a");

    /// <summary>RFC 9369 3.3.1.</summary>
    private static readonly byte[] SaltV2 = Convert.FromHexString("0dede3def700a6db819381be6e269dcbf9bd2ed9");

    /// <summary>draft-ietf-quic-tls-29 to -32.</summary>
    private static readonly byte[] SaltDraft29 = Convert.FromHexString("afbfec289993d24c9e9786f19c6111e04390a899");

    /// <summary>draft-ietf-quic-tls-23 to -28 (mvfst's draft-27 based versions use it too).</summary>
    private static readonly byte[] SaltDraft23 = Convert.FromHexString("c3eef712c72ebb5a11a7d2432bb46365bef9f502");

    /// <summary>draft-ietf-quic-tls-21 and -22 (mvfst 0xfaceb001).</summary>
    private static readonly byte[] SaltDraft22 = Convert.FromHexString("7fbcdb0e7c66bbe9193a96cd21519ebd7a02644a");

    /// <summary>Chromium's deployed-version salts (quic_crypto_utils InitialSaltForVersion).</summary>
    private static readonly byte[] SaltQ050 = Convert.FromHexString("504574efd066fe2f9d945cfcdbd3a7f0d3b56b45");
    private static readonly byte[] SaltT050 = Convert.FromHexString("7ff579e5acd072915580304c43a2367c60488310");
    private static readonly byte[] SaltT051 = Convert.FromHexString("7a4edef4e7ccee5fa4506c19124fc8ccda6e033d");

    private static readonly Dictionary<uint, QuicVersion> Known = Build();

    private QuicVersion(uint value, QuicVersionFamily family, string name, byte[]? salt, bool isV2)
    {
        Value = value;
        Family = family;
        Name = name;
        Salt = salt;
        IsV2 = isV2;
    }

    public uint Value { get; }

    public QuicVersionFamily Family { get; }

    /// <summary>"v1", "v2", "draft-29", "mvfst-0xfaceb001", "T050", "Q046", ... (the corpus JSON's names).</summary>
    public string Name { get; }

    /// <summary>Initial salt; null for the unencrypted gQUIC versions.</summary>
    public byte[]? Salt { get; }

    /// <summary>RFC 9369: "quicv2 " key labels and the rotated long-header packet types.</summary>
    public bool IsV2 { get; }

    public bool IsEncrypted => Salt is not null;

    /// <summary>RFC 9000 17.2 / RFC 9369 3.2: the Long Packet Type bits of an Initial for this version.</summary>
    public int InitialPacketType => IsV2 ? 1 : 0;

    public int RetryPacketType => IsV2 ? 0 : 3;

    /// <summary>
    /// A reserved version (RFC 9000 15: 0x?a?a?a?a), sent by clients to provoke version negotiation; the Initial
    /// still carries a real ClientHello protected as one of <see cref="Candidates"/> (Wireshark tries the same).
    /// </summary>
    public static readonly QuicVersion Reserved = new(0x0a0a0a0a, QuicVersionFamily.Ietf, "reserved", salt: null, isV2: false);

    /// <summary>Versions whose Initial protection a reserved-version Initial is tried with, most likely first.</summary>
    public static readonly QuicVersion[] ReservedCandidates = [Known[0x00000001], Known[0x6b3343cf], Known[0xff00001d]];

    public bool IsReserved => ReferenceEquals(this, Reserved);

    public static QuicVersion? Find(uint value) =>
        Known.GetValueOrDefault(value) ?? ((value & 0x0f0f0f0f) == 0x0a0a0a0a ? Reserved : null);

    private static Dictionary<uint, QuicVersion> Build()
    {
        var versions = new Dictionary<uint, QuicVersion>
        {
            [0x00000001] = new(0x00000001, QuicVersionFamily.Ietf, "v1", SaltV1, isV2: false),
            [0x6b3343cf] = new(0x6b3343cf, QuicVersionFamily.Ietf, "v2", SaltV2, isV2: true),
            [0xfaceb001] = new(0xfaceb001, QuicVersionFamily.Ietf, "mvfst-0xfaceb001", SaltDraft22, isV2: false),
            [0xfaceb002] = new(0xfaceb002, QuicVersionFamily.Ietf, "mvfst-0xfaceb002", SaltDraft23, isV2: false),
            [0xfaceb00e] = new(0xfaceb00e, QuicVersionFamily.Ietf, "mvfst-0xfaceb00e", SaltDraft23, isV2: false),
            [0x51303530] = new(0x51303530, QuicVersionFamily.GoogleCryptoChlo, "Q050", SaltQ050, isV2: false),
            [0x54303530] = new(0x54303530, QuicVersionFamily.GoogleTls, "T050", SaltT050, isV2: false),
            // T051 keeps T050's gQUIC frame numbering (Chromium's QuicVersionUsesCryptoFrames with gQUIC frame types).
            [0x54303531] = new(0x54303531, QuicVersionFamily.GoogleTls, "T051", SaltT051, isV2: false),
        };

        // IETF drafts with the RFC 9000 long header (separate CID lengths arrived in draft-22).
        for (var draft = 22; draft <= 34; draft++)
        {
            var salt = draft switch
            {
                22 => SaltDraft22,
                <= 28 => SaltDraft23,
                <= 32 => SaltDraft29,
                _ => SaltV1,
            };
            var value = 0xff000000u | (uint)draft;
            versions[value] = new(value, QuicVersionFamily.Ietf, "draft-" + draft.ToString(CultureInfo.InvariantCulture), salt, isV2: false);
        }

        // Google QUIC with the CHLO in the clear: Q024..Q046 ("Q0" then two ASCII digits).
        for (var number = 24; number <= 46; number++)
        {
            var name = "Q0" + number.ToString(CultureInfo.InvariantCulture);
            var value = 0x51300000u | ((uint)name[2] << 8) | name[3];
            versions[value] = new(value, QuicVersionFamily.GooglePlainChlo, name, salt: null, isV2: false);
        }

        return versions;
    }
}
