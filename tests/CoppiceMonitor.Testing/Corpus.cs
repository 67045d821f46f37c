using System.Text.Json;
using Xunit;

namespace CoppiceMonitor.Testing;

/// <summary>One DHCP client entry of a corpus JSON: chaddr, option 12 and requested IP (or ciaddr).</summary>
public sealed record CorpusDhcpEntry(string Mac, string? Hostname, string? Ip);

/// <summary>A pcap of the shared corpus with the values tshark extracted from it (the JSON beside it).</summary>
public sealed record CorpusCapture(string FileName, string PcapPath, JsonElement Expected)
{
    public IReadOnlySet<string> DnsQueries => Strings("dns_queries");

    public IReadOnlySet<string> TlsSni => Strings("tls_sni");

    /// <summary>IETF QUIC and Google QUIC SNIs together (the monitor reports both as quic-sni).</summary>
    public IReadOnlySet<string> QuicSni => new HashSet<string>(Strings("quic_sni").Concat(Strings("gquic_sni")), StringComparer.Ordinal);

    public IReadOnlySet<CorpusDhcpEntry> Dhcp
    {
        get
        {
            var set = new HashSet<CorpusDhcpEntry>();
            if (Expected.TryGetProperty("dhcp", out var list) && list.ValueKind == JsonValueKind.Array)
            {
                foreach (var e in list.EnumerateArray())
                {
                    set.Add(new CorpusDhcpEntry(
                        e.GetProperty("mac").GetString() ?? string.Empty,
                        e.TryGetProperty("hostname", out var h) ? h.GetString() : null,
                        e.TryGetProperty("ip", out var ip) ? ip.GetString() : null));
                }
            }

            return set;
        }
    }

    public string Notes => Expected.TryGetProperty("notes", out var n) ? n.GetString() ?? string.Empty : string.Empty;

    public override string ToString() => FileName;

    private HashSet<string> Strings(string property)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        if (Expected.TryGetProperty(property, out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var e in list.EnumerateArray())
            {
                if (e.GetString() is { } s)
                {
                    set.Add(s);
                }
            }
        }

        return set;
    }
}

/// <summary>
/// Finds the shared test data (../shared beside the repository in CI; never copied into the repository).
/// COPPICE_SHARED, when set, names the shared folder; otherwise every ancestor of the test binaries is searched
/// for a child folder "shared" holding "corpus" (for a clone at X/repo that is X/shared).
/// </summary>
public static class Corpus
{
    public const string MissingMessage =
        "shared test data not found: set COPPICE_SHARED or place the 'shared' folder (with corpus/) beside the repository";

    private static readonly Lazy<string?> SharedFolder = new(FindShared);

    public static string? SharedDirectory => SharedFolder.Value;

    public static string? CorpusDirectory => SharedDirectory is { } s ? Path.Combine(s, "corpus") : null;

    public static string? BenchDirectory => SharedDirectory is { } s ? Path.Combine(s, "bench") : null;

    public static bool IsAvailable => CorpusDirectory is not null;

    /// <summary>Ends the calling [SkippableFact]/[SkippableTheory] as skipped, with the reason, when the corpus is absent.</summary>
    public static void SkipIfAbsent() => Skip.IfNot(IsAvailable, MissingMessage);

    /// <summary>Every pcap/pcapng in the corpus that has its JSON beside it, sorted by name.</summary>
    public static IReadOnlyList<CorpusCapture> Captures()
    {
        if (CorpusDirectory is not { } dir)
        {
            return [];
        }

        var list = new List<CorpusCapture>();
        foreach (var path in Directory.EnumerateFiles(dir).Order(StringComparer.Ordinal))
        {
            if (path.EndsWith(".json", StringComparison.Ordinal) || !File.Exists(path + ".json"))
            {
                continue;
            }

            using var doc = JsonDocument.Parse(File.ReadAllBytes(path + ".json"));
            list.Add(new CorpusCapture(Path.GetFileName(path), path, doc.RootElement.Clone()));
        }

        return list;
    }

    /// <summary>The corpus pcap of that file name, or null when the corpus is absent.</summary>
    public static CorpusCapture? Find(string fileName) => Captures().FirstOrDefault(c => c.FileName == fileName);

    private static string? FindShared()
    {
        if (Environment.GetEnvironmentVariable("COPPICE_SHARED") is { Length: > 0 } env)
        {
            return Directory.Exists(Path.Combine(env, "corpus")) ? Path.GetFullPath(env) : null;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared");
            if (Directory.Exists(Path.Combine(candidate, "corpus")))
            {
                return candidate;
            }
        }

        return null;
    }
}
