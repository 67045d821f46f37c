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
        var bytes = files.Sum(f => new FileInfo(f).Length);
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

    private sealed class CollectingSink(bool collect, ObservationFormatter? formatter) : IObservationSink
    {
        private readonly SortedSet<string> _dns = new(StringComparer.Ordinal);
        private readonly SortedSet<string> _tls = new(StringComparer.Ordinal);
        private readonly SortedSet<string> _quic = new(StringComparer.Ordinal);
        private readonly SortedSet<string> _dhcp = new(StringComparer.Ordinal);

        public void Write(in Observation observation)
        {
            formatter?.Write(observation);
            if (!collect || observation.Name is null)
            {
                return;
            }

            var set = observation.Kind switch
            {
                ObservationKind.DnsQuery => _dns,
                ObservationKind.TlsClientHello => _tls,
                ObservationKind.QuicInitial => _quic,
                ObservationKind.DhcpLease => _dhcp,
                _ => null,
            };
            set?.Add(observation.Name);
        }

        public void WriteNames(string path)
        {
            using var stream = File.Create(path);
            using var json = new System.Text.Json.Utf8JsonWriter(stream, new System.Text.Json.JsonWriterOptions { Indented = true });
            json.WriteStartObject();
            Write(json, "dns_queries", _dns);
            Write(json, "tls_sni", _tls);
            Write(json, "quic_sni", _quic);
            Write(json, "dhcp_hostnames", _dhcp);
            json.WriteEndObject();
        }

        private static void Write(System.Text.Json.Utf8JsonWriter json, string name, SortedSet<string> values)
        {
            json.WriteStartArray(name);
            foreach (var v in values)
            {
                json.WriteStringValue(v);
            }

            json.WriteEndArray();
        }
    }
}
