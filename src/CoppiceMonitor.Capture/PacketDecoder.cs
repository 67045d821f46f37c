using System.Buffers.Binary;
using System.Net;
using CoppiceMonitor.Capture.Dhcp;
using CoppiceMonitor.Capture.Dns;
using CoppiceMonitor.Capture.Flows;
using CoppiceMonitor.Capture.Http;
using CoppiceMonitor.Capture.Quic;
using CoppiceMonitor.Capture.Tls;

namespace CoppiceMonitor.Capture;

/// <summary>
/// Decodes raw frames into <see cref="Observation"/>s: link layer, VLAN tags, IPv4/IPv6, tunnels, then DNS, DHCP,
/// TLS ClientHello (reassembled per flow), QUIC Initial, HTTP Host and flow summaries. Not thread-safe: one decoder
/// per capture thread. Nothing on the packet path allocates except the observations themselves (their strings and
/// addresses), and no packet bytes can make it throw.
/// </summary>
public sealed class PacketDecoder : IFrameHandler, IIdleHandler
{
    private const int MaxTunnelDepth = 4;
    private const int MaxPooledAssemblers = 1024;

    /// <summary>
    /// Client segments kept while waiting for a TLS record start when no SYN was seen: a hello reordered in flight
    /// shows its start within a few segments; a connection picked up mid-stream never does.
    /// </summary>
    private const int MaxSegmentsBeforeHelloStart = 4;
    private const int MaxDnsQuestions = 32;
    private const int MaxDnsAnswers = 256;
    private const byte ProtocolTcp = 6;
    private const byte ProtocolUdp = 17;

    private static readonly DnsMessageHandler<TcpDnsState> OnTcpDnsMessageHandler = OnTcpDnsMessage;

    private readonly IObservationSink _sink;
    private readonly DecoderCounters _counters = new();
    private readonly FlowTable _flows;
    private readonly QuicInitialTracker _quic;
    private readonly Stack<TlsClientHelloAssembler> _assemblers = new();
    private long _nextExpiryTicks;

    public PacketDecoder(IObservationSink sink, CaptureOptions options)
    {
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentNullException.ThrowIfNull(options);
        _sink = sink;
        _flows = new FlowTable(options.MaxFlows, TimeSpan.FromSeconds(options.FlowIdleSeconds), OnFlowRemoved);
        _quic = new QuicInitialTracker(options.MaxQuicPendingConnections);
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

    void IIdleHandler.OnIdle(DateTime nowUtc) => Expire(nowUtc);

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
            case ProtocolTcp:
                DecodeTcp(ref p, data);
                break;
            case ProtocolUdp:
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

    private void DecodeGre(ref PacketInfo p, ReadOnlySpan<byte> data)
    {
        // RFC 2784/2890: C R K S flags, version(3 bits), protocol type(2), then optional checksum+offset(4),
        // key(4), sequence(4). Version 1 is PPTP's enhanced GRE (RFC 2637): key always, optional sequence and ack.
        if (data.Length < 4)
        {
            _counters.CountMalformed(MalformedKind.Tunnel);
            return;
        }

        var flags = BinaryPrimitives.ReadUInt16BigEndian(data);
        var protocol = BinaryPrimitives.ReadUInt16BigEndian(data[2..]);
        var length = 4;
        var version = flags & 7;
        if (version == 0)
        {
            length += ((flags & 0xc000) != 0 ? 4 : 0) + ((flags & 0x2000) != 0 ? 4 : 0) + ((flags & 0x1000) != 0 ? 4 : 0);
        }
        else if (version == 1)
        {
            length += 4 + ((flags & 0x1000) != 0 ? 4 : 0) + ((flags & 0x0080) != 0 ? 4 : 0);
        }
        else
        {
            _counters.CountMalformed(MalformedKind.Tunnel);
            return;
        }

        if (data.Length < length || !EnterTunnel(ref p))
        {
            return;
        }

        var inner = data[length..];
        switch (protocol)
        {
            case 0x6558:
                DecodeEthernet(ref p, inner);
                break;
            case 0x880b:
                DecodePpp(ref p, inner);
                break;
            case 0x88be:
                // ERSPAN type II carries an 8-byte header when the GRE sequence bit is set; type I has none.
                if ((flags & 0x1000) != 0)
                {
                    if (inner.Length < 8)
                    {
                        _counters.CountMalformed(MalformedKind.Tunnel);
                        return;
                    }

                    inner = inner[8..];
                }

                DecodeEthernet(ref p, inner);
                break;
            default:
                DecodeEtherType(ref p, protocol, inner);
                break;
        }
    }

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

        if (sourcePort == 53 || destinationPort == 53)
        {
            DecodeDns(ref p, payload, TransportProtocol.Udp, sourcePort, destinationPort, local: false);
        }
        else if (sourcePort is 5353 or 5355 || destinationPort is 5353 or 5355)
        {
            DecodeDns(ref p, payload, TransportProtocol.Udp, sourcePort, destinationPort, local: true);
        }
        else if (sourcePort is 67 or 68 && destinationPort is 67 or 68)
        {
            DecodeDhcp(ref p, payload, sourcePort, destinationPort);
        }
        else if (destinationPort == 4789 || sourcePort == 4789)
        {
            DecodeVxlan(ref p, payload);
        }
        else if (destinationPort == 6081 || sourcePort == 6081)
        {
            DecodeGeneve(ref p, payload);
        }
        else if (destinationPort == 5247 || sourcePort == 5247)
        {
            DecodeCapwapData(ref p, payload);
        }
        else if (destinationPort == 2152 && sourcePort == 2152)
        {
            DecodeGtpUser(ref p, payload);
        }
        else if ((destinationPort == 3544 || sourcePort == 3544) && LooksLikeTeredo(payload))
        {
            DecodeTeredo(ref p, payload);
        }
        else
        {
            DecodeUdpFlow(ref p, sourcePort, destinationPort, payload);
        }
    }

