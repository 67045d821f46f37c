using System.Diagnostics;
using System.Globalization;
using CoppiceMonitor.Capture;

namespace CoppiceMonitor.Benchmarks;

/// <summary>
/// `decode FILE... [--names OUT.json] [--jsonl]`: decodes capture files as `inspect --format summary` does and prints
/// packets/s, MB/s, observations and the peak working set. --names writes the sets of DNS query names, TLS SNIs,
/// QUIC SNIs and DHCP hostnames for checking against a truth file; --jsonl prints every observation.
/// </summary>
internal static class DecodeBenchmark
{
    public static int Run(string[] args)
    {
        var files = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal)).ToList();
        var namesIndex = Array.IndexOf(args, "--names");
        string? namesPath = namesIndex >= 0 && namesIndex + 1 < args.Length ? args[namesIndex + 1] : null;
        if (namesPath is not null)
        {
            files.Remove(namesPath);
        }

        if (files.Count == 0)
        {
            Console.Error.WriteLine("usage: decode FILE... [--names OUT.json] [--jsonl]");
            return 2;
        }

        using var formatter = args.Contains("--jsonl") ? new ObservationFormatter(Console.Out) : null;
        var sink = new CollectingSink(namesPath is not null, formatter);
        var bytes = files.Sum(f => new FileInfo(f).ResolveLinkTarget(returnFinalTarget: true) is FileInfo target ? target.Length : new FileInfo(f).Length);
        var stopwatch = Stopwatch.StartNew();
        var counters = CaptureFileDecoder.DecodeFiles(files, sink, new CaptureOptions(), ex => Console.Error.WriteLine(ex.Message));
        stopwatch.Stop();
        using var process = Process.GetCurrentProcess();
        var seconds = stopwatch.Elapsed.TotalSeconds;
        var inv = CultureInfo.InvariantCulture;
        Console.Error.WriteLine(string.Create(inv, $"files {files.Count}, {bytes / 1e6:F1} MB"));
        Console.Error.WriteLine(string.Create(inv, $"elapsed_seconds {seconds:F3}"));
        Console.Error.WriteLine(string.Create(inv, $"packets_per_second {counters.Packets / seconds:F0}"));
        Console.Error.WriteLine(string.Create(inv, $"mb_per_second {bytes / 1e6 / seconds:F1}"));
        Console.Error.WriteLine(string.Create(inv, $"peak_working_set_mb {process.PeakWorkingSet64 / 1048576.0:F1}"));
        counters.WriteSummary(Console.Error);
        if (namesPath is not null)
        {
            sink.WriteNames(namesPath);
        }

        return 0;
    }

    /// <summary>`read FILE...`: the file reader alone (no decoding), the floor for `decode`.</summary>
    public static int ReadOnly(string[] files)
    {
        var stopwatch = Stopwatch.StartNew();
        long frames = 0;
        long bytes = 0;
        foreach (var file in files)
        {
            using var reader = CaptureFileReader.Open(file);
            while (reader.TryReadNext(out _, out _, out var frame))
            {
                frames++;
                bytes += frame.Length;
            }
        }

        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"read {frames} frames, {bytes} bytes in {stopwatch.Elapsed.TotalSeconds:F3} s"));
        return 0;
    }

    /// <summary>Counts names per kind (a DNS query per query message, an SNI per connection) and DHCP per client MAC.</summary>
    private sealed class CollectingSink(bool collect, ObservationFormatter? formatter) : IObservationSink
    {
        private readonly SortedDictionary<string, int> _dns = new(StringComparer.Ordinal);
        private readonly SortedDictionary<string, int> _tls = new(StringComparer.Ordinal);
        private readonly SortedDictionary<string, int> _quic = new(StringComparer.Ordinal);
        private readonly SortedDictionary<string, DhcpClient> _dhcp = new(StringComparer.Ordinal);

        public void Write(in Observation observation)
        {
            formatter?.Write(observation);
            if (!collect)
            {
                return;
            }

            if (observation.Detail is DhcpDetail dhcp)
            {
                var mac = observation.ClientMac.ToString();
                if (!_dhcp.TryGetValue(mac, out var client))
                {
                    _dhcp[mac] = client = new DhcpClient();
                }

                client.Hostname = observation.Name ?? client.Hostname;
                if (dhcp.MessageType == DhcpMessageType.Ack)
                {
                    client.Assigned = dhcp.AssignedAddress?.ToString();
                }
                else if (dhcp.RequestedAddress is not null && dhcp.MessageType is DhcpMessageType.Discover or DhcpMessageType.Request)
                {
                    client.Requested.Add(dhcp.RequestedAddress.ToString());
                }

                return;
            }

            var counts = observation.Kind switch
            {
                ObservationKind.DnsQuery => _dns,
                ObservationKind.TlsClientHello => _tls,
                ObservationKind.QuicInitial => _quic,
                _ => null,
            };
            if (counts is not null && observation.Name is not null)
            {
                counts[observation.Name] = counts.GetValueOrDefault(observation.Name) + 1;
            }
        }

        public void WriteNames(string path)
        {
            using var stream = File.Create(path);
            using var json = new System.Text.Json.Utf8JsonWriter(stream, new System.Text.Json.JsonWriterOptions { Indented = true });
            json.WriteStartObject();
            Write(json, "dns_queries", _dns);
            Write(json, "tls_sni", _tls);
            Write(json, "quic_sni", _quic);
            json.WriteStartObject("dhcp");
            foreach (var (mac, client) in _dhcp)
            {
                json.WriteStartObject(mac);
                json.WriteString("hostname", client.Hostname);
                json.WriteString("assigned", client.Assigned);
                json.WriteStartArray("requested");
                foreach (var ip in client.Requested.Order(StringComparer.Ordinal))
                {
                    json.WriteStringValue(ip);
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        private static void Write(System.Text.Json.Utf8JsonWriter json, string name, SortedDictionary<string, int> counts)
        {
            json.WriteStartObject(name);
            foreach (var (key, count) in counts)
            {
                json.WriteNumber(key, count);
            }

            json.WriteEndObject();
        }

        private sealed class DhcpClient
        {
            public string? Hostname { get; set; }

            public string? Assigned { get; set; }

            public HashSet<string> Requested { get; } = new(StringComparer.Ordinal);
        }
    }
}
