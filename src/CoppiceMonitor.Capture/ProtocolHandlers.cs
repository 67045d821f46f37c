using CoppiceMonitor.Capture.Flows;

namespace CoppiceMonitor.Capture;

// The three ways a protocol handler plugs into the walker (PacketDecoder). Each handler is a Try-parser: it emits
// what it could read and returns a ParseStatus; the walker counts a Malformed status under the handler's
// MalformedKind. Adding a protocol means writing a handler and listing it in PacketDecoder's constructor.

/// <summary>A UDP protocol chosen by port (DNS, DHCP), offered the datagram before tunnels and flow tracking.</summary>
internal interface IDatagramHandler
{
    MalformedKind MalformedKind { get; }

    /// <summary>Every port <see cref="Claims"/> may accept on either side (the walker skips the rest at once).</summary>
    IReadOnlyList<ushort> Ports { get; }

    bool Claims(ushort sourcePort, ushort destinationPort);

    ParseStatus TryHandle(ref PacketInfo packet, ReadOnlySpan<byte> payload);
}

/// <summary>A UDP protocol found by its bytes on a tracked flow (QUIC).</summary>
internal interface IUdpFlowHandler
{
    MalformedKind MalformedKind { get; }

    /// <summary>Cheap test on the payload; only claimed datagrams reach <see cref="TryHandle"/>.</summary>
    bool Claims(ReadOnlySpan<byte> payload);

    /// <summary><paramref name="flow"/> is the tracked flow or null; a handler that names the flow may add it.</summary>
    ParseStatus TryHandle(ref PacketInfo packet, in FlowKey key, bool sourceIsA, FlowEntry? flow, ReadOnlySpan<byte> payload);
}

/// <summary>A TCP protocol read from a tracked flow's payload (DNS over TCP, HTTP Host, TLS ClientHello).</summary>
internal interface IStreamHandler
{
    MalformedKind MalformedKind { get; }

    /// <summary>Handlers are asked in order; the first to claim a segment's payload gets it.</summary>
    bool Claims(FlowEntry flow, bool fromClient, ReadOnlySpan<byte> payload);

    ParseStatus TryHandle(ref PacketInfo packet, FlowEntry flow, bool fromClient, uint sequence, ReadOnlySpan<byte> payload);

    /// <summary>The flow left the table: give back any per-flow state.</summary>
    void OnFlowRemoved(FlowEntry flow);
}