    private void DecodeVxlan(ref PacketInfo p, ReadOnlySpan<byte> payload)
    {
        // RFC 7348: flags(1, I bit 0x08) reserved(3) VNI(3) reserved(1), then an Ethernet frame.
        if (payload.Length < 8 || (payload[0] & 0x08) == 0)
        {
            _counters.CountMalformed(MalformedKind.Tunnel);
            return;
        }

        if (EnterTunnel(ref p))
        {
            DecodeEthernet(ref p, payload[8..]);
        }
    }

    private void DecodeGeneve(ref PacketInfo p, ReadOnlySpan<byte> payload)
    {
        // RFC 8926: version(2 bits) option length(6 bits, 4-byte units) flags(1) protocol type(2) VNI(3) reserved(1).
        if (payload.Length < 8 || (payload[0] >> 6) != 0)
        {
            _counters.CountMalformed(MalformedKind.Tunnel);
            return;
        }

        var headerLength = 8 + ((payload[0] & 0x3f) * 4);
        if (payload.Length < headerLength || !EnterTunnel(ref p))
        {
            return;
        }

        var protocol = BinaryPrimitives.ReadUInt16BigEndian(payload[2..]);
        if (protocol == 0x6558)
        {
            DecodeEthernet(ref p, payload[headerLength..]);
        }
        else
        {
            DecodeEtherType(ref p, protocol, payload[headerLength..]);
        }
    }

    private void DecodeCapwapData(ref PacketInfo p, ReadOnlySpan<byte> payload)
    {
        // RFC 5415 section 4.3: preamble(1: version, type), then 24 bits HLEN(5) RID(5) WBID(5) T F L W M K flags(3),
        // fragment id(2) offset(2), optional fields; HLEN counts 4-byte words of the whole header.
        if (payload.Length < 8 || payload[0] != 0)
        {
            _counters.CountMalformed(MalformedKind.Tunnel);
            return;
        }

        var bits = (payload[1] << 16) | (payload[2] << 8) | payload[3];
        var headerLength = (bits >> 19) * 4;
        var wirelessBinding = (bits >> 9) & 0x1f;
        var nativeFrame = ((bits >> 8) & 1) != 0;
        var fragment = ((bits >> 7) & 1) != 0;
        if (headerLength < 8 || payload.Length < headerLength || fragment || !EnterTunnel(ref p))
        {
            return;
        }

        var inner = payload[headerLength..];
        if (nativeFrame && wirelessBinding == 1)
        {
            DecodeIeee80211Data(ref p, inner);
        }
        else
        {
            DecodeEthernet(ref p, inner);
        }
    }

