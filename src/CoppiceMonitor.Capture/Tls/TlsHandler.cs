using CoppiceMonitor.Capture.Flows;

namespace CoppiceMonitor.Capture.Tls;

/// <summary>
/// The TLS ClientHello at the start of a TCP flow's client stream, reassembled across segments (in any order) by
/// a pooled <see cref="TlsClientHelloAssembler"/>; its SNI names the flow.
/// </summary>
internal sealed class TlsHandler(ObservationEmitter emitter) : IStreamHandler
{
    private const int MaxPooledAssemblers = 1024;

    /// <summary>
    /// Client segments kept while waiting for a TLS record start when no SYN was seen: a hello reordered in flight
    /// shows its start within a few segments; a connection picked up mid-stream never does.
    /// </summary>
    private const int MaxSegmentsBeforeHelloStart = 4;

    private readonly Stack<TlsClientHelloAssembler> _assemblers = new();

    public MalformedKind MalformedKind => MalformedKind.Tls;

    public bool Claims(FlowEntry flow, bool fromClient, ReadOnlySpan<byte> payload) => fromClient && !flow.HelloDone;

    public ParseStatus TryHandle(ref PacketInfo p, FlowEntry flow, bool fromClient, uint sequence, ReadOnlySpan<byte> payload)
    {
        if (flow.Hello is null)
        {
            // The stream's first byte is in hand when this segment follows the client's SYN directly; anything but
            // a TLS handshake record (0x16) there means this is not a TLS connection. Without a SYN the same goes
            // for plain HTTP on port 80.
            var atStreamStart = flow.SawClientSyn && sequence == unchecked(flow.ClientInitialSequence + 1);
            if (payload[0] != 0x16 && (atStreamStart || flow.ServerPort == 80))
            {
                flow.HelloDone = true;
                return ParseStatus.NotApplicable;
            }

            flow.Hello = _assemblers.Count > 0 ? _assemblers.Pop() : new TlsClientHelloAssembler();
            if (flow.SawClientSyn)
            {
                flow.Hello.Add(flow.ClientInitialSequence, true, default, out _);
            }
        }

        var status = flow.Hello.Add(sequence, false, payload, out var hello);
        if (status == ParseStatus.NeedMoreData)
        {
            // Without a SYN, segments that precede the record start are kept aside by the assembler (a reordered
            // hello's later part); a mid-stream connection never shows a start, so give up after a few segments.
            if (!flow.Hello.HasStreamStart && ++flow.SegmentsBeforeHelloStart >= MaxSegmentsBeforeHelloStart)
            {
                OnFlowRemoved(flow);
                flow.HelloDone = true;
            }

            return status;
        }

        OnFlowRemoved(flow);
        flow.HelloDone = true;
        if (status != ParseStatus.Success)
        {
            return status;
        }

        var counters = emitter.Counters;
        counters.TlsClientHellos++;
        if (string.IsNullOrEmpty(hello.ServerName))
        {
            counters.TlsClientHellosWithoutSni++;
            return status;
        }

        FlowTracker.NameFlow(ref p, flow, fromClient: true, hello.ServerName);
        emitter.Emit(ref p, ObservationKind.TlsClientHello, flow, TransportProtocol.Tcp, hello.ServerName, new ClientHelloDetail(hello.Alpn, hello.HasEncryptedClientHello, hello.HighestVersionOffered));
        return status;
    }

    /// <summary>Gives the flow's assembler back to the pool (when the hello is done or the flow ends).</summary>
    public void OnFlowRemoved(FlowEntry flow)
    {
        if (flow.Hello is null)
        {
            return;
        }

        if (_assemblers.Count < MaxPooledAssemblers)
        {
            flow.Hello.Reset();
            _assemblers.Push(flow.Hello);
        }

        flow.Hello = null;
    }
}
