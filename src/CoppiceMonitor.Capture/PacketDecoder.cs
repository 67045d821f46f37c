using System.Buffers.Binary;
using CoppiceMonitor.Capture.Dhcp;
using CoppiceMonitor.Capture.Dns;
using CoppiceMonitor.Capture.Flows;
using CoppiceMonitor.Capture.Http;
using CoppiceMonitor.Capture.Quic;
using CoppiceMonitor.Capture.Tls;

namespace CoppiceMonitor.Capture;

/// <summary>
/// Decodes raw frames into <see cref="Observation"/>s. This class is the walker from link layer to transport: link
/// types, VLAN tags, MPLS, PPP, IPv4/IPv6 with extension headers, and tunnels (PacketDecoder.Tunnels.cs), then the
/// UDP and TCP headers with flow accounting (PacketDecoder.Transport.cs). The protocols that yield names are
/// handlers (<see cref="IDatagramHandler"/>, <see cref="IUdpFlowHandler"/>, <see cref="IStreamHandler"/>), each in
/// its own folder and listed in the constructor. Not thread-safe: one decoder per capture thread. Nothing on the
/// packet path allocates except the observations themselves (their strings and addresses), and no packet bytes can
/// make it throw.
/// </summary>
public sealed partial class PacketDecoder : IFrameHandler
{
    private const int MaxTunnelDepth = 4;

    private readonly DecoderCounters _counters = new();
    private readonly FlowTracker _flows;
    private readonly IDatagramHandler[] _datagramHandlers;

    /// <summary>Ports some datagram handler may claim: most UDP (QUIC on 443) skips the handler list on one lookup.</summary>
    private readonly bool[] _datagramPorts = new bool[ushort.MaxValue + 1];
    private readonly IUdpFlowHandler[] _udpFlowHandlers;
    private readonly IStreamHandler[] _streamHandlers;
    private long _nextExpiryTicks;

    public PacketDecoder(IObservationSink sink, CaptureOptions options)
    {
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentNullException.ThrowIfNull(options);
        var emitter = new ObservationEmitter(sink, _counters);
        _flows = new FlowTracker(options, emitter);
        var dns = new DnsHandler(emitter);

        // Order matters where claims overlap: port 53 is DNS before anything else; HTTP takes a port-80 segment
        // that is not a TLS record before the TLS handler sees it.
        _datagramHandlers = [dns, new DhcpHandler(emitter)];
        foreach (var port in _datagramHandlers.SelectMany(h => h.Ports))
        {
            _datagramPorts[port] = true;
        }

        _udpFlowHandlers = [new QuicHandler(emitter, _flows, options.MaxQuicPendingConnections)];
        _streamHandlers = [dns, new HttpHostHandler(emitter), new TlsHandler(emitter)];
        _flows.SetStreamHandlers(_streamHandlers);
    }

    public DecoderCounters Counters
    {
        get
        {
            _counters.ActiveFlows = _flows.Count;
            return _counters;
        }
    }

    /// <summary>Flows currently tracked (bounded by <see cref="CaptureOptions.MaxFlows"/>).</summary>
    public int ActiveFlowCount => _flows.Count;

    public void OnFrame(DateTime timestampUtc, LinkType linkType, ReadOnlySpan<byte> frame) => Decode(timestampUtc, linkType, frame);

    public void Decode(DateTime timestampUtc, LinkType linkType, ReadOnlySpan<byte> frame)
    {
        _counters.Packets++;
        _counters.Bytes += frame.Length;
        var packet = new PacketInfo { Timestamp = timestampUtc };
        DecodeLink(ref packet, linkType, frame);

        // Idle expiry runs on packet time, at most once a second, so files replay exactly as live traffic would.
        if (timestampUtc.Ticks >= _nextExpiryTicks)
        {
            _flows.ExpireIdle(timestampUtc);
            _nextExpiryTicks = timestampUtc.Ticks + TimeSpan.TicksPerSecond;
        }
    }

