using System.Net;

namespace CoppiceMonitor.Visits;

/// <summary>
/// The name a connection is classified by: its SNI, unless that is missing or an ECH outer name (or the client
/// fetched ECH keys for the address), in which case the name this client resolved to the server address in the
/// preceding DnsNameWindowMinutes.
/// </summary>
internal sealed class ConnectionNamer(ServiceCatalog catalog, TimeSpan dnsWindow, VisitPipelineCounters counters)
{
    private readonly DnsNameCache _dns = new(dnsWindow);

    /// <summary>A client's DNS answer: the addresses it now knows the name by.</summary>
    public void RecordAnswer(IPAddress client, IReadOnlyList<IPAddress> addresses, string? name, DateTime atUtc, bool hasEchConfig) =>
        _dns.Record(client, addresses, ServiceCatalog.Normalise(name), atUtc, hasEchConfig);

    /// <summary>The normalised host name of a connection, or null when nothing names it.</summary>
    public string? Resolve(IPAddress client, IPAddress server, string? sni, DateTime atUtc, bool hasEch)
    {
        var name = ServiceCatalog.Normalise(sni);
        var known = _dns.TryResolve(client, server, atUtc, out var dnsName, out var dnsHasEch);
        if (name.Length == 0)
        {
            if (known)
            {
                counters.NamesFromDns++;
            }

            return known ? dnsName : null;
        }

        // ECH with an outer name we do not know: trust DNS only when the answer carried ECH keys and the client never
        // looked the SNI up itself (Chrome sends GREASE ECH alongside a real SNI, and CDN addresses are shared).
        if (known && !string.Equals(dnsName, name, StringComparison.Ordinal)
            && (catalog.Classify(name).IsEchOuterName || (hasEch && dnsHasEch && !_dns.WasLookedUp(client, name, atUtc))))
        {
            counters.NamesFromDns++;
            return dnsName;
        }

        return name;
    }

    public void Prune(DateTime watermark) => _dns.Prune(watermark);
}
