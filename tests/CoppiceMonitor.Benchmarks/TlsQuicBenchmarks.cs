using System.Buffers.Binary;
using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using CoppiceMonitor.Capture;
using CoppiceMonitor.Capture.Quic;
using CoppiceMonitor.Capture.Tls;

namespace CoppiceMonitor.Benchmarks;

/// <summary>
/// Per-message cost of the TLS ClientHello parser and assembler and of QUIC Initial decryption.
/// Run with `CoppiceMonitor.Benchmarks tlsquic [BenchmarkDotNet args]` once Program.cs dispatches to <see cref="Run"/>.
/// </summary>
[MemoryDiagnoser]
public class TlsQuicBenchmarks
{
    /// <summary>RFC 9001 A.2: the 1200-byte protected client Initial for "example.com" (DCID 8394c8f03e515708).</summary>
    private const string Rfc9001ClientInitial =
        "c000000001088394c8f03e5157080000449e7b9aec34d1b1c98dd7689fb8ec11d242b123dc9bd8bab936b47d92ec356c0bab7df5976d27cd449f63300099f399" +
        "1c260ec4c60d17b31f8429157bb35a1282a643a8d2262cad67500cadb8e7378c8eb7539ec4d4905fed1bee1fc8aafba17c750e2c7ace01e6005f80fcb7df6212" +
        "30c83711b39343fa028cea7f7fb5ff89eac2308249a02252155e2347b63d58c5457afd84d05dfffdb20392844ae812154682e9cf012f9021a6f0be17ddd0c208" +
        "4dce25ff9b06cde535d0f920a2db1bf362c23e596d11a4f5a6cf3948838a3aec4e15daf8500a6ef69ec4e3feb6b1d98e610ac8b7ec3faf6ad760b7bad1db4ba3" +
        "485e8a94dc250ae3fdb41ed15fb6a8e5eba0fc3dd60bc8e30c5c4287e53805db059ae0648db2f64264ed5e39be2e20d82df566da8dd5998ccabdae053060ae6c" +
        "7b4378e846d29f37ed7b4ea9ec5d82e7961b7f25a9323851f681d582363aa5f89937f5a67258bf63ad6f1a0b1d96dbd4faddfcefc5266ba6611722395c906556" +
        "be52afe3f565636ad1b17d508b73d8743eeb524be22b3dcbc2c7468d54119c7468449a13d8e3b95811a198f3491de3e7fe942b330407abf82a4ed7c1b311663a" +
        "c69890f4157015853d91e923037c227a33cdd5ec281ca3f79c44546b9d90ca00f064c99e3dd97911d39fe9c5d0b23a229a234cb36186c4819e8b9c5927726632" +
        "291d6a418211cc2962e20fe47feb3edf330f2c603a9d48c0fcb5699dbfe5896425c5bac4aee82e57a85aaf4e2513e4f05796b07ba2ee47d80506f8d2c25e50fd" +
        "14de71e6c418559302f939b0e1abd576f279c4b2e0feb85c1f28ff18f58891ffef132eef2fa09346aee33c28eb130ff28f5b766953334113211996d20011a198" +
        "e3fc433f9f2541010ae17c1bf202580f6047472fb36857fe843b19f5984009ddc324044e847a4f4a0ab34f719595de37252d6235365e9b84392b061085349d73" +
        "203a4a13e96f5432ec0fd4a1ee65accdd5e3904df54c1da510b0ff20dcc0c77fcb2c0e0eb605cb0504db87632cf3d8b4dae6e705769d1de354270123cb11450e" +
        "fc60ac47683d7b8d0f811365565fd98c4c8eb936bcab8d069fc33bd801b03adea2e1fbc5aa463d08ca19896d2bf59a071b851e6c239052172f296bfb5e724047" +
        "90a2181014f3b94a4e97d117b438130368cc39dbb2d198065ae3986547926cd2162f40a29f0c3c8745c0f50fba3852e566d44575c29d39a03f0cda721984b6f4" +
        "40591f355e12d439ff150aab7613499dbd49adabc8676eef023b15b65bfc5ca06948109f23f350db82123535eb8a7433bdabcb909271a6ecbcb58b936a88cd4e" +
        "8f2e6ff5800175f113253d8fa9ca8885c2f552e657dc603f252e1a8e308f76f0be79e2fb8f5d5fbbe2e30ecadd220723c8c0aea8078cdfcb3868263ff8f09400" +
        "54da48781893a7e49ad5aff4af300cd804a6b6279ab3ff3afb64491c85194aab760d58a606654f9f4400e8b38591356fbf6425aca26dc85244259ff2b19c41b9" +
        "f96f3ca9ec1dde434da7d2d392b905ddf3d1f9af93d1af5950bd493f5aa731b4056df31bd267b6b90a079831aaf579be0a39013137aac6d404f518cfd4684064" +
        "7e78bfe706ca4cf5e9c5453e9f7cfd2b8b4c8d169a44e55c88d4a9a7f9474241e221af44860018ab0856972e194cd934";

