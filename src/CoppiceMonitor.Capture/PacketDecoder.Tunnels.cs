using System.Buffers.Binary;

namespace CoppiceMonitor.Capture;

// Tunnels: each one strips its header and hands the inner packet back to the walker (depth-limited by EnterTunnel).
public sealed partial class PacketDecoder
{
    /// <summary>UDP-borne tunnels by port; false when the datagram is not one (it is then tracked as a flow).</summary>
    private bool TryDecodeUdpTunnel(ref PacketInfo p, ushort sourcePort, ushort destinationPort, ReadOnlySpan<byte> payload)
    {
        if (destinationPort == 4789 || sourcePort == 4789)
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
            return false;
        }

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
        // IEEE 802.11 data frame: frame control(2: version/type/subtype, then flags) duration(2) addr1 addr2
        // addr3(6 each) sequence(2) [addr4] [QoS(2)], then LLC/SNAP aa aa 03 00 00 00 + EtherType.
        if (frame.Length < 24)
        {
            _counters.NonIp++;
            return;
        }

        // Some Cisco controllers send the Frame Control field byte-swapped (Wireshark's "Swap Frame Control"):
        // the flags come first. A version-0 data frame in the second byte, when the first is not one, is that.
        var typeByte = frame[0];
        var flags = frame[1];
        if (!IsVersion0DataFrame(typeByte) && IsVersion0DataFrame(flags))
        {
            (typeByte, flags) = (flags, typeByte);
        }
        else if (((typeByte >> 2) & 3) != 2)
        {
            _counters.NonIp++;
            return;
        }

        var toDs = (flags & 1) != 0;
        var fromDs = (flags & 2) != 0;
        var length = 24 + (toDs && fromDs ? 6 : 0) + ((typeByte & 0x80) != 0 ? 2 : 0);
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

    /// <summary>Frame Control's first byte: protocol version 0 (bits 0-1) and type 2, data (bits 2-3).</summary>
    private static bool IsVersion0DataFrame(byte typeByte) => (typeByte & 0x0f) == 0x08;

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
}
