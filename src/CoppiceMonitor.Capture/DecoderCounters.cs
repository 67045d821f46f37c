using System.Globalization;

namespace CoppiceMonitor.Capture;

/// <summary>What the decoder parsed, made and dropped, for `inspect --format summary` and `status`.</summary>
public enum MalformedKind
{
    Link,
    Ip,
    Tcp,
    Udp,
    Tunnel,
    Dns,
    Dhcp,
    Tls,
    Quic,
    Http,
}

/// <summary>
/// Counters of one <see cref="PacketDecoder"/>. Written only by the decoding thread; other threads may read them
/// (values are plain longs, so a reader sees a recent, possibly slightly stale, value).
/// </summary>
public sealed class DecoderCounters
{
    private readonly long[] _observations = new long[Enum.GetValues<ObservationKind>().Length];
    private readonly long[] _malformed = new long[Enum.GetValues<MalformedKind>().Length];

    public long Packets { get; internal set; }

    public long Bytes { get; internal set; }

    public long UnsupportedLinkType { get; internal set; }

    public long NonIp { get; internal set; }

    public long Ipv4Fragments { get; internal set; }

    public long Ipv6Fragments { get; internal set; }

    /// <summary>Inner packets decoded out of IP-in-IP, 6in4, GRE, VXLAN, Geneve, CAPWAP or Teredo.</summary>
    public long TunnelledPackets { get; internal set; }

    public long TlsClientHellos { get; internal set; }

    public long TlsClientHellosWithoutSni { get; internal set; }

    public long QuicClientHellos { get; internal set; }

    public long FlowsCreated { get; internal set; }

    /// <summary>Flows dropped because the table was full (after idle ones were expired).</summary>
    public long FlowsEvicted { get; internal set; }

    public long FlowsExpired { get; internal set; }

    public long FlowsClosed { get; internal set; }

    public long ActiveFlows { get; internal set; }

    public long Observations(ObservationKind kind) => _observations[(int)kind];

    public long Malformed(MalformedKind kind) => _malformed[(int)kind];

    public long TotalObservations => _observations.Sum();

    public long TotalMalformed => _malformed.Sum();

    internal void CountObservation(ObservationKind kind) => _observations[(int)kind]++;

    internal void CountMalformed(MalformedKind kind) => _malformed[(int)kind]++;

    /// <summary>Counts in a stable "name value" form, one per line (the `summary` output).</summary>
    public void WriteSummary(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        foreach (var (name, value) in ToPairs())
        {
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-28} {value}"));
        }
    }

    public IEnumerable<KeyValuePair<string, long>> ToPairs()
    {
        yield return new("packets", Packets);
        yield return new("bytes", Bytes);
        foreach (var kind in Enum.GetValues<ObservationKind>())
        {
            yield return new("observations." + ObservationFormatter.KindName(kind), Observations(kind));
        }

        foreach (var kind in Enum.GetValues<MalformedKind>())
        {
            yield return new("malformed." + kind.ToString().ToLowerInvariant(), Malformed(kind));
        }

        yield return new("unsupported_link_type", UnsupportedLinkType);
        yield return new("non_ip", NonIp);
        yield return new("ipv4_fragments_skipped", Ipv4Fragments);
        yield return new("ipv6_fragments_skipped", Ipv6Fragments);
        yield return new("tunnelled_packets", TunnelledPackets);
        yield return new("tls_client_hellos", TlsClientHellos);
        yield return new("tls_client_hellos_without_sni", TlsClientHellosWithoutSni);
        yield return new("quic_client_hellos", QuicClientHellos);
        yield return new("flows_created", FlowsCreated);
        yield return new("flows_closed", FlowsClosed);
        yield return new("flows_expired", FlowsExpired);
        yield return new("flows_evicted", FlowsEvicted);
        yield return new("flows_active", ActiveFlows);
    }
}
