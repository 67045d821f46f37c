using System.Buffers.Binary;
using System.Net;
using CoppiceMonitor.Capture.Dns;

namespace CoppiceMonitor.Capture.Dhcp;

/// <summary>
/// DHCPv4 between ports 67 and 68: a client's DISCOVER / REQUEST / INFORM (hostname, requested address) and a
/// server's ACK (assigned address). A message whose options run past the packet keeps the options before the cut
/// and returns Malformed.
/// </summary>
internal sealed class DhcpHandler(ObservationEmitter emitter) : IDatagramHandler
{
    public MalformedKind MalformedKind => MalformedKind.Dhcp;

    public IReadOnlyList<ushort> Ports { get; } = [67, 68];

    public bool Claims(ushort sourcePort, ushort destinationPort) =>
        sourcePort is 67 or 68 && destinationPort is 67 or 68;

    public ParseStatus TryHandle(ref PacketInfo p, ReadOnlySpan<byte> payload)
    {
        var status = DhcpParser.TryParse(payload, out var message);
        if (status != ParseStatus.Success)
        {
            return status;
        }

        var hostname = HostnameText(message.Hostname);
        if (message.Op == 1)
        {
            var requested = message.RequestedAddress != 0 ? message.RequestedAddress : message.ClientAddress;
            var detail = new DhcpDetail(message.Type ?? 0, requested != 0 ? ToIPAddress(requested) : null, null, message.LeaseSeconds);
            emitter.Emit(ref p, ObservationKind.DhcpLease, new IPAddress(p.SourceAddress), message.ClientHardwareAddress, new IPAddress(p.DestinationAddress), p.DestinationPort, TransportProtocol.Udp, hostname, detail);
        }
        else if (message.Type == DhcpMessageType.Ack)
        {
            var assigned = message.YourAddress != 0 ? ToIPAddress(message.YourAddress) : null;
            var detail = new DhcpDetail(DhcpMessageType.Ack, null, assigned, message.LeaseSeconds);
            emitter.Emit(ref p, ObservationKind.DhcpLease, assigned ?? new IPAddress(p.DestinationAddress), message.ClientHardwareAddress, new IPAddress(p.SourceAddress), p.SourcePort, TransportProtocol.Udp, hostname, detail);
        }

        return message.Truncated ? ParseStatus.Malformed : ParseStatus.Success;
    }

    /// <summary>Option 12 as text, rendered like a DNS label (lower-case, controls escaped).</summary>
    internal static string? HostnameText(ReadOnlySpan<byte> raw)
    {
        // Some clients count a terminating NUL in option 12's length.
        raw = raw.TrimEnd((byte)0);
        if (raw.IsEmpty)
        {
            return null;
        }

        Span<char> text = stackalloc char[raw.Length * 4];
        var length = DnsMessageReader.AppendLabel(raw, text, 0);
        if (length > 0 && text[length - 1] == '.')
        {
            length--;
        }

        return new string(text[..length]);
    }

    private static IPAddress ToIPAddress(uint address)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, address);
        return new IPAddress(bytes);
    }
}
