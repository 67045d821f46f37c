using System.Buffers.Binary;
using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using CoppiceMonitor.Capture;
using CoppiceMonitor.Capture.Quic;
using CoppiceMonitor.Capture.Tls;
using CoppiceMonitor.Testing;

namespace CoppiceMonitor.Benchmarks;

/// <summary>
/// Per-message cost of the TLS ClientHello parser and assembler and of QUIC Initial decryption.
/// Run with `CoppiceMonitor.Benchmarks tlsquic [BenchmarkDotNet args]` once Program.cs dispatches to <see cref="Run"/>.
/// </summary>
[MemoryDiagnoser]
public class TlsQuicBenchmarks
{
    private static readonly byte[] Salt = QuicRfcVectors.Hex(QuicRfcVectors.SaltV1);
    private static readonly DateTime Timestamp = new(2026, 11, 25, 9, 0, 0, DateTimeKind.Utc);

    /// <summary>RFC 9001 A.2: the 1200-byte protected client Initial for "example.com".</summary>
    private readonly byte[] _quicInitial = QuicRfcVectors.Hex(QuicRfcVectors.Rfc9001ClientInitial);
    private readonly byte[] _dcid = QuicRfcVectors.Hex(QuicRfcVectors.DestinationConnectionId);
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
