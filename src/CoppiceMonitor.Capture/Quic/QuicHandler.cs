using CoppiceMonitor.Capture.Flows;

namespace CoppiceMonitor.Capture.Quic;

/// <summary>
/// QUIC client Initials on any UDP flow not claimed by a port: the <see cref="QuicInitialTracker"/> decrypts and
/// reassembles them; the ClientHello's SNI names the flow (which is added to the table then if it was not tracked).
/// </summary>
internal sealed class QuicHandler(ObservationEmitter emitter, FlowTracker flows, int maxPendingConnections) : IUdpFlowHandler
{
    private readonly QuicInitialTracker _tracker = new(maxPendingConnections);

    public MalformedKind MalformedKind => MalformedKind.Quic;

    public bool Claims(ReadOnlySpan<byte> payload) => !payload.IsEmpty && QuicInitialTracker.LooksLikeQuicLongHeader(payload);

    public ParseStatus TryHandle(ref PacketInfo p, in FlowKey key, bool sourceIsA, FlowEntry? flow, ReadOnlySpan<byte> payload)
    {
        var status = _tracker.TryProcess(payload, key.Hash64, p.Timestamp, out var hello, out _);
        if (status != ParseStatus.Success)
        {
            return status;
        }

        emitter.Counters.QuicClientHellos++;
        if (string.IsNullOrEmpty(hello.ServerName))
        {
            return status;
        }

        if (flow is null)
        {
            flow = flows.Add(key, p.Timestamp);
            flow.ClientIsA = sourceIsA;
            flow.ClientMac = p.SourceMac;
            FlowTracker.CountPayload(flow, true, payload.Length, p.Timestamp);
        }

        if (flow.Name is null)
        {
            FlowTracker.NameFlow(ref p, flow, fromClient: sourceIsA == flow.ClientIsA, hello.ServerName);
            emitter.Emit(ref p, ObservationKind.QuicInitial, flow, TransportProtocol.Udp, hello.ServerName, new ClientHelloDetail(hello.Alpn, hello.HasEncryptedClientHello, hello.HighestVersionOffered));
        }

        return status;
    }
}
