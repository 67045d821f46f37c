using System.Net;
using CoppiceMonitor.Capture.Flows;
using CoppiceMonitor.Capture.Tests.Builders;

namespace CoppiceMonitor.Capture.Tests;

/// <summary>Runs one protocol handler on a payload as the walker would, with fixed addresses and ports.</summary>
internal static class ParserTestPacket
{
    public static readonly byte[] ClientAddress = IPAddress.Parse("10.10.1.20").GetAddressBytes();
    public static readonly byte[] ServerAddress = IPAddress.Parse("192.0.2.53").GetAddressBytes();

    public static ParseStatus Datagram(IDatagramHandler handler, ushort sourcePort, ushort destinationPort, ReadOnlySpan<byte> payload)
    {
        var packet = new PacketInfo
        {
            Timestamp = new DateTime(2026, 9, 7, 9, 0, 0, DateTimeKind.Utc),
            SourceAddress = ClientAddress,
            DestinationAddress = ServerAddress,
            SourceMac = MacAddress.FromSpan(Packets.ClientMac),
            DestinationMac = MacAddress.FromSpan(Packets.ServerMac),
            SourcePort = sourcePort,
            DestinationPort = destinationPort,
        };
        return handler.TryHandle(ref packet, payload);
    }

    /// <summary>A client segment of a new flow from port 40000 to <paramref name="serverPort"/>.</summary>
    public static ParseStatus ClientSegment(IStreamHandler handler, ushort serverPort, ReadOnlySpan<byte> payload)
    {
        var packet = new PacketInfo
        {
            Timestamp = new DateTime(2026, 9, 7, 9, 0, 0, DateTimeKind.Utc),
            SourceAddress = ClientAddress,
            DestinationAddress = ServerAddress,
            SourceMac = MacAddress.FromSpan(Packets.ClientMac),
            DestinationMac = MacAddress.FromSpan(Packets.ServerMac),
            SourcePort = 40000,
            DestinationPort = serverPort,
        };
        var flow = new FlowEntry { Key = FlowTracker.Key(ref packet, FlowTracker.ProtocolTcp, out var sourceIsA) };
        flow.ClientIsA = sourceIsA;
        return handler.Claims(flow, fromClient: true, payload)
            ? handler.TryHandle(ref packet, flow, fromClient: true, 1, payload)
            : ParseStatus.NotApplicable;
    }

    public static ObservationEmitter Emitter(CollectingSink sink) => new(sink, new DecoderCounters());
}
