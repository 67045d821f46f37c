using System.Buffers.Binary;
using System.IO.Compression;

namespace CoppiceMonitor.Capture.Tests.Builders;

/// <summary>Writes pcap and pcapng files byte by byte (pcap-savefile(5); pcapng draft sections 4.1-4.4).</summary>
internal static class CaptureFileWriter
{
    /// <summary>Classic pcap: 24-byte header (magic, 2.4, zone, sigfigs, snaplen, link type), then 16-byte record headers.</summary>
    public static byte[] Pcap(IEnumerable<(DateTime Ts, byte[] Frame)> frames, LinkType linkType = LinkType.Ethernet, bool bigEndian = false, bool nanosecond = false)
    {
        var output = new List<byte>();
        output.AddRange(U32(nanosecond ? 0xa1b23c4d : 0xa1b2c3d4, bigEndian));
        output.AddRange(U16(2, bigEndian));
        output.AddRange(U16(4, bigEndian));
        output.AddRange(U32(0, bigEndian));
        output.AddRange(U32(0, bigEndian));
        output.AddRange(U32(262144, bigEndian));
        output.AddRange(U32((uint)linkType, bigEndian));
        foreach (var (ts, frame) in frames)
        {
            var ticks = ts.Ticks - DateTime.UnixEpoch.Ticks;
            output.AddRange(U32((uint)(ticks / TimeSpan.TicksPerSecond), bigEndian));
            var fraction = ticks % TimeSpan.TicksPerSecond;
            output.AddRange(U32((uint)(nanosecond ? fraction * 100 : fraction / 10), bigEndian));
            output.AddRange(U32((uint)frame.Length, bigEndian));
            output.AddRange(U32((uint)frame.Length, bigEndian));
            output.AddRange(frame);
        }

        return [.. output];
    }

    /// <summary>
    /// pcapng: one section header, one interface description per link type (with if_tsresol), then enhanced packet
    /// blocks (interface id, timestamp high/low, captured and original length, padded data), plus a custom block.
    /// </summary>
    public static byte[] Pcapng(IEnumerable<(DateTime Ts, int Interface, byte[] Frame)> frames, (LinkType Type, byte TsResol)[] interfaces, bool bigEndian = false)
    {
        var output = new List<byte>();
        Block(output, 0x0a0d0d0a, [.. U32(0x1a2b3c4d, bigEndian), .. U16(1, bigEndian), .. U16(0, bigEndian), .. U64(ulong.MaxValue, bigEndian)], bigEndian);
        foreach (var (type, resolution) in interfaces)
        {
            byte[] options = [.. U16(9, bigEndian), .. U16(1, bigEndian), resolution, 0, 0, 0, .. U16(0, bigEndian), .. U16(0, bigEndian)];
            Block(output, 1, [.. U16((ushort)type, bigEndian), 0, 0, .. U32(262144, bigEndian), .. options], bigEndian);
        }

        // An unknown (custom) block must be skipped.
        Block(output, 0x00000bad, [1, 2, 3, 4], bigEndian);
        foreach (var (ts, iface, frame) in frames)
        {
            var resolution = interfaces[iface].TsResol;
            var ticks = (ulong)(ts.Ticks - DateTime.UnixEpoch.Ticks);
            var units = resolution == 9 ? ticks * 100 : ticks / 10;
            var padded = frame.Concat(new byte[(4 - (frame.Length % 4)) % 4]).ToArray();
            Block(output, 6, [.. U32((uint)iface, bigEndian), .. U32((uint)(units >> 32), bigEndian), .. U32((uint)units, bigEndian),
                .. U32((uint)frame.Length, bigEndian), .. U32((uint)frame.Length, bigEndian), .. padded], bigEndian);
        }

        return [.. output];
    }

    public static byte[] Gzip(byte[] data)
    {
        using var memory = new MemoryStream();
        using (var gzip = new GZipStream(memory, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return memory.ToArray();
    }

    private static void Block(List<byte> output, uint type, byte[] body, bool bigEndian)
    {
        var length = (uint)(12 + body.Length);
        output.AddRange(U32(type, bigEndian));
        output.AddRange(U32(length, bigEndian));
        output.AddRange(body);
        output.AddRange(U32(length, bigEndian));
    }

    private static byte[] U16(ushort v, bool be)
    {
        var b = new byte[2];
        if (be)
        {
            BinaryPrimitives.WriteUInt16BigEndian(b, v);
        }
        else
        {
            BinaryPrimitives.WriteUInt16LittleEndian(b, v);
        }

        return b;
    }

    private static byte[] U32(uint v, bool be)
    {
        var b = new byte[4];
        if (be)
        {
            BinaryPrimitives.WriteUInt32BigEndian(b, v);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(b, v);
        }

        return b;
    }

    private static byte[] U64(ulong v, bool be)
    {
        var b = new byte[8];
        if (be)
        {
            BinaryPrimitives.WriteUInt64BigEndian(b, v);
        }
        else
        {
            BinaryPrimitives.WriteUInt64LittleEndian(b, v);
        }

        return b;
    }
}

/// <summary>Keeps every observation, for assertions.</summary>
internal sealed class CollectingSink : IObservationSink
{
    public List<Observation> Items { get; } = [];

    public void Write(in Observation observation) => Items.Add(observation);

    public IEnumerable<Observation> OfKind(ObservationKind kind) => Items.Where(o => o.Kind == kind);

    public IReadOnlySet<string> Names(ObservationKind kind) => OfKind(kind).Select(o => o.Name).OfType<string>().ToHashSet();
}
