using CoppiceMonitor.Simulation.Truth;
using CoppiceMonitor.Simulation.Wire;

namespace CoppiceMonitor.Simulation.Scenario;

/// <summary>
/// One exchange on a connection beyond its use minutes: a keep-alive, a push (server first) or a request. Bytes
/// are the TLS record payload each way (0: that side sends nothing).
/// </summary>
internal readonly record struct Exchange(DateTime At, int ClientBytes, int ServerBytes, bool ServerFirst = false);

/// <summary>How a TLS connection behaves besides its use minutes.</summary>
/// <param name="FirstRequest">False for a preconnect: handshake only, no request.</param>
/// <param name="Tail">Exchanges after the use minutes (keep-alives, pushes), in time order.</param>
internal sealed record TlsShape(bool FirstRequest = true, IReadOnlyList<Exchange>? Tail = null);

/// <summary>TLS-over-TCP and QUIC connections, packet by packet.</summary>
internal sealed partial class TrafficRenderer
{
    private static readonly TlsShape Ordinary = new();

    private TruthConnection Connect(DeviceState state, SimHost host, SimSite site, DateTime start, int minutes)
    {
        var serverIp = Resolve(state, host, start);
        var chrome = state.Device.Platform != SimPlatform.Iphone;
        var quic = chrome && site.OffersQuic && _random.Next(10) < 6;
        return quic
            ? Quic(state, host, serverIp, start, minutes, site.Video)
            : Tls(state, host, serverIp, start, minutes, site.Video, chrome);
    }

    /// <summary>A TLS connection with a shape of its own (preconnect, keep-alive tail, push channel).</summary>
    private TruthConnection ConnectTls(DeviceState state, SimHost host, DateTime start, int minutes, TlsShape shape)
    {
        var serverIp = Resolve(state, host, start);
        return Tls(state, host, serverIp, start, minutes, video: false, chrome: state.Device.Platform != SimPlatform.Iphone, shape);
    }

    /// <summary>Data times: one or two exchanges in each active minute after the first (the first has the handshake).</summary>
    private List<DateTime> MinuteTimes(DateTime start, int minutes)
    {
        var first = new DateTime(start.Ticks - (start.Ticks % TimeSpan.TicksPerMinute), DateTimeKind.Utc);
        var times = new List<DateTime>(minutes);
        for (var m = 1; m < minutes; m++)
        {
            // One exchange in every active minute, sometimes a second one later in the same minute.
            var at = first.AddMinutes(m).AddSeconds(1 + (_random.NextDouble() * 27));
            times.Add(at);
            if (_random.Next(2) == 0)
            {
                times.Add(at.AddSeconds(2 + (_random.NextDouble() * 27)));
            }
        }

        return times;
    }

