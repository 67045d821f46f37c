using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using CoppiceMonitor.Capture.Tests.Builders;
using CoppiceMonitor.Testing;
using Xunit.Abstractions;

namespace CoppiceMonitor.Capture.Tests;

/// <summary>
/// Every pcap of ../shared/corpus against the tshark-derived JSON beside it: DNS query names, TLS SNIs, QUIC SNIs
/// (IETF and Google QUIC) and DHCP (mac, hostname, ip) entries must be equal as sets, except for the differences
/// listed in <see cref="KnownDifferences"/>, each with the reason and which side is right. A listed difference that
/// no longer occurs fails the test too, so the table cannot go stale.
/// </summary>
public sealed partial class CorpusTests(ITestOutputHelper output)
{
    /// <summary>Per file and field: names tshark reports that we do not (Missing) and names only we report (Extra).</summary>
    private static readonly Dictionary<(string File, string Field), (string[] Missing, string[] Extra, string Reason)> KnownDifferences = new()
    {
        [("fuzz-2006-06-26-2594.pcap", "dhcp")] = (
            ["00:e0:ed:01:6e:bd|d002465|192.168.1.2"],
            ["df:e0:ed:01:6e:bd|d002465|192.168.1.2"],
            "We are right: the (fuzzed) BOOTREQUEST's chaddr is df:e0:ed:01:6e:bd, as `tshark -V` shows. The JSON took the " +
            "last occurrence of the field dhcp.hw.mac_addr, which in this packet is option 61's client-identifier MAC " +
            "(00:e0:ed:01:6e:bd), not chaddr; the JSON schema itself defines mac as chaddr."),
    };

    public static TheoryData<string> CorpusFiles()
    {
        var data = new TheoryData<string>();
        var captures = Corpus.Captures();
        if (captures.Count == 0)
        {
            // Keeps the theory non-empty; the test body skips with the reason.
            data.Add(string.Empty);
        }

        foreach (var capture in captures)
        {
            data.Add(capture.FileName);
        }

        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(CorpusFiles))]
    public void Decode_CorpusPcap_MatchesTsharkExpectedNames(string fileName)
    {
        Corpus.SkipIfAbsent();

        var capture = Corpus.Find(fileName)!;
        var sink = new CollectingSink();
        var errors = new List<string>();
        CaptureFileDecoder.DecodeFiles([capture.PcapPath], sink, new CaptureOptions(), ex => errors.Add(ex.Message));
        Assert.Empty(errors);

        var problems = new List<string>();
        Compare(capture.FileName, "dns_queries", capture.DnsQueries, sink.Names(ObservationKind.DnsQuery), problems);
        Compare(capture.FileName, "tls_sni", capture.TlsSni, sink.Names(ObservationKind.TlsClientHello), problems);
        Compare(capture.FileName, "quic_sni", capture.QuicSni, sink.Names(ObservationKind.QuicInitial), problems);

        var ourDhcp = sink.OfKind(ObservationKind.DhcpLease)
            .Where(o => o.Detail is DhcpDetail { MessageType: not DhcpMessageType.Ack })
            .Select(o => Key(o.ClientMac.ToString(), o.Name, ((DhcpDetail)o.Detail!).RequestedAddress?.ToString()))
            .ToHashSet();
        var expectedDhcp = capture.Dhcp.Select(d => Key(d.Mac, d.Hostname, d.Ip)).ToHashSet();
        Compare(capture.FileName, "dhcp", expectedDhcp, ourDhcp, problems);

        foreach (var ((file, field), _) in KnownDifferences.Where(k => k.Key.File == capture.FileName))
        {
            output.WriteLine($"{file} {field}: known difference, see table");
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [SkippableFact]
    public void Corpus_WhenPresent_HoldsEveryCategory()
    {
        Corpus.SkipIfAbsent();

        Assert.True(Corpus.Captures().Count >= 76, $"expected the 76 corpus pcaps, found {Corpus.Captures().Count}");
    }

    private static string Key(string mac, string? hostname, string? ip) =>
        $"{mac.ToLowerInvariant()}|{hostname?.ToLowerInvariant()}|{ip}";

    private static void Compare(string file, string field, IReadOnlySet<string> expected, IReadOnlySet<string> ours, List<string> problems)
    {
        var expectedNormal = expected.Select(n => CollapseReplacements(n.ToLowerInvariant())).ToHashSet(StringComparer.Ordinal);
        var oursNormal = ours.Select(n => CollapseReplacements(AsTsharkPrints(n))).ToHashSet(StringComparer.Ordinal);
        var missing = expectedNormal.Except(oursNormal).Order(StringComparer.Ordinal).ToArray();
        var extra = oursNormal.Except(expectedNormal).Order(StringComparer.Ordinal).ToArray();
        KnownDifferences.TryGetValue((file, field), out var known);
        var knownMissing = known.Missing ?? [];
        var knownExtra = known.Extra ?? [];
        if (!missing.SequenceEqual(knownMissing.Order(StringComparer.Ordinal)) || !extra.SequenceEqual(knownExtra.Order(StringComparer.Ordinal)))
        {
            problems.Add($"{file} {field}: missing [{string.Join(", ", missing)}] extra [{string.Join(", ", extra)}]" +
                (known.Reason is null ? string.Empty : $" (table expects missing [{string.Join(", ", knownMissing)}] extra [{string.Join(", ", knownExtra)}])"));
        }
    }

    /// <summary>
    /// Our names escape every byte outside printable ASCII (\ooo); tshark prints bytes 0x80 and above as UTF-8
    /// (U+FFFD where invalid). Turning our escapes back into bytes and decoding them as UTF-8 lets the sets compare.
    /// </summary>
    private static string AsTsharkPrints(string name)
    {
        if (!name.Contains('\\', StringComparison.Ordinal))
        {
            return name;
        }

        return HighByteRuns().Replace(name, match =>
        {
            var bytes = match.Value.Split('\\', StringSplitOptions.RemoveEmptyEntries)
                .Select(o => (byte)Convert.ToInt32(o, 8)).ToArray();
            return Encoding.UTF8.GetString(bytes).ToLower(CultureInfo.InvariantCulture);
        });
    }

    /// <summary>
    /// GLib (tshark) and .NET substitute U+FFFD for different spans of an invalid UTF-8 sequence, so a run of
    /// replacement characters is compared as one (only dns-tunnel-iodine.pcap's binary labels need this).
    /// </summary>
    private static string CollapseReplacements(string name) => ReplacementRuns().Replace(name, "\uFFFD");

    [GeneratedRegex("\uFFFD+")]
    private static partial Regex ReplacementRuns();

    [GeneratedRegex(@"(\\[23][0-7][0-7])+")]
    private static partial Regex HighByteRuns();
}
