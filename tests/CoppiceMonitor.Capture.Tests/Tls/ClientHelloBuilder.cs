using System.Buffers.Binary;
using System.Text;

namespace CoppiceMonitor.Capture.Tests.Tls;

/// <summary>Builds ClientHello handshake messages and TLS records field by field (RFC 8446 4.1.2 layout).</summary>
internal sealed class ClientHelloBuilder
{
    public string? ServerName { get; init; } = "www.example.org";
    public IReadOnlyList<string> Alpn { get; init; } = ["h2", "http/1.1"];
    public IReadOnlyList<ushort>? SupportedVersions { get; init; } = [0x0a0a, 0x0304, 0x0303];
    public bool EncryptedClientHello { get; init; }
    public ushort LegacyVersion { get; init; } = 0x0303;

    /// <summary>Size of an opaque extension (like an X25519MLKEM768 key share) that makes the hello large.</summary>
    public int PaddingExtensionLength { get; init; }

    public byte[] BuildHandshake()
    {
        var extensions = new List<byte>();
        if (ServerName is not null)
        {
            var name = Encoding.ASCII.GetBytes(ServerName);
            var entry = Concat([0], U16(name.Length), name);
            AddExtension(extensions, 0x0000, Concat(U16(entry.Length), entry));
        }

        if (Alpn.Count > 0)
        {
            var list = Alpn.SelectMany(p => Concat([(byte)p.Length], Encoding.ASCII.GetBytes(p))).ToArray();
            AddExtension(extensions, 0x0010, Concat(U16(list.Length), list));
        }

        if (SupportedVersions is not null)
        {
            var list = SupportedVersions.SelectMany(v => U16(v)).ToArray();
            AddExtension(extensions, 0x002b, Concat([(byte)list.Length], list));
        }

        if (EncryptedClientHello)
        {
            AddExtension(extensions, 0xfe0d, [0, 0, 1, 0, 1, 0x42, 0, 0]);
        }

        if (PaddingExtensionLength > 0)
        {
            AddExtension(extensions, 0x0015, new byte[PaddingExtensionLength]);
        }

        var body = Concat(
            U16(LegacyVersion),
            Enumerable.Range(0, 32).Select(i => (byte)i).ToArray(),     // random
            [32], Enumerable.Repeat((byte)0xaa, 32).ToArray(),          // legacy_session_id
            U16(4), [0x13, 0x01, 0xc0, 0x2f],                           // cipher_suites
            [1, 0],                                                     // compression: null
            U16(extensions.Count), extensions.ToArray());
        return Concat([1, (byte)(body.Length >> 16), (byte)(body.Length >> 8), (byte)body.Length], body);
    }

    /// <summary>Wraps a handshake message in TLS records of at most <paramref name="maxFragment"/> bytes each.</summary>
    public static byte[] ToRecords(byte[] handshake, int maxFragment = 16384, ushort recordVersion = 0x0301)
    {
        var output = new List<byte>();
        for (var offset = 0; offset < handshake.Length; offset += maxFragment)
        {
            var length = Math.Min(maxFragment, handshake.Length - offset);
            output.Add(22);
            output.AddRange(U16(recordVersion));
            output.AddRange(U16(length));
            output.AddRange(handshake.AsSpan(offset, length).ToArray());
        }

        return output.ToArray();
    }

    private static void AddExtension(List<byte> extensions, ushort type, byte[] data)
    {
        extensions.AddRange(U16(type));
        extensions.AddRange(U16(data.Length));
        extensions.AddRange(data);
    }

    public static byte[] U16(int value)
    {
        var bytes = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, (ushort)value);
        return bytes;
    }

    public static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
}
