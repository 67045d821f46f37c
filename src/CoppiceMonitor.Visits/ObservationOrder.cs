using System.Net;
using CoppiceMonitor.Capture;

namespace CoppiceMonitor.Visits;

/// <summary>
/// A total order on observations: by time, then by kind (leases and DNS answers before the connections that rely
/// on them), then by every other field. The reorder buffer releases observations in this order, so any arrival
/// order within the reorder window is processed identically.
/// </summary>
internal sealed class ObservationOrder : IComparer<Observation>
{
    public static readonly ObservationOrder Instance = new();

    public int Compare(Observation x, Observation y)
    {
        var c = x.TimestampUtc.Ticks.CompareTo(y.TimestampUtc.Ticks);
        if (c != 0)
        {
            return c;
        }

        c = Rank(x.Kind).CompareTo(Rank(y.Kind));
        if (c != 0)
        {
            return c;
        }

        c = CompareAddresses(x.Client, y.Client);
        if (c != 0)
        {
            return c;
        }

        c = CompareAddresses(x.Server, y.Server);
        if (c != 0)
        {
            return c;
        }

        c = x.ServerPort.CompareTo(y.ServerPort);
        if (c != 0)
        {
            return c;
        }

        c = x.Transport.CompareTo(y.Transport);
        if (c != 0)
        {
            return c;
        }

        c = string.CompareOrdinal(x.Name, y.Name);
        if (c != 0)
        {
            return c;
        }

        c = x.ClientMac.Value.CompareTo(y.ClientMac.Value);
        if (c != 0)
        {
            return c;
        }

        return (x.Detail, y.Detail) switch
        {
            (FlowDetail a, FlowDetail b) => CompareFlows(a, b),
            (DhcpDetail a, DhcpDetail b) => a.MessageType != b.MessageType ? a.MessageType.CompareTo(b.MessageType) : a.LeaseSeconds.CompareTo(b.LeaseSeconds),
            _ => 0,
        };
    }

    private static int CompareFlows(FlowDetail a, FlowDetail b)
    {
        var c = a.FirstSeenUtc.Ticks.CompareTo(b.FirstSeenUtc.Ticks);
        if (c != 0)
        {
            return c;
        }

        c = a.LastSeenUtc.Ticks.CompareTo(b.LastSeenUtc.Ticks);
        if (c != 0)
        {
            return c;
        }

        c = a.ActiveMinutes.Count.CompareTo(b.ActiveMinutes.Count);
        return c != 0 ? c : (a.BytesFromClient + a.BytesToClient).CompareTo(b.BytesFromClient + b.BytesToClient);
    }

    internal static int Rank(ObservationKind kind) => kind switch
    {
        ObservationKind.DhcpLease => 0,
        ObservationKind.DnsAnswer => 1,
        ObservationKind.DnsQuery => 2,
        ObservationKind.Mdns => 3,
        ObservationKind.TlsClientHello => 4,
        ObservationKind.QuicInitial => 5,
        ObservationKind.HttpHost => 6,
        _ => 7,
    };

    internal static int CompareAddresses(IPAddress? a, IPAddress? b)
    {
        if (ReferenceEquals(a, b))
        {
            return 0;
        }

        if (a is null || b is null)
        {
            return a is null ? -1 : 1;
        }

        var c = a.AddressFamily.CompareTo(b.AddressFamily);
        if (c != 0)
        {
            return c;
        }

        Span<byte> x = stackalloc byte[16];
        Span<byte> y = stackalloc byte[16];
        _ = a.TryWriteBytes(x, out var nx);
        _ = b.TryWriteBytes(y, out var ny);
        return x[..nx].SequenceCompareTo(y[..ny]);
    }
}
