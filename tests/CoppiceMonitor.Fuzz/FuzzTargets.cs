using System.Buffers.Binary;
using CoppiceMonitor.Capture;
using CoppiceMonitor.Capture.Tls;
using CoppiceMonitor.Visits;

namespace CoppiceMonitor.Fuzz;

/// <summary>
/// One entry point per parser. Each takes arbitrary bytes and must return normally: the only exceptions a target may
/// let through are the documented "clear error" types, which it catches here. Anything else escaping is a crash.
/// </summary>
public static class FuzzTargets
{
    private static readonly DateTime Start = new(2026, 9, 9, 8, 0, 0, DateTimeKind.Utc);

    private static readonly LinkType[] LinkTypes = Enum.GetValues<LinkType>();

    public static readonly IReadOnlyDictionary<string, Action<byte[]>> All = new Dictionary<string, Action<byte[]>>(StringComparer.Ordinal)
    {
        ["capture-file"] = CaptureFile,
        ["frames"] = Frames,
        ["dns"] = input => DecodeOne(FrameBuilder.Udp(input, sourcePort: 53, destinationPort: 40000)),
        ["dhcp"] = input => DecodeOne(FrameBuilder.Udp(input, sourcePort: 68, destinationPort: 67)),
        ["quic"] = input => DecodeOne(FrameBuilder.Udp(input, sourcePort: 50000, destinationPort: 443)),
        ["http"] = input => DecodeTcpSegments(input, destinationPort: 80),
        ["tls"] = input => DecodeTcpSegments(input, destinationPort: 443),
        ["dns-tcp"] = input => DecodeTcpSegments(input, destinationPort: 53),
        ["tls-records"] = input => TlsClientHelloParser.TryParseRecords(input, out _),
        ["registry-staff"] = RegistryStaff,
        ["registry-devices"] = RegistryDevices,
    };

    /// <summary>A whole capture file (pcap, pcapng or gzip) read and decoded; a format error is the documented outcome.</summary>
    private static void CaptureFile(byte[] input)
    {
        var decoder = NewDecoder();
        try
        {
            using var reader = new CaptureFileReader(new MemoryStream(input, writable: false), "fuzz");
            while (reader.TryReadNext(out var timestamp, out var linkType, out var frame))
            {
                decoder.Decode(timestamp, linkType, frame);
            }
        }
        catch (CaptureFileFormatException)
        {
            // The reader's one clear error for a broken file.
        }

        decoder.Complete();
    }

    /// <summary>A run of frames, each [link type selector][u16 length][bytes], so reassembly across frames is reached.</summary>
    private static void Frames(byte[] input)
    {
        var decoder = NewDecoder();
        var span = input.AsSpan();
        var time = Start;
        while (span.Length >= 3)
        {
            var linkType = LinkTypes[span[0] % LinkTypes.Length];
            var length = Math.Min(BinaryPrimitives.ReadUInt16BigEndian(span[1..]), span.Length - 3);
            decoder.Decode(time, linkType, span.Slice(3, length));
            span = span[(3 + length)..];
            time = time.AddMilliseconds(10);
        }

        decoder.Expire(time.AddHours(1));
        decoder.Complete();
    }

    private static void DecodeOne(byte[] frame)
    {
        var decoder = NewDecoder();
        decoder.Decode(Start, LinkType.Ethernet, frame);
        decoder.Complete();
    }

    /// <summary>The input cut into up to four TCP segments of one connection, so stream reassembly is exercised.</summary>
    private static void DecodeTcpSegments(byte[] input, ushort destinationPort)
    {
        var decoder = NewDecoder();
        var cuts = input.Length == 0 ? 0 : Math.Min(4, 1 + (input[0] & 3));
        var size = cuts == 0 ? 0 : (input.Length + cuts - 1) / cuts;
        uint sequence = 1000;
        var time = Start;
        for (var offset = 0; offset < input.Length; offset += size)
        {
            var segment = input.AsSpan(offset, Math.Min(size, input.Length - offset));
            decoder.Decode(time, LinkType.Ethernet, FrameBuilder.Tcp(segment, 50000, destinationPort, sequence));
            sequence += (uint)segment.Length;
            time = time.AddMilliseconds(5);
        }

        decoder.Complete();
    }

    private static void RegistryStaff(byte[] input)
    {
        using var text = new StreamReader(new MemoryStream(input, writable: false));
        RegistryCsvReader.ReadStaff(text);
    }

    private static void RegistryDevices(byte[] input)
    {
        using var text = new StreamReader(new MemoryStream(input, writable: false));
        RegistryCsvReader.ReadDevices(text);
    }

    private static PacketDecoder NewDecoder() => new(NullSink.Instance, new CaptureOptions());

    private sealed class NullSink : IObservationSink
    {
        public static readonly NullSink Instance = new();

        public void Write(in Observation observation)
        {
        }
    }
}