    /// <summary>Summarises and drops flows idle at <paramref name="nowUtc"/> (call on a timer when traffic is quiet).</summary>
    public void Expire(DateTime nowUtc) => _flows.ExpireIdle(nowUtc);

    /// <summary>End of input: every open flow that carried a name is summarised.</summary>
    public void Complete() => _flows.RemoveAll(FlowEnd.Complete);

    private void DecodeLink(ref PacketInfo p, LinkType linkType, ReadOnlySpan<byte> frame)
    {
        switch (linkType)
        {
            case LinkType.Ethernet:
                DecodeEthernet(ref p, frame);
                break;
            case LinkType.Null:
            case LinkType.Loop:
                // A 4-byte address family in host (Null) or network (Loop) order; the IP version nibble is simpler.
                if (frame.Length < 4)
                {
                    _counters.CountMalformed(MalformedKind.Link);
                    return;
                }

                DecodeIpByVersion(ref p, frame[4..]);
                break;
            case LinkType.Raw:
            case LinkType.RawBsd12:
            case LinkType.RawBsd14:
            case LinkType.Ipv4:
            case LinkType.Ipv6:
                DecodeIpByVersion(ref p, frame);
                break;
            case LinkType.LinuxSll:
                // Linux cooked v1: packet type(2) ARPHRD(2) address length(2) address(8) protocol(2).
                if (frame.Length < 16)
                {
                    _counters.CountMalformed(MalformedKind.Link);
                    return;
                }

                if (BinaryPrimitives.ReadUInt16BigEndian(frame[4..]) == 6)
                {
                    p.SourceMac = MacAddress.FromSpan(frame.Slice(6, 6));
                }

                DecodeEtherType(ref p, BinaryPrimitives.ReadUInt16BigEndian(frame[14..]), frame[16..]);
                break;
            case LinkType.LinuxSll2:
                // Linux cooked v2: protocol(2) reserved(2) ifindex(4) ARPHRD(2) packet type(1) address length(1) address(8).
                if (frame.Length < 20)
                {
                    _counters.CountMalformed(MalformedKind.Link);
                    return;
                }

                if (frame[11] == 6)
                {
                    p.SourceMac = MacAddress.FromSpan(frame.Slice(12, 6));
                }

                DecodeEtherType(ref p, BinaryPrimitives.ReadUInt16BigEndian(frame), frame[20..]);
                break;
            case LinkType.Ppp:
            case LinkType.PppHdlc:
                DecodePpp(ref p, frame);
                break;
            default:
                _counters.UnsupportedLinkType++;
                break;
        }
    }

    private void DecodeEthernet(ref PacketInfo p, ReadOnlySpan<byte> frame)
    {
        if (frame.Length < 14)
        {
            _counters.CountMalformed(MalformedKind.Link);
            return;
        }

        p.DestinationMac = MacAddress.FromSpan(frame);
        p.SourceMac = MacAddress.FromSpan(frame[6..]);
        DecodeEtherType(ref p, BinaryPrimitives.ReadUInt16BigEndian(frame[12..]), frame[14..]);
    }

    private void DecodeEtherType(ref PacketInfo p, ushort etherType, ReadOnlySpan<byte> data)
    {
        // 802.1Q / 802.1ad (QinQ) tags: the innermost tag is the one nearest the IP packet, which is the
        // school's own VLAN (staff / pupils / guests); an outer S-tag belongs to the carrier.
        for (var tags = 0; etherType is 0x8100 or 0x88a8 or 0x9100 or 0x9200; tags++)
        {
            if (data.Length < 4 || tags == 4)
            {
                _counters.CountMalformed(MalformedKind.Link);
                return;
            }

            p.Vlan = (ushort)(BinaryPrimitives.ReadUInt16BigEndian(data) & 0x0fff);
            etherType = BinaryPrimitives.ReadUInt16BigEndian(data[2..]);
            data = data[4..];
        }

        switch (etherType)
        {
            case 0x0800:
                DecodeIpv4(ref p, data);
                break;
            case 0x86dd:
                DecodeIpv6(ref p, data);
                break;
            case 0x8864:
                // PPPoE session (RFC 2516): ver/type(1) code(1) session(2) length(2), then a PPP protocol field.
                if (data.Length < 8)
                {
                    _counters.CountMalformed(MalformedKind.Link);
                    return;
                }

                DecodePppProtocol(ref p, BinaryPrimitives.ReadUInt16BigEndian(data[6..]), data[8..]);
                break;
            case 0x8847:
            case 0x8848:
                DecodeMpls(ref p, data);
                break;
            default:
                _counters.NonIp++;
                break;
        }
    }

