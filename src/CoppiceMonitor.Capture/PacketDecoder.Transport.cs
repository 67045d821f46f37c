using System.Buffers.Binary;
using CoppiceMonitor.Capture.Flows;

namespace CoppiceMonitor.Capture;

// Transport: UDP datagrams go to a port handler, a tunnel, or flow tracking and the UDP flow handlers; TCP segments
// keep their flow's state (SYN, FIN, RST, 5-tuple reuse) and hand payload to the first stream handler that claims it.
public sealed partial class PacketDecoder
{
    private void DecodeUdp(ref PacketInfo p, ReadOnlySpan<byte> datagram)
    {
        // RFC 768: source port(2) destination port(2) length(2) checksum(2).
        if (datagram.Length < 8)
        {
            _counters.CountMalformed(MalformedKind.Udp);
            return;
        }

        var sourcePort = BinaryPrimitives.ReadUInt16BigEndian(datagram);
        var destinationPort = BinaryPrimitives.ReadUInt16BigEndian(datagram[2..]);
        var length = BinaryPrimitives.ReadUInt16BigEndian(datagram[4..]);
        var payload = datagram[8..];
        if (length >= 8 && length - 8 < payload.Length)
        {
            payload = payload[..(length - 8)];
        }

        p.SourcePort = sourcePort;
        p.DestinationPort = destinationPort;
        if (_datagramPorts[sourcePort] || _datagramPorts[destinationPort])
        {
            foreach (var handler in _datagramHandlers)
            {
                if (handler.Claims(sourcePort, destinationPort))
                {
                    CountStatus(handler.TryHandle(ref p, payload), handler.MalformedKind);
                    return;
                }
            }
        }

        if (!TryDecodeUdpTunnel(ref p, sourcePort, destinationPort, payload))
        {
            DecodeUdpFlow(ref p, payload);
        }
    }

    private void DecodeUdpFlow(ref PacketInfo p, ReadOnlySpan<byte> payload)
    {
        var key = FlowTracker.Key(ref p, FlowTracker.ProtocolUdp, out var sourceIsA);
        var entry = _flows.Find(key);
        if (entry is not null)
        {
            _flows.Touch(entry, p.Timestamp);
            FlowTracker.CountPayload(entry, sourceIsA == entry.ClientIsA, payload.Length, p.Timestamp);
        }

        foreach (var handler in _udpFlowHandlers)
        {
            if (handler.Claims(payload))
            {
                CountStatus(handler.TryHandle(ref p, key, sourceIsA, entry, payload), handler.MalformedKind);
                return;
            }
        }
    }

    private void DecodeTcp(ref PacketInfo p, ReadOnlySpan<byte> segment)
    {
        // RFC 9293: source port(2) destination port(2) sequence(4) acknowledgment(4) data offset(4 bits) flags(12 bits) ...
        if (segment.Length < 20)
        {
            _counters.CountMalformed(MalformedKind.Tcp);
            return;
        }

        var sourcePort = BinaryPrimitives.ReadUInt16BigEndian(segment);
        var destinationPort = BinaryPrimitives.ReadUInt16BigEndian(segment[2..]);
        var sequence = BinaryPrimitives.ReadUInt32BigEndian(segment[4..]);
        var dataOffset = (segment[12] >> 4) * 4;
        var flags = segment[13];
        if (dataOffset < 20 || dataOffset > segment.Length)
        {
            _counters.CountMalformed(MalformedKind.Tcp);
            return;
        }

        var payload = segment[dataOffset..];
        var fin = (flags & 0x01) != 0;
        var syn = (flags & 0x02) != 0;
        var rst = (flags & 0x04) != 0;
        var ack = (flags & 0x10) != 0;

        p.SourcePort = sourcePort;
        p.DestinationPort = destinationPort;
        var key = FlowTracker.Key(ref p, FlowTracker.ProtocolTcp, out var sourceIsA);
        var entry = _flows.Find(key);
        if (entry is not null && syn && !ack && sourceIsA == entry.ClientIsA && entry.SawClientSyn && sequence != entry.ClientInitialSequence)
        {
            // A new connection reusing the 5-tuple: the old one is over.
            _flows.Remove(entry, FlowEnd.Closed);
            entry = null;
        }

        if (entry is null)
        {
            // Pure ACKs and closing segments of flows we no longer track would only churn the table.
            if (rst || fin || (payload.IsEmpty && !syn))
            {
                return;
            }

            entry = _flows.Add(key, p.Timestamp);

            // The client sent the SYN; without one, the side on the higher (ephemeral) port is the client.
            var sourceIsClient = syn ? !ack : sourcePort >= destinationPort;
            entry.ClientIsA = sourceIsClient == sourceIsA;
            entry.ClientMac = sourceIsClient ? p.SourceMac : p.DestinationMac;
        }
        else
        {
            _flows.Touch(entry, p.Timestamp);
        }

        var fromClient = sourceIsA == entry.ClientIsA;
        if (syn && !ack && fromClient)
        {
            entry.SawClientSyn = true;
            entry.ClientInitialSequence = sequence;
        }
        else if (syn && ack && !fromClient)
        {
            entry.SawServerSyn = true;
            entry.ServerInitialSequence = sequence;
        }

        if (!payload.IsEmpty)
        {
            FlowTracker.CountPayload(entry, fromClient, payload.Length, p.Timestamp);
            foreach (var handler in _streamHandlers)
            {
                if (handler.Claims(entry, fromClient, payload))
                {
                    CountStatus(handler.TryHandle(ref p, entry, fromClient, sequence, payload), handler.MalformedKind);
                    break;
                }
            }
        }

        if (rst)
        {
            _flows.Remove(entry, FlowEnd.Closed);
        }
        else if (fin)
        {
            entry.ClientFin |= fromClient;
            entry.ServerFin |= !fromClient;
            if (entry.ClientFin && entry.ServerFin)
            {
                _flows.Remove(entry, FlowEnd.Closed);
            }
        }
    }

    private void CountStatus(ParseStatus status, MalformedKind kind)
    {
        if (status == ParseStatus.Malformed)
        {
            _counters.CountMalformed(kind);
        }
    }
}
