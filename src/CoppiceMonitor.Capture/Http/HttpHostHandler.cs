using CoppiceMonitor.Capture.Flows;

namespace CoppiceMonitor.Capture.Http;

/// <summary>
/// Plain HTTP on port 80: the Host header of the client's first segment names the flow. Takes that segment only
/// when it is not a TLS record (TLS on port 80 goes to the TLS handler) and nothing has classified the flow yet.
/// </summary>
internal sealed class HttpHostHandler(ObservationEmitter emitter) : IStreamHandler
{
    public MalformedKind MalformedKind => MalformedKind.Http;

    public bool Claims(FlowEntry flow, bool fromClient, ReadOnlySpan<byte> payload) =>
        fromClient && !flow.HelloDone && flow.Hello is null && flow.ServerPort == 80 && payload[0] != 0x16;

    public ParseStatus TryHandle(ref PacketInfo p, FlowEntry flow, bool fromClient, uint sequence, ReadOnlySpan<byte> payload)
    {
        // A request line is unmistakable: whatever this segment holds decides the flow.
        flow.HelloDone = true;
        Span<char> host = stackalloc char[256];
        var status = HttpHostParser.TryParseHost(payload, host, out var length);
        if (status != ParseStatus.Success)
        {
            return status;
        }

        var name = new string(host[..length]);
        FlowTracker.NameFlow(ref p, flow, fromClient: true, name);
        emitter.Emit(ref p, ObservationKind.HttpHost, flow, TransportProtocol.Tcp, name, null);
        return ParseStatus.Success;
    }

    public void OnFlowRemoved(FlowEntry flow)
    {
    }
}