    private void DecodeMpls(ref PacketInfo p, ReadOnlySpan<byte> data)
    {
        // Labels are 4 bytes each; the bottom-of-stack bit (0x100 in the third byte pair) ends the stack.
        for (var i = 0; i < 8; i++)
        {
            if (data.Length < 4)
            {
                _counters.CountMalformed(MalformedKind.Link);
                return;
            }

            var bottom = (data[2] & 0x01) != 0;
            data = data[4..];
            if (bottom)
            {
                DecodeIpByVersion(ref p, data);
                return;
            }
        }

        _counters.CountMalformed(MalformedKind.Link);
    }

    private void DecodePpp(ref PacketInfo p, ReadOnlySpan<byte> frame)
    {
        // HDLC-like framing (RFC 1662) may keep address 0xff and control 0x03 before the protocol field.
        if (frame.Length >= 2 && frame[0] == 0xff && frame[1] == 0x03)
        {
            frame = frame[2..];
        }

        if (frame.Length < 1)
        {
            _counters.CountMalformed(MalformedKind.Link);
            return;
        }

        // Protocol-field compression (RFC 1661 section 6.5): an odd first byte is a one-byte protocol.
        if ((frame[0] & 1) != 0)
        {
            DecodePppProtocol(ref p, frame[0], frame[1..]);
        }
        else if (frame.Length >= 2)
        {
            DecodePppProtocol(ref p, BinaryPrimitives.ReadUInt16BigEndian(frame), frame[2..]);
        }
        else
        {
            _counters.CountMalformed(MalformedKind.Link);
        }
    }

    private void DecodePppProtocol(ref PacketInfo p, ushort protocol, ReadOnlySpan<byte> data)
    {
        switch (protocol)
        {
            case 0x0021:
                DecodeIpv4(ref p, data);
                break;
            case 0x0057:
                DecodeIpv6(ref p, data);
                break;
            default:
                _counters.NonIp++;
                break;
        }
    }

    private void DecodeIpByVersion(ref PacketInfo p, ReadOnlySpan<byte> packet)
    {
        if (packet.IsEmpty)
        {
            _counters.CountMalformed(MalformedKind.Ip);
            return;
        }

        switch (packet[0] >> 4)
        {
            case 4:
                DecodeIpv4(ref p, packet);
                break;
            case 6:
                DecodeIpv6(ref p, packet);
                break;
            default:
                _counters.NonIp++;
                break;
        }
    }

    private void DecodeIpv4(ref PacketInfo p, ReadOnlySpan<byte> packet)
    {
        // RFC 791: version/IHL(1) TOS(1) total length(2) id(2) flags/fragment offset(2) TTL(1) protocol(1)
        // checksum(2) source(4) destination(4) options.
        if (packet.Length < 20 || (packet[0] >> 4) != 4)
        {
            _counters.CountMalformed(MalformedKind.Ip);
            return;
        }

        var headerLength = (packet[0] & 0x0f) * 4;
        var totalLength = BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);
        if (headerLength < 20 || headerLength > packet.Length || totalLength < headerLength)
        {
            _counters.CountMalformed(MalformedKind.Ip);
            return;
        }

        // Trim Ethernet padding; a snap-length cut leaves the packet shorter, which later layers handle.
        if (totalLength < packet.Length)
        {
            packet = packet[..totalLength];
        }

