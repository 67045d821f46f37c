using System.Buffers.Binary;
using System.Security.Cryptography;
using CoppiceMonitor.Capture;

namespace CoppiceMonitor.Fuzz;

/// <summary>
/// Makes a seed folder per target from real inputs: capture files (the shared corpus, a simulated day) and registry
/// CSV files. Payloads are cut out of Ethernet/IPv4/IPv6 frames by port, so each protocol target starts from real
/// messages. Seeds stay small (AFL++ slows down on large ones) and are de-duplicated by content.
/// </summary>
public static class SeedExtractor
{
    private const int MaxSeedsPerTarget = 40;
    private const int MaxCaptureFileBytes = 64 * 1024;
    private const int MaxFramesBytes = 8 * 1024;

    public static int Run(string outputFolder, IEnumerable<string> inputs)
    {
        var seeds = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var target in FuzzTargets.All.Keys)
        {
            Directory.CreateDirectory(Path.Combine(outputFolder, target));
            seeds[target] = new HashSet<string>(StringComparer.Ordinal);
        }

        void Add(string target, ReadOnlySpan<byte> bytes)
        {
            if (bytes.IsEmpty || seeds[target].Count >= MaxSeedsPerTarget)
            {
                return;
            }

            var name = Convert.ToHexStringLower(SHA256.HashData(bytes))[..16];
            if (seeds[target].Add(name))
            {
                File.WriteAllBytes(Path.Combine(outputFolder, target, name), bytes.ToArray());
            }
        }

        foreach (var path in inputs)
        {
            var bytes = File.ReadAllBytes(path);
            if (path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
            {
                Add(Path.GetFileName(path).Contains("device", StringComparison.OrdinalIgnoreCase) ? "registry-devices" : "registry-staff", bytes);
                continue;
            }

            if (bytes.Length <= MaxCaptureFileBytes)
            {
                Add("capture-file", bytes);
            }

            ExtractFrames(path, bytes, Add);
        }

        foreach (var (target, names) in seeds)
        {
            if (names.Count == 0)
            {
                // afl-fuzz refuses an empty input folder.
                File.WriteAllBytes(Path.Combine(outputFolder, target, "empty-seed"), [0]);
            }

            Console.WriteLine($"{target}: {Math.Max(1, names.Count)} seeds");
        }

        return 0;
    }

    private delegate void AddSeed(string target, ReadOnlySpan<byte> bytes);

    private static void ExtractFrames(string path, byte[] file, AddSeed add)
    {
        using var frames = new MemoryStream();
        try
        {
            using var reader = new CaptureFileReader(new MemoryStream(file, writable: false), Path.GetFileName(path));
            while (reader.TryReadNext(out _, out var linkType, out var frame))
            {
                if (frames.Length + frame.Length + 3 <= MaxFramesBytes)
                {
                    frames.WriteByte((byte)Array.IndexOf(Enum.GetValues<LinkType>(), linkType));
                    var length = Math.Min(frame.Length, ushort.MaxValue);
                    frames.WriteByte((byte)(length >> 8));
                    frames.WriteByte((byte)length);
                    frames.Write(frame[..Math.Min(frame.Length, ushort.MaxValue)]);
                }

                if (linkType == LinkType.Ethernet)
                {
                    ClassifyPayload(frame, add);
                }
            }
        }
        catch (CaptureFileFormatException)
        {
            // A corpus file that is broken on purpose still seeds capture-file; it has no frames to cut.
        }

        add("frames", frames.ToArray());
    }

    private static void ClassifyPayload(ReadOnlySpan<byte> frame, AddSeed add)
    {
        if (frame.Length < 14)
        {
            return;
        }

        var etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[12..]);
        var ip = frame[14..];
        if (etherType == 0x8100 && ip.Length >= 4)
        {
            etherType = BinaryPrimitives.ReadUInt16BigEndian(ip[2..]);
            ip = ip[4..];
        }

        int protocol;
        ReadOnlySpan<byte> transport;
        if (etherType == 0x0800 && ip.Length >= 20)
        {
            var headerLength = (ip[0] & 0x0F) * 4;
            if (headerLength < 20 || ip.Length < headerLength)
            {
                return;
            }

            protocol = ip[9];
            transport = ip[headerLength..];
        }
        else if (etherType == 0x86DD && ip.Length >= 40)
        {
            protocol = ip[6];
            transport = ip[40..];
        }
        else
        {
            return;
        }

        if (protocol == 17 && transport.Length >= 8)
        {
            var source = BinaryPrimitives.ReadUInt16BigEndian(transport);
            var destination = BinaryPrimitives.ReadUInt16BigEndian(transport[2..]);
            var payload = transport[8..];
            if (source == 53 || destination == 53)
            {
                add("dns", payload);
            }
            else if (source is 67 or 68 || destination is 67 or 68)
            {
                add("dhcp", payload);
            }
            else if ((destination == 443 || source == 443) && payload.Length > 0 && (payload[0] & 0x80) != 0)
            {
                add("quic", payload);
            }
        }
        else if (protocol == 6 && transport.Length >= 20)
        {
            var destination = BinaryPrimitives.ReadUInt16BigEndian(transport[2..]);
            var payload = transport[((transport[12] >> 4) * 4)..];
            if (payload.IsEmpty)
            {
                return;
            }

            if (destination == 443 && payload[0] == 0x16)
            {
                add("tls", payload);
                add("tls-records", payload);
            }
            else if (destination == 80)
            {
                add("http", payload);
            }
            else if (destination == 53)
            {
                add("dns-tcp", payload);
            }
        }
    }
}