    private void DecodeIeee80211Data(ref PacketInfo p, ReadOnlySpan<byte> frame)
    {
        // IEEE 802.11 data frame: frame control(2) duration(2) addr1 addr2 addr3(6 each) sequence(2) [addr4]
        // [QoS(2)], then LLC/SNAP aa aa 03 00 00 00 + EtherType.
        if (frame.Length < 24 || ((frame[0] >> 2) & 3) != 2)
        {
            _counters.NonIp++;
            return;
        }

        var toDs = (frame[1] & 1) != 0;
        var fromDs = (frame[1] & 2) != 0;
        var length = 24 + (toDs && fromDs ? 6 : 0) + ((frame[0] & 0x80) != 0 ? 2 : 0);
        if (frame.Length < length + 8 || frame[length] != 0xaa || frame[length + 1] != 0xaa)
        {
            _counters.NonIp++;
            return;
        }

        // The transmitting station's address: addr2 when the frame goes to the distribution system.
        p.SourceMac = MacAddress.FromSpan(frame.Slice(toDs ? 10 : 16, 6));
        p.DestinationMac = MacAddress.FromSpan(frame.Slice(toDs ? 16 : 4, 6));
        DecodeEtherType(ref p, BinaryPrimitives.ReadUInt16BigEndian(frame[(length + 6)..]), frame[(length + 8)..]);
    }

    private void DecodeGtpUser(ref PacketInfo p, ReadOnlySpan<byte> payload)
    {
        // GTPv1-U (3GPP TS 29.281): flags(1: version 1, PT, E S PN) type(1, 255 = G-PDU) length(2) TEID(4);
        // if any of E/S/PN: sequence(2) N-PDU(1) next extension type(1), then extensions (length in 4-byte units).
        if (payload.Length < 8 || (payload[0] >> 5) != 1 || payload[1] != 0xff)
        {
            return;
        }

        var offset = 8;
        if ((payload[0] & 0x07) != 0)
        {
            if (payload.Length < 12)
            {
                _counters.CountMalformed(MalformedKind.Tunnel);
                return;
            }

            var nextType = payload[11];
            offset = 12;
            for (var i = 0; nextType != 0 && i < 8; i++)
            {
                if (offset >= payload.Length || payload[offset] == 0 || offset + (payload[offset] * 4) > payload.Length)
                {
                    _counters.CountMalformed(MalformedKind.Tunnel);
                    return;
                }

                var length = payload[offset] * 4;
                nextType = payload[offset + length - 1];
                offset += length;
            }
        }

        if (EnterTunnel(ref p))
        {
            DecodeIpByVersion(ref p, payload[offset..]);
        }
    }

    private static bool LooksLikeTeredo(ReadOnlySpan<byte> payload) =>
        payload.Length >= 40 && ((payload[0] >> 4) == 6 || (payload[0] == 0 && payload[1] is 0 or 1));

    private void DecodeTeredo(ref PacketInfo p, ReadOnlySpan<byte> payload)
    {
        // RFC 4380 section 5.1.1: optional authentication (00 01 idlen aulen id auth nonce(8) confirmation(1))
        // and origin indication (00 00 port(2) address(4)) headers precede the IPv6 packet.
        for (var i = 0; i < 2 && payload.Length >= 2 && payload[0] == 0; i++)
        {
            if (payload[1] == 1 && payload.Length >= 4)
            {
                var skip = 4 + payload[2] + payload[3] + 9;
                payload = payload.Length >= skip ? payload[skip..] : default;
            }
            else if (payload[1] == 0 && payload.Length >= 8)
            {
                payload = payload[8..];
            }
            else
            {
                break;
            }
        }

        if (payload.Length >= 40 && (payload[0] >> 4) == 6 && EnterTunnel(ref p))
        {
            DecodeIpv6(ref p, payload);
        }
    }