        if ((BinaryPrimitives.ReadUInt16BigEndian(packet[6..]) & 0x3fff) != 0)
        {
            // More-fragments or a non-zero offset: reassembly is out of scope (DNS queries and ClientHellos
            // fit in one packet); counted so a site that fragments heavily shows up in the summary.
            _counters.Ipv4Fragments++;
            return;
        }

        p.SourceAddress = packet.Slice(12, 4);
        p.DestinationAddress = packet.Slice(16, 4);
        DecodeTransport(ref p, packet[9], packet[headerLength..]);
    }

    private void DecodeIpv6(ref PacketInfo p, ReadOnlySpan<byte> packet)
    {
        // RFC 8200: version/class/flow(4) payload length(2) next header(1) hop limit(1) source(16) destination(16).
        if (packet.Length < 40 || (packet[0] >> 4) != 6)
        {
            _counters.CountMalformed(MalformedKind.Ip);
            return;
        }

        var payloadLength = BinaryPrimitives.ReadUInt16BigEndian(packet[4..]);
        var next = packet[6];
        p.SourceAddress = packet.Slice(8, 16);
        p.DestinationAddress = packet.Slice(24, 16);
        var data = packet[40..];
        if (payloadLength != 0 && payloadLength < data.Length)
        {
            data = data[..payloadLength];
        }

        for (var i = 0; i < 8; i++)
        {
            switch (next)
            {
                case 0:
                case 43:
                case 60:
                case 135:
                case 139:
                case 140:
                    // Hop-by-hop, routing, destination options, mobility, HIP, shim6: next(1) length in 8-byte units - 1.
                    if (data.Length < 8 || (data[1] + 1) * 8 > data.Length)
                    {
                        _counters.CountMalformed(MalformedKind.Ip);
                        return;
                    }

                    next = data[0];
                    data = data[((data[1] + 1) * 8)..];
                    continue;
                case 44:
                    // Fragment header: next(1) reserved(1) offset/flags(2) id(4). An atomic fragment is whole.
                    if (data.Length < 8)
                    {
                        _counters.CountMalformed(MalformedKind.Ip);
                        return;
                    }

                    if ((BinaryPrimitives.ReadUInt16BigEndian(data[2..]) & 0xfff9) != 0)
                    {
                        _counters.Ipv6Fragments++;
                        return;
                    }

                    next = data[0];
                    data = data[8..];
                    continue;
                case 51:
                    // Authentication header: length in 4-byte units - 2.
                    if (data.Length < 8 || (data[1] + 2) * 4 > data.Length)
                    {
                        _counters.CountMalformed(MalformedKind.Ip);
                        return;
                    }

                    next = data[0];
                    data = data[((data[1] + 2) * 4)..];
                    continue;
                default:
                    DecodeTransport(ref p, next, data);
                    return;
            }
        }

        _counters.CountMalformed(MalformedKind.Ip);
    }

    private void DecodeTransport(ref PacketInfo p, byte protocol, ReadOnlySpan<byte> data)
    {
        switch (protocol)
        {
            case FlowTracker.ProtocolTcp:
                DecodeTcp(ref p, data);
                break;
            case FlowTracker.ProtocolUdp:
                DecodeUdp(ref p, data);
                break;
            case 4:
                // IP-in-IP (RFC 2003).
                if (EnterTunnel(ref p))
                {
                    DecodeIpv4(ref p, data);
                }

                break;
            case 41:
                // IPv6 in IPv4 or IPv6 (6in4, RFC 4213).
                if (EnterTunnel(ref p))
                {
                    DecodeIpv6(ref p, data);
                }

                break;
            case 47:
                DecodeGre(ref p, data);
                break;
            default:
                // ICMP and ICMPv6 among others: a DNS message quoted inside an ICMP error is not a lookup.
                break;
        }
    }

    private bool EnterTunnel(ref PacketInfo p)
    {
        if (++p.Depth > MaxTunnelDepth)
        {
            _counters.CountMalformed(MalformedKind.Tunnel);
            return false;
        }

        _counters.TunnelledPackets++;
        return true;
    }
}