    private static readonly byte[] Salt = Convert.FromHexString("38762cf7f55934b34d179ae6a4c80cadccbb7f0a");
    private static readonly DateTime Timestamp = new(2026, 11, 25, 9, 0, 0, DateTimeKind.Utc);

    private readonly byte[] _quicInitial = Convert.FromHexString(Rfc9001ClientInitial);
    private readonly byte[] _dcid = Convert.FromHexString("8394c8f03e515708");
    private readonly QuicInitialTracker _tracker = new();
    private readonly TlsClientHelloAssembler _assembler = new();
    private byte[] _records = [];
    private ulong _flowKey;

    public static int Run(string[] args)
    {
        BenchmarkRunner.Run<TlsQuicBenchmarks>(args: args);
        return 0;
    }

    [GlobalSetup]
    public void Setup() => _records = BuildPostQuantumSizedHelloRecords();

    /// <summary>A ~1.8 KB Chrome-like ClientHello (X25519MLKEM768-sized key share) in one record.</summary>
    [Benchmark]
    public ParseStatus TlsParseRecords()
    {
        return TlsClientHelloParser.TryParseRecords(_records, out _);
    }

    /// <summary>The same hello in 3 TCP segments delivered 3rd, 1st, 2nd, then the assembler reset for reuse.</summary>
    [Benchmark]
    public ParseStatus TlsAssembleThreeSegmentsOutOfOrder()
    {
        _assembler.Reset();
        _assembler.Add(999, true, default, out _);
        _assembler.Add(1000 + 1400, false, _records.AsSpan(1400), out _);
        _assembler.Add(1000, false, _records.AsSpan(0, 700), out _);
        return _assembler.Add(1000 + 700, false, _records.AsSpan(700, 700), out _);
    }

    /// <summary>A new flow each call, DCID keys already cached: header protection, AES-GCM, frames, ClientHello.</summary>
    [Benchmark]
    public ParseStatus QuicDecryptInitialCachedKeys()
    {
        return _tracker.TryProcess(_quicInitial, ++_flowKey, Timestamp, out _, out _);
    }

    /// <summary>Key derivation for a DCID not seen before (HKDF-Extract, four HKDF-Expand-Label, AES key set-up).</summary>
    [Benchmark]
    public int QuicDeriveInitialKeys()
    {
        using var keys = QuicInitialKeys.Derive(Salt, _dcid, isV2: false);
        return keys.GetHashCode();
    }

    private static byte[] BuildPostQuantumSizedHelloRecords()
    {
        var extensions = new List<byte>();
        void Add(ushort type, byte[] data)
        {
            extensions.AddRange([(byte)(type >> 8), (byte)type, (byte)(data.Length >> 8), (byte)data.Length]);
            extensions.AddRange(data);
        }

        var name = Encoding.ASCII.GetBytes("www.instagram.com");
        Add(0x0000, [0, (byte)(name.Length + 3), 0, 0, (byte)name.Length, .. name]);
        Add(0x0010, [0, 12, 2, (byte)'h', (byte)'2', 8, .. "http/1.1"u8.ToArray()]);
        Add(0x002b, [6, 0x3a, 0x3a, 3, 4, 3, 3]);
        Add(0xfe0d, new byte[186]);
        Add(0x0033, new byte[1258]);
        var body = new List<byte> { 3, 3 };
        body.AddRange(new byte[32]);
        body.Add(32);
        body.AddRange(new byte[32]);
        body.AddRange([0, 32, .. new byte[32]]);
        body.AddRange([1, 0, (byte)(extensions.Count >> 8), (byte)extensions.Count]);
        body.AddRange(extensions);
        var handshake = new byte[4 + body.Count];
        handshake[0] = 1;
        handshake[1] = (byte)(body.Count >> 16);
        BinaryPrimitives.WriteUInt16BigEndian(handshake.AsSpan(2), (ushort)body.Count);
        body.CopyTo(handshake, 4);
        var record = new byte[5 + handshake.Length];
        record[0] = 22;
        record[1] = 3;
        record[2] = 1;
        BinaryPrimitives.WriteUInt16BigEndian(record.AsSpan(3), (ushort)handshake.Length);
        handshake.CopyTo(record, 5);
        return record;
    }
}