    private void DecodeUdpFlow(ref PacketInfo p, ushort sourcePort, ushort destinationPort, ReadOnlySpan<byte> payload)
    {
        var key = FlowKey.Create(ToKeyAddress(p.SourceAddress), sourcePort, ToKeyAddress(p.DestinationAddress), destinationPort, ProtocolUdp, p.Vlan, out var sourceIsA);
        var entry = _flows.Find(key);
        if (entry is not null)
        {
            _flows.Touch(entry, p.Timestamp);
            CountPayload(entry, sourceIsA == entry.ClientIsA, payload.Length, p.Timestamp);
        }

        if (payload.IsEmpty || !QuicInitialTracker.LooksLikeQuicLongHeader(payload))
        {
            return;
        }

        var status = _quic.TryProcess(payload, key.Hash64, p.Timestamp, out var hello, out _);
        if (status == ParseStatus.Malformed)
        {
            _counters.CountMalformed(MalformedKind.Quic);
        }

        if (status != ParseStatus.Success)
        {
            return;
        }

        _counters.QuicClientHellos++;
        if (string.IsNullOrEmpty(hello.ServerName))
        {
            return;
        }

        if (entry is null)
        {
            entry = AddFlow(key, p.Timestamp);
            entry.ClientIsA = sourceIsA;
            entry.ClientMac = p.SourceMac;
            CountPayload(entry, true, payload.Length, p.Timestamp);
        }

        if (entry.Name is null)
        {
            NameFlow(ref p, entry, fromClient: sourceIsA == entry.ClientIsA, hello.ServerName);
            Emit(ref p, ObservationKind.QuicInitial, entry, TransportProtocol.Udp, hello.ServerName, new ClientHelloDetail(hello.Alpn, hello.HasEncryptedClientHello, hello.HighestVersionOffered));
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

        var key = FlowKey.Create(ToKeyAddress(p.SourceAddress), sourcePort, ToKeyAddress(p.DestinationAddress), destinationPort, ProtocolTcp, p.Vlan, out var sourceIsA);
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

            entry = AddFlow(key, p.Timestamp);

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
            CountPayload(entry, fromClient, payload.Length, p.Timestamp);
            if (sourcePort == 53 || destinationPort == 53)
            {
                DecodeDnsOverTcp(ref p, entry, fromClient, sequence, payload, sourcePort, destinationPort);
            }
            else if (fromClient && !entry.HelloDone)
            {
                DecodeClientFirstBytes(ref p, entry, sequence, payload);
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

    private void DecodeClientFirstBytes(ref PacketInfo p, FlowEntry entry, uint sequence, ReadOnlySpan<byte> payload)
    {
        if (entry.Hello is null)
        {
            // The stream's first byte is in hand when this segment follows the client's SYN directly; anything but
            // a TLS handshake record (0x16) there means this is not a TLS connection. Without a SYN the same goes
            // for plain HTTP on port 80 (a request line is unmistakable).
            var atStreamStart = entry.SawClientSyn && sequence == unchecked(entry.ClientInitialSequence + 1);
            if (payload[0] != 0x16 && (atStreamStart || entry.ServerPort == 80))
            {
                entry.HelloDone = true;
                if (entry.ServerPort == 80)
                {
                    DecodeHttpRequest(ref p, entry, payload);
                }

                return;
            }

            entry.Hello = _assemblers.Count > 0 ? _assemblers.Pop() : new TlsClientHelloAssembler();
            if (entry.SawClientSyn)
            {
                entry.Hello.Add(entry.ClientInitialSequence, true, default, out _);
            }
        }

        var status = entry.Hello.Add(sequence, false, payload, out var hello);
        if (status == ParseStatus.NeedMoreData)
        {
            // Without a SYN, segments that precede the record start are kept aside by the assembler (a reordered
            // hello's later part); a mid-stream connection never shows a start, so give up after a few segments.
            if (!entry.Hello.HasStreamStart && ++entry.SegmentsBeforeHelloStart >= MaxSegmentsBeforeHelloStart)
            {
                ReleaseAssembler(entry);
                entry.HelloDone = true;
            }

            return;
        }

        ReleaseAssembler(entry);
        entry.HelloDone = true;
        if (status == ParseStatus.Malformed)
        {
            _counters.CountMalformed(MalformedKind.Tls);
        }

        if (status != ParseStatus.Success)
        {
            return;
        }

        _counters.TlsClientHellos++;
        if (string.IsNullOrEmpty(hello.ServerName))
        {
            _counters.TlsClientHellosWithoutSni++;
            return;
        }

        NameFlow(ref p, entry, fromClient: true, hello.ServerName);
        Emit(ref p, ObservationKind.TlsClientHello, entry, TransportProtocol.Tcp, hello.ServerName, new ClientHelloDetail(hello.Alpn, hello.HasEncryptedClientHello, hello.HighestVersionOffered));
    }

    private void DecodeHttpRequest(ref PacketInfo p, FlowEntry entry, ReadOnlySpan<byte> payload)
    {
        Span<char> host = stackalloc char[256];
        var status = HttpHostParser.TryParseHost(payload, host, out var length);
        if (status == ParseStatus.Malformed)
        {
            _counters.CountMalformed(MalformedKind.Http);
        }

        if (status != ParseStatus.Success)
        {
            return;
        }

        var name = new string(host[..length]);
        NameFlow(ref p, entry, fromClient: true, name);
        Emit(ref p, ObservationKind.HttpHost, entry, TransportProtocol.Tcp, name, null);
    }

    private void DecodeDnsOverTcp(ref PacketInfo p, FlowEntry entry, bool fromClient, uint sequence, ReadOnlySpan<byte> payload, ushort sourcePort, ushort destinationPort)
    {
        var stream = fromClient ? entry.DnsFromClient : entry.DnsFromServer;
        if (stream is null)
        {
            // A seen SYN fixes where the stream starts, so a first data segment that arrives late is not lost.
            stream = new DnsTcpStream();
            if (fromClient && entry.SawClientSyn)
            {
                stream.Start(unchecked(entry.ClientInitialSequence + 1));
            }
            else if (!fromClient && entry.SawServerSyn)
            {
                stream.Start(unchecked(entry.ServerInitialSequence + 1));
            }

            if (fromClient)
            {
                entry.DnsFromClient = stream;
            }
            else
            {
                entry.DnsFromServer = stream;
            }
        }

        var state = new TcpDnsState { Decoder = this, Packet = p, SourcePort = sourcePort, DestinationPort = destinationPort };
        stream.Add(sequence, payload, ref state, OnTcpDnsMessageHandler);
    }

    private static void OnTcpDnsMessage(ref TcpDnsState state, ReadOnlySpan<byte> message) =>
        state.Decoder.DecodeDns(ref state.Packet, message, TransportProtocol.Tcp, state.SourcePort, state.DestinationPort, local: false);

    private void DecodeDns(ref PacketInfo p, ReadOnlySpan<byte> message, TransportProtocol transport, ushort sourcePort, ushort destinationPort, bool local)
    {
        if (!DnsMessageParser.TryReadHeader(message, out var header))
        {
            _counters.CountMalformed(MalformedKind.Dns);
            return;
        }

        Span<char> text = stackalloc char[DnsMessageParser.MaxNameChars];
        var offset = DnsHeader.Length;
        if (!header.IsResponse)
        {
            for (var i = 0; i < header.QuestionCount && i < MaxDnsQuestions; i++)
            {
                if (DnsMessageParser.TryReadName(message, ref offset, text, out var length) != ParseStatus.Success)
                {
                    _counters.CountMalformed(MalformedKind.Dns);
                    return;
                }

                // QTYPE and QCLASS must follow: a question cut short is damage, not a lookup.
                if (offset + 4 > message.Length)
                {
                    _counters.CountMalformed(MalformedKind.Dns);
                    return;
                }

                offset += 4;
                if (length == 0)
                {
                    continue;
                }

                var name = new string(text[..length]);
                Emit(ref p, local ? ObservationKind.Mdns : ObservationKind.DnsQuery, new IPAddress(p.SourceAddress), p.SourceMac, new IPAddress(p.DestinationAddress), destinationPort, transport, name, null);
            }

            return;
        }

        if (local)
        {
            // Multicast DNS responses announce local services; they are not anybody's lookup.
            return;
        }

        DecodeDnsResponse(ref p, message, header, transport, sourcePort, text);
    }

    private void DecodeDnsResponse(ref PacketInfo p, ReadOnlySpan<byte> message, DnsHeader header, TransportProtocol transport, ushort sourcePort, scoped Span<char> text)
    {
        var offset = DnsHeader.Length;
        if (header.QuestionCount == 0)
        {
            return;
        }

        if (DnsMessageParser.TryReadName(message, ref offset, text, out var questionLength) != ParseStatus.Success || offset + 4 > message.Length)
        {
            _counters.CountMalformed(MalformedKind.Dns);
            return;
        }

        var questionName = new string(text[..questionLength]);
        offset += 4;
        for (var i = 1; i < header.QuestionCount && i < MaxDnsQuestions; i++)
        {
            if (!DnsMessageParser.TrySkipName(message, ref offset) || offset + 4 > message.Length)
            {
                _counters.CountMalformed(MalformedKind.Dns);
                return;
            }

            offset += 4;
        }

        List<IPAddress>? addresses = null;
        List<string>? canonicalNames = null;
        var hasEch = false;
        for (var i = 0; i < header.AnswerCount && i < MaxDnsAnswers; i++)
        {
            // RR: name, type(2) class(2) TTL(4) rdlength(2) rdata (RFC 1035 section 4.1.3).
            if (!DnsMessageParser.TrySkipName(message, ref offset) || offset + 10 > message.Length)
            {
                _counters.CountMalformed(MalformedKind.Dns);
                break;
            }

            var type = BinaryPrimitives.ReadUInt16BigEndian(message[offset..]);
            var dataLength = BinaryPrimitives.ReadUInt16BigEndian(message[(offset + 8)..]);
            var dataStart = offset + 10;
            if (dataStart + dataLength > message.Length)
            {
                _counters.CountMalformed(MalformedKind.Dns);
                break;
            }

            var data = message.Slice(dataStart, dataLength);
            switch (type)
            {
                case DnsType.A when dataLength == 4:
                case DnsType.Aaaa when dataLength == 16:
                    (addresses ??= []).Add(new IPAddress(data));
                    break;
                case DnsType.Cname:
                    var cnameOffset = dataStart;
                    if (DnsMessageParser.TryReadName(message, ref cnameOffset, text, out var cnameLength) == ParseStatus.Success && cnameLength > 0)
                    {
                        (canonicalNames ??= []).Add(new string(text[..cnameLength]));
                    }

                    break;
                case DnsType.Https:
                case DnsType.Svcb:
                    hasEch |= SvcbHasEch(data);
                    break;
                default:
                    break;
            }

            offset = dataStart + dataLength;
        }

        if (questionLength == 0)
        {
            return;
        }

        var detail = new DnsAnswerDetail(
            addresses is null ? [] : addresses,
            canonicalNames is null ? [] : canonicalNames,
            hasEch);
        Emit(ref p, ObservationKind.DnsAnswer, new IPAddress(p.DestinationAddress), p.DestinationMac, new IPAddress(p.SourceAddress), sourcePort, transport, questionName, detail);
    }

    /// <summary>SVCB/HTTPS RDATA (RFC 9460): priority(2) target name (uncompressed), then key(2) length(2) value params.</summary>
    private static bool SvcbHasEch(ReadOnlySpan<byte> data)
    {
        var offset = 2;
        if (data.Length < 3 || !DnsMessageParser.TrySkipName(data, ref offset))
        {
            return false;
        }

        while (offset + 4 <= data.Length)
        {
            var key = BinaryPrimitives.ReadUInt16BigEndian(data[offset..]);
            var length = BinaryPrimitives.ReadUInt16BigEndian(data[(offset + 2)..]);
            if (key == 5)
            {
                return true;
            }

            offset += 4 + length;
        }

        return false;
    }

    private void DecodeDhcp(ref PacketInfo p, ReadOnlySpan<byte> payload, ushort sourcePort, ushort destinationPort)
    {
        var status = DhcpParser.TryParse(payload, out var message);
        if (status == ParseStatus.Malformed)
        {
            _counters.CountMalformed(MalformedKind.Dhcp);
        }

        if (status != ParseStatus.Success)
        {
            return;
        }

        if (message.Truncated)
        {
            _counters.CountMalformed(MalformedKind.Dhcp);
        }

        var hostname = HostnameText(message.Hostname);
        if (message.Op == 1)
        {
            var requested = message.RequestedAddress != 0 ? message.RequestedAddress : message.ClientAddress;
            var detail = new DhcpDetail(message.Type ?? 0, requested != 0 ? ToIPAddress(requested) : null, null, message.LeaseSeconds);
            Emit(ref p, ObservationKind.DhcpLease, new IPAddress(p.SourceAddress), message.ClientHardwareAddress, new IPAddress(p.DestinationAddress), destinationPort, TransportProtocol.Udp, hostname, detail);
        }
        else if (message.Type == DhcpMessageType.Ack)
        {
            var assigned = message.YourAddress != 0 ? ToIPAddress(message.YourAddress) : null;
            var detail = new DhcpDetail(DhcpMessageType.Ack, null, assigned, message.LeaseSeconds);
            Emit(ref p, ObservationKind.DhcpLease, assigned ?? new IPAddress(p.DestinationAddress), message.ClientHardwareAddress, new IPAddress(p.SourceAddress), sourcePort, TransportProtocol.Udp, hostname, detail);
        }
    }

    private static string? HostnameText(ReadOnlySpan<byte> raw)
    {
        // Some clients count a terminating NUL in option 12's length.
        raw = raw.TrimEnd((byte)0);
        if (raw.IsEmpty)
        {
            return null;
        }

        Span<char> text = stackalloc char[raw.Length * 4];
        var length = DnsMessageParser.AppendLabel(raw, text, 0);
        if (length > 0 && text[length - 1] == '.')
        {
            length--;
        }

        return new string(text[..length]);
    }

    private FlowEntry AddFlow(in FlowKey key, DateTime timestampUtc)
    {
        _counters.FlowsCreated++;
        return _flows.Add(key, timestampUtc);
    }

    private static void CountPayload(FlowEntry entry, bool fromClient, int length, DateTime timestampUtc)
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

    private static void NameFlow(ref PacketInfo p, FlowEntry entry, bool fromClient, string name)
    {
        entry.Name = name;
        entry.ClientAddress = new IPAddress(fromClient ? p.SourceAddress : p.DestinationAddress);
        entry.ServerAddress = new IPAddress(fromClient ? p.DestinationAddress : p.SourceAddress);
        entry.MarkActive(p.Timestamp);
    }

    private void ReleaseAssembler(FlowEntry entry)
    {
        if (entry.Hello is null)
        {
            return;
        }

        if (_assemblers.Count < MaxPooledAssemblers)
        {
            entry.Hello.Reset();
            _assemblers.Push(entry.Hello);
        }

        entry.Hello = null;
    }

    private void OnFlowRemoved(FlowEntry entry, FlowEnd reason)
    {
        switch (reason)
        {
            case FlowEnd.Closed:
                _counters.FlowsClosed++;
                break;
            case FlowEnd.Expired:
                _counters.FlowsExpired++;
                break;
            case FlowEnd.Evicted:
                _counters.FlowsEvicted++;
                break;
            default:
                break;
        }

        ReleaseAssembler(entry);
        entry.DnsFromClient?.Clear();
        entry.DnsFromServer?.Clear();
        if (entry.Name is null || entry.ClientAddress is null || entry.ServerAddress is null)
        {
            return;
        }

        var detail = new FlowDetail(entry.FirstSeenUtc, entry.LastSeenUtc, entry.BytesFromClient, entry.BytesToClient, entry.ActiveMinutes is null ? [] : entry.ActiveMinutes);
        var transport = entry.Key.Protocol == ProtocolTcp ? TransportProtocol.Tcp : TransportProtocol.Udp;
        Write(new Observation(entry.LastSeenUtc, ObservationKind.FlowSummary, entry.ClientAddress, entry.ClientMac, entry.ServerAddress, entry.ServerPort, transport, entry.Key.Vlan, entry.Name, detail));
    }

    private void Emit(ref PacketInfo p, ObservationKind kind, FlowEntry entry, TransportProtocol transport, string name, ObservationDetail? detail) =>
        Write(new Observation(p.Timestamp, kind, entry.ClientAddress!, entry.ClientMac, entry.ServerAddress!, entry.ServerPort, transport, p.Vlan, name, detail));

    private void Emit(ref PacketInfo p, ObservationKind kind, IPAddress client, MacAddress clientMac, IPAddress server, ushort serverPort, TransportProtocol transport, string? name, ObservationDetail? detail) =>
        Write(new Observation(p.Timestamp, kind, client, clientMac, server, serverPort, transport, p.Vlan, name, detail));

    private void Write(in Observation observation)
    {
        _counters.CountObservation(observation.Kind);
        _sink.Write(observation);
    }

    private static UInt128 ToKeyAddress(ReadOnlySpan<byte> address) =>
        address.Length == 4
            ? ((UInt128)0xffff << 32) | BinaryPrimitives.ReadUInt32BigEndian(address)
            : address.Length == 16 ? BinaryPrimitives.ReadUInt128BigEndian(address) : UInt128.Zero;

    private static IPAddress ToIPAddress(uint address)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, address);
        return new IPAddress(bytes);
    }

    /// <summary>What the layers below have learned about the packet being decoded.</summary>
    private ref struct PacketInfo
    {
        public DateTime Timestamp;
        public ushort Vlan;
        public MacAddress SourceMac;
        public MacAddress DestinationMac;
        public ReadOnlySpan<byte> SourceAddress;
        public ReadOnlySpan<byte> DestinationAddress;
        public int Depth;
    }

    private ref struct TcpDnsState
    {
        public PacketDecoder Decoder;
        public PacketInfo Packet;
        public ushort SourcePort;
        public ushort DestinationPort;
    }
}