    private TruthConnection Tls(DeviceState state, SimHost host, uint serverIp, DateTime t, int minutes, bool video, bool chrome,
        TlsShape? shape = null)
    {
        shape ??= Ordinary;
        var device = state.Device;
        var log = new ConnectionLog();
        var c = new Path4(device.Mac, RouterMac, device.Vlan, device.Ip, serverIp, state.TakePort(), 443, device.Ttl);
        var s = c.Reverse(ServerTtl);
        var cs = (uint)_random.Next() + 1u;
        var ss = (uint)_random.Next() + 1u;
        var rtt = Rtt();

        void Client(DateTime at, TcpFlags flags, ReadOnlySpan<byte> payload, ReadOnlySpan<byte> options = default)
        {
            Emit(at, FrameBuilder.Tcp(c, state.TakeIpId(), cs, ss, flags, 1026, options, payload));
            log.Packet(at, !payload.IsEmpty);
            cs += (uint)payload.Length + ((flags & (TcpFlags.Syn | TcpFlags.Fin)) != 0 ? 1u : 0u);
        }

        void Server(DateTime at, TcpFlags flags, ReadOnlySpan<byte> payload, ReadOnlySpan<byte> options = default)
        {
            Emit(at, FrameBuilder.Tcp(s, 0, ss, cs, flags, 501, options, payload));
            log.Packet(at, !payload.IsEmpty);
            ss += (uint)payload.Length + ((flags & (TcpFlags.Syn | TcpFlags.Fin)) != 0 ? 1u : 0u);
        }

        void ServerBulk(DateTime at, int length)
        {
            var data = ServerFlightBuilder.ApplicationData(length, _random);
            for (var offset = 0; offset < data.Length; offset += Mss)
            {
                Server(at, TcpFlags.Ack | (offset + Mss >= data.Length ? TcpFlags.Psh : 0), data.AsSpan(offset, Math.Min(Mss, data.Length - offset)));
                at += Micros(40);
            }
        }

        // Three-way handshake. The SYN carries no acknowledgment number.
        var synAck = ss;
        Emit(t, FrameBuilder.Tcp(c, state.TakeIpId(), cs, 0, TcpFlags.Syn, 64240, SynOptions, []));
        log.Packet(t, false);
        cs++;
        t += rtt;
        ss = synAck;
        Server(t, TcpFlags.Syn | TcpFlags.Ack, [], SynOptions);
        t += Micros(200);
        Client(t, TcpFlags.Ack, []);

        // ClientHello, split at the MSS when a post-quantum key share makes it longer than one segment.
        var pq = chrome && _random.Next(10) < 4;
        var placement = pq ? (_random.Next(10) < 4 ? SniPlacement.Last : SniPlacement.First) : SniPlacement.Anywhere;
        var (handshake, sniOffset) = ClientHelloBuilder.Build(
            new ClientHelloSpec(host.Name, ["h2", "http/1.1"], chrome ? HelloStyle.Chrome : HelloStyle.Safari, pq,
                chrome && _random.Next(2) == 0, placement, null), _random);
        var record = ClientHelloBuilder.WrapInRecord(handshake);
        var sessionId = record.AsSpan(5 + 4 + 2 + 32 + 1, 32).ToArray();
        t += Micros(300);
        var segments = 0;
        for (var offset = 0; offset < record.Length; offset += Mss)
        {
            Client(t, TcpFlags.Ack | (offset + Mss >= record.Length ? TcpFlags.Psh : 0), record.AsSpan(offset, Math.Min(Mss, record.Length - offset)));
            segments++;
            t += Micros(30);
        }

        // The host name's first byte: extension header(4) + list length(2) + type(1) + name length(2).
        var sniLater = 5 + sniOffset + 9 >= Mss;

        // Server flight, client Finished, first request and response.
        t += rtt;
        var flight = ServerFlightBuilder.TcpFlight(sessionId, 2500 + _random.Next(2500), _random);
        for (var offset = 0; offset < flight.Length; offset += Mss)
        {
            Server(t, TcpFlags.Ack | (offset + Mss >= flight.Length ? TcpFlags.Psh : 0), flight.AsSpan(offset, Math.Min(Mss, flight.Length - offset)));
            t += Micros(40);
        }

        t += Micros(500);
        var finished = new WireWriter(700);
        finished.Bytes([20, 0x03, 0x03, 0x00, 0x01, 0x01]);
        ServerFlightBuilder.AppendApplicationData(finished, 53, _random);
        if (shape.FirstRequest)
        {
            ServerFlightBuilder.AppendApplicationData(finished, 80 + _random.Next(600), _random);
        }

        Client(t, TcpFlags.Psh | TcpFlags.Ack, finished.WrittenSpan);
        t += rtt;
        if (shape.FirstRequest)
        {
            ServerBulk(t, 300 + _random.Next(video ? 4000 : 1800));
            t += Micros(800);
            Client(t, TcpFlags.Ack, []);
        }

        // Use: a request of a few hundred bytes and a response of a few KB (a page, a feed, a video segment).
        foreach (var at in MinuteTimes(t, minutes))
        {
            Client(at, TcpFlags.Psh | TcpFlags.Ack, ServerFlightBuilder.ApplicationData(160 + _random.Next(500), _random));
            ServerBulk(at + rtt, 1200 + _random.Next(video ? 2800 : 1300));
            Client(at + rtt + Micros(900), TcpFlags.Ack, []);
            t = at + rtt + Micros(900);
        }

        foreach (var e in shape.Tail ?? [])
        {
            // Keep-alives and pushes: a small record one way, the answer (or acknowledgement) the other.
            var clientAt = e.ServerFirst ? e.At + rtt : e.At;
            var serverAt = e.ServerFirst ? e.At : e.At + rtt;
            if (e.ServerFirst && e.ServerBytes > 0)
            {
                ServerBulk(serverAt, e.ServerBytes);
            }

            if (e.ClientBytes > 0)
            {
                Client(clientAt, TcpFlags.Psh | TcpFlags.Ack, ServerFlightBuilder.ApplicationData(e.ClientBytes, _random));
            }

            if (!e.ServerFirst && e.ServerBytes > 0)
            {
                ServerBulk(serverAt, e.ServerBytes);
            }

            t = e.At + rtt + Micros(900);
        }

        // Close: FIN from the client, FIN from the server, final ACK.
        t += TimeSpan.FromMilliseconds(300 + _random.Next(2500));
        Client(t, TcpFlags.Fin | TcpFlags.Ack, []);
        t += rtt;
        Server(t, TcpFlags.Fin | TcpFlags.Ack, []);
        t += Micros(150);
        Client(t, TcpFlags.Ack, []);

        return Truth(host, "tcp", c, log, pq, segments, sniLater);
    }

