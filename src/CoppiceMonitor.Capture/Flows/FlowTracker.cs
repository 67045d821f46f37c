using System.Buffers.Binary;
using System.Net;

namespace CoppiceMonitor.Capture.Flows;

/// <summary>
/// Flow accounting for the walker and the handlers: the bounded <see cref="FlowTable"/>, byte and active-minute
/// counts, naming a flow once a handler finds its name, and the flow summary written when a named flow ends.
/// </summary>
internal sealed class FlowTracker
{
    public const byte ProtocolTcp = 6;
    public const byte ProtocolUdp = 17;

    private readonly FlowTable _table;
    private readonly ObservationEmitter _emitter;
    private IStreamHandler[] _streamHandlers = [];

    public FlowTracker(CaptureOptions options, ObservationEmitter emitter)
    {
        _emitter = emitter;
        _table = new FlowTable(options.MaxFlows, TimeSpan.FromSeconds(options.FlowIdleSeconds), OnFlowRemoved);
    }

    public int Count => _table.Count;

    /// <summary>Handlers that keep per-flow state, told when a flow leaves the table.</summary>
    public void SetStreamHandlers(IStreamHandler[] handlers) => _streamHandlers = handlers;

    public FlowEntry? Find(in FlowKey key) => _table.Find(key);

    public void Touch(FlowEntry entry, DateTime timestampUtc) => _table.Touch(entry, timestampUtc);

    public void Remove(FlowEntry entry, FlowEnd reason) => _table.Remove(entry, reason);

    public void ExpireIdle(DateTime nowUtc) => _table.ExpireIdle(nowUtc);

    public void RemoveAll(FlowEnd reason) => _table.RemoveAll(reason);

    public FlowEntry Add(in FlowKey key, DateTime timestampUtc)
    {
        _emitter.Counters.FlowsCreated++;
        return _table.Add(key, timestampUtc);
    }

    public static FlowKey Key(ref PacketInfo p, byte protocol, out bool sourceIsA) =>
        FlowKey.Create(ToKeyAddress(p.SourceAddress), p.SourcePort, ToKeyAddress(p.DestinationAddress), p.DestinationPort, protocol, p.Vlan, out sourceIsA);

    public static void CountPayload(FlowEntry entry, bool fromClient, int length, DateTime timestampUtc)
    {
        if (length == 0)
        {
            return;
        }

        if (fromClient)
        {
            entry.BytesFromClient += length;
        }
        else
        {
            entry.BytesToClient += length;
        }

        if (entry.Name is not null)
        {
            entry.MarkActive(timestampUtc);
        }
    }

    /// <summary>Records the flow's name and its client and server as seen in this packet.</summary>
    public static void NameFlow(ref PacketInfo p, FlowEntry entry, bool fromClient, string name)
    {
        entry.Name = name;
        entry.ClientAddress = new IPAddress(fromClient ? p.SourceAddress : p.DestinationAddress);
        entry.ServerAddress = new IPAddress(fromClient ? p.DestinationAddress : p.SourceAddress);
        entry.MarkActive(p.Timestamp);
    }

    private void OnFlowRemoved(FlowEntry entry, FlowEnd reason)
    {
        var counters = _emitter.Counters;
        switch (reason)
        {
            case FlowEnd.Closed:
                counters.FlowsClosed++;
                break;
            case FlowEnd.Expired:
                counters.FlowsExpired++;
                break;
            case FlowEnd.Evicted:
                counters.FlowsEvicted++;
                break;
            default:
                break;
        }

        foreach (var handler in _streamHandlers)
        {
            handler.OnFlowRemoved(entry);
        }

        if (entry.Name is null || entry.ClientAddress is null || entry.ServerAddress is null)
        {
            return;
        }

        var detail = new FlowDetail(entry.FirstSeenUtc, entry.LastSeenUtc, entry.BytesFromClient, entry.BytesToClient, entry.ActiveMinutes is null ? [] : entry.ActiveMinutes);
        var transport = entry.Key.Protocol == ProtocolTcp ? TransportProtocol.Tcp : TransportProtocol.Udp;
        _emitter.Write(new Observation(entry.LastSeenUtc, ObservationKind.FlowSummary, entry.ClientAddress, entry.ClientMac, entry.ServerAddress, entry.ServerPort, transport, entry.Key.Vlan, entry.Name, detail));
    }

    private static UInt128 ToKeyAddress(ReadOnlySpan<byte> address) =>
        address.Length == 4
            ? ((UInt128)0xffff << 32) | BinaryPrimitives.ReadUInt32BigEndian(address)
            : address.Length == 16 ? BinaryPrimitives.ReadUInt128BigEndian(address) : UInt128.Zero;
}
