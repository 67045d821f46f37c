using System.Net;
using CoppiceMonitor.Capture;

namespace CoppiceMonitor.Visits;

/// <summary>Client, server, port and transport: what a ClientHello and its FlowSummary share (no client port).</summary>
internal readonly record struct ConnectionKey(IPAddress Client, IPAddress Server, ushort Port, TransportProtocol Transport)
{
    public static ConnectionKey Of(in Observation o) =>
        new(DeviceAttributor.Normalise(o.Client), DeviceAttributor.Normalise(o.Server), o.ServerPort, o.Transport);
}

/// <summary>A connection seen opening (ClientHello, QUIC Initial, HTTP Host) whose FlowSummary has not arrived yet.</summary>
internal sealed record PendingConnection(DateTime HelloUtc, string? RawName, HostClassification Classification, DeviceAttribution Who);

/// <summary>
/// Connections waiting for their FlowSummary, so the summary is classified and attributed as the connection was
/// when it opened (the name it was opened with, the device that held the address then).
/// </summary>
internal sealed class PendingConnections
{
    private readonly Dictionary<ConnectionKey, List<PendingConnection>> _pending = [];

    public int Count => _pending.Count;

    public void Add(ConnectionKey key, PendingConnection connection)
    {
        if (!_pending.TryGetValue(key, out var list))
        {
            _pending[key] = list = [];
        }

        list.Add(connection);
    }

    /// <summary>
    /// The pending connection a FlowSummary closes. Without the client port several connections to one server share
    /// a key; the one whose ClientHello is nearest the flow's first packet is the best match.
    /// </summary>
    public PendingConnection? Take(ConnectionKey key, string? name, DateTime firstSeenUtc)
    {
        if (!_pending.TryGetValue(key, out var list))
        {
            return null;
        }

        var best = Nearest(list, name, firstSeenUtc);
        if (best < 0)
        {
            return null;
        }

        var found = list[best];
        list.RemoveAt(best);
        if (list.Count == 0)
        {
            _pending.Remove(key);
        }

        return found;
    }

    /// <summary>Forgets connections opened before <paramref name="before"/> (their summary will not come).</summary>
    public void ExpireBefore(DateTime before)
    {
        foreach (var (key, list) in _pending)
        {
            for (var i = list.Count - 1; i >= 0; i--)
            {
                if (list[i].HelloUtc < before)
                {
                    list.RemoveAt(i);
                }
            }

            if (list.Count == 0)
            {
                _pending.Remove(key);
            }
        }
    }

    public void Clear() => _pending.Clear();

    private static int Nearest(List<PendingConnection> list, string? name, DateTime firstSeenUtc)
    {
        var best = -1;
        var bestDistance = TimeSpan.MaxValue;
        for (var i = 0; i < list.Count; i++)
        {
            if (name is null || list[i].RawName is null || string.Equals(list[i].RawName, name, StringComparison.OrdinalIgnoreCase))
            {
                var distance = (list[i].HelloUtc - firstSeenUtc).Duration();
                if (distance < bestDistance)
                {
                    best = i;
                    bestDistance = distance;
                }
            }
        }

        return best;
    }
}