    private TruthConnection Quic(DeviceState state, SimHost host, uint serverIp, DateTime t, int minutes, bool video)
    {
        var device = state.Device;
        var log = new ConnectionLog();
        var c = new Path4(device.Mac, RouterMac, device.Vlan, device.Ip, serverIp, state.TakePort(), 443, device.Ttl);
        var s = c.Reverse(ServerTtl);
        var rtt = Rtt();
        var dcid = new byte[8];
        _random.NextBytes(dcid);
        var serverCid = new byte[8];
        _random.NextBytes(serverCid);
        byte[] clientCid = [];

        void Client(DateTime at, byte[] datagram)
        {
            Emit(at, FrameBuilder.Udp(c, state.TakeIpId(), datagram));
            log.Packet(at, true);
        }

        void Server(DateTime at, byte[] datagram)
        {
            Emit(at, FrameBuilder.Udp(s, 0, datagram));
            log.Packet(at, true);
        }

        var pq = _random.Next(10) < 4;
        var (hello, sniOffset) = ClientHelloBuilder.Build(
            new ClientHelloSpec(host.Name, ["h3"], HelloStyle.Chrome, pq, _random.Next(2) == 0, SniPlacement.Anywhere, clientCid), _random);

        // Chrome splits the CRYPTO stream into several frames and shuffles them; a post-quantum hello needs two
        // Initial packets. Each packet carries its slices in a shuffled order.
        var packets = new List<List<CryptoSlice>>();
        var perPacket = pq ? (hello.Length + 1) / 2 : hello.Length;
        for (var start = 0; start < hello.Length; start += perPacket)
        {
            var length = Math.Min(perPacket, hello.Length - start);
            var cut = 1 + _random.Next(length - 1);
            var slices = new List<CryptoSlice> { new(start, cut), new(start + cut, length - cut) };
            if (_random.Next(2) == 0)
            {
                slices.Reverse();
            }

            packets.Add(slices);
        }

        // Which Initial (in sending order) holds the first byte of the host name.
        var sniByte = sniOffset + 9;
        var sniPacket = packets.FindIndex(p => p.Any(x => sniByte >= x.Offset && sniByte < x.Offset + x.Length));
        if (pq && _random.Next(10) < 3)
        {
            packets.Reverse();
            sniPacket = packets.Count - 1 - sniPacket;
        }

        using (var clientKeys = new QuicInitialProtection(dcid, server: false))
        {
            ulong pn = 1;
            foreach (var slices in packets)
            {
                Client(t, QuicPacketBuilder.Initial(clientKeys, dcid, clientCid, pn++, hello, slices, null, 1250));
                t += Micros(60);
            }
        }

        // Server Initial (ACK + ServerHello) coalesced with a Handshake packet, then more Handshake data.
        t += rtt;
        var serverHello = ServerFlightBuilder.ServerHello([], _random);
        using (var serverKeys = new QuicInitialProtection(dcid, server: true))
        {
            var initial = QuicPacketBuilder.Initial(serverKeys, clientCid, serverCid, 0, serverHello,
                [new CryptoSlice(0, serverHello.Length)], packets.Count, 0);
            var datagram = new WireWriter(1300);
            datagram.Bytes(initial);
            datagram.Bytes(QuicPacketBuilder.Handshake(clientCid, serverCid, 1150 - initial.Length, _random));
            Server(t, datagram.ToArray());
        }

        Server(t + Micros(80), QuicPacketBuilder.Handshake(clientCid, serverCid, 900 + _random.Next(300), _random));
        t += Micros(1500);
        Client(t, QuicPacketBuilder.Handshake(serverCid, clientCid, 60, _random));
        t += Micros(200);
        Client(t, QuicPacketBuilder.Short(serverCid, 80 + _random.Next(400), _random));
        t += rtt;
        Server(t, QuicPacketBuilder.Short(clientCid, 1000 + _random.Next(300), _random));
        Server(t + Micros(50), QuicPacketBuilder.Short(clientCid, 300 + _random.Next(900), _random));
        Client(t + Micros(900), QuicPacketBuilder.Short(serverCid, 30, _random));

        foreach (var at in MinuteTimes(t, minutes))
        {
            Client(at, QuicPacketBuilder.Short(serverCid, 160 + _random.Next(400), _random));
            var count = video ? 3 : 1 + _random.Next(2);
            for (var i = 0; i < count; i++)
            {
                Server(at + rtt + Micros(60 * i), QuicPacketBuilder.Short(clientCid, 1000 + _random.Next(300), _random));
            }

            Client(at + rtt + Micros(1200), QuicPacketBuilder.Short(serverCid, 30, _random));
        }

        return Truth(host, "quic", c, log, pq, packets.Count, sniPacket > 0);
    }

    private static TruthConnection Truth(SimHost host, string transport, in Path4 c, ConnectionLog log, bool pq, int helloPackets, bool sniLater) =>
        new(host.Name, host.Service, host.Role.ToString(), transport,
            FormatIp(c.SourceIp), c.SourcePort, FormatIp(c.DestinationIp), c.DestinationPort,
            log.First, log.Last, [.. log.Minutes], pq, helloPackets, sniLater);
}
