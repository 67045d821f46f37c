using System.Net;
using CoppiceMonitor.Capture.Flows;

namespace CoppiceMonitor.Capture;

/// <summary>Writes observations to the sink and counts them; shared by the walker, the flow tracker and the handlers.</summary>
internal sealed class ObservationEmitter(IObservationSink sink, DecoderCounters counters)
{
    public DecoderCounters Counters { get; } = counters;

    /// <summary>An observation of a named flow (its client and server as recorded when it was named).</summary>
    public void Emit(ref PacketInfo p, ObservationKind kind, FlowEntry entry, TransportProtocol transport, string name, ObservationDetail? detail) =>
        Write(new Observation(p.Timestamp, kind, entry.ClientAddress!, entry.ClientMac, entry.ServerAddress!, entry.ServerPort, transport, p.Vlan, name, detail));

    public void Emit(ref PacketInfo p, ObservationKind kind, IPAddress client, MacAddress clientMac, IPAddress server, ushort serverPort, TransportProtocol transport, string? name, ObservationDetail? detail) =>
        Write(new Observation(p.Timestamp, kind, client, clientMac, server, serverPort, transport, p.Vlan, name, detail));

    public void Write(in Observation observation)
    {
        Counters.CountObservation(observation.Kind);
        sink.Write(observation);
    }
}
