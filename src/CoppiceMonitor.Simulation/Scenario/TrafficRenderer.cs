using System.Globalization;
using System.Net;
using CoppiceMonitor.Simulation.Truth;
using CoppiceMonitor.Simulation.Wire;

namespace CoppiceMonitor.Simulation.Scenario;

/// <summary>
/// Turns the day plan into frames: DHCP on arrival (and renewals), DNS before connections, TLS over TCP and QUIC
/// connections with data in each active minute. Frames are collected with their timestamps and written in time
/// order; the truth is taken from the packets actually emitted, so it cannot drift from the capture.
/// </summary>
internal sealed partial class TrafficRenderer
{
    private const ulong RouterMac = 0x001b_210c_0f01UL;
    private const byte ServerTtl = 57;
    private const int Mss = 1460;
    private const uint LeaseSeconds = 4 * 3600;
    private static readonly long UnixEpochTicks = DateTime.UnixEpoch.Ticks;

    private readonly Random _random;
    private readonly List<Frame> _frames = new(300_000);
    private readonly Dictionary<SimDevice, DeviceState> _states = [];
    private long _sequence;

    public TrafficRenderer(Random random) => _random = random;

    public int FrameCount => _frames.Count;

    private readonly record struct Frame(long Micros, long Sequence, byte[] Bytes);

    private sealed class DeviceState(SimDevice device, ushort firstPort, ushort firstIpId)
    {
        public SimDevice Device { get; } = device;
        public ushort NextPort { get; set; } = firstPort;
        public ushort IpId { get; set; } = firstIpId;
        public Dictionary<string, (DateTime Resolved, DateTime Expiry, uint Address)> DnsCache { get; } = new(StringComparer.Ordinal);

        public ushort TakePort()
        {
            var port = NextPort;
            NextPort = port >= 65000 ? (ushort)49152 : (ushort)(port + 1);
            return port;
        }

        public ushort TakeIpId() => IpId++;
    }

    /// <summary>Tracks one connection's packets: first/last time and the minutes that carried payload.</summary>
    private sealed class ConnectionLog
    {
        public DateTime First { get; private set; } = DateTime.MaxValue;
        public DateTime Last { get; private set; } = DateTime.MinValue;
        public SortedSet<DateTime> Minutes { get; } = [];

        public void Packet(DateTime t, bool payload)
        {
            t = ToMicroseconds(t);
            if (t < First)
            {
                First = t;
            }

            if (t > Last)
            {
                Last = t;
            }

            if (payload)
            {
                Minutes.Add(new DateTime(t.Ticks - (t.Ticks % TimeSpan.TicksPerMinute), DateTimeKind.Utc));
            }
        }
    }

    private DeviceState State(SimDevice device)
    {
        if (!_states.TryGetValue(device, out var state))
        {
            state = new DeviceState(device, (ushort)_random.Next(49152, 60000), (ushort)_random.Next(65536));
            _states[device] = state;
        }

        return state;
    }

    private static uint Gateway(SimDevice device) => SchoolPopulation.Address(device.Vlan, 0, 1);

    private void Emit(DateTime t, byte[] frame) =>
        _frames.Add(new Frame((t.Ticks - UnixEpochTicks) / 10, _sequence++, frame));

    /// <summary>The time as the pcap stores it (microseconds), so truth and capture agree exactly.</summary>
    public static DateTime ToMicroseconds(DateTime t) => new(t.Ticks - (t.Ticks % 10), DateTimeKind.Utc);

    private TimeSpan Rtt() => TimeSpan.FromMicroseconds(6000 + _random.Next(30000));

    private static TimeSpan Micros(int micros) => TimeSpan.FromMicroseconds(micros);

    // ---------------------------------------------------------------- DHCP

    /// <summary>DISCOVER/OFFER/REQUEST/ACK at arrival, then a unicast renewal at each T1 while present.</summary>
    public List<DateTime> Dhcp(Presence presence)
    {
        var device = presence.Device;
        var exchanges = new List<DateTime>();
        if (device.StaticIp)
        {
            return exchanges;
        }

        var state = State(device);
        var server = Gateway(device);
        var t = presence.ArrivalUtc;
        var xid = (uint)_random.Next() ^ ((uint)_random.Next(2) << 31);
        exchanges.Add(ToMicroseconds(t));
        // The client leaves the broadcast flag clear, so the server unicasts OFFER and ACK (RFC 2131 section 4.1).
        var broadcastPath = new Path4(device.Mac, 0xffff_ffff_ffffUL, device.Vlan, 0, 0xffff_ffffu, 68, 67, device.Ttl);
        var fromServer = new Path4(RouterMac, device.Mac, device.Vlan, server, device.Ip, 67, 68, 64);
        Emit(t, FrameBuilder.Udp(broadcastPath, state.TakeIpId(), DhcpMessageBuilder.Build(
            new DhcpMessage(DhcpMessageBuilder.Discover, xid, device.Mac, device.Hostname, 0, 0, device.Ip, 0, 0, 0, false))));
        t += Micros(1500 + _random.Next(3000));
        Emit(t, FrameBuilder.Udp(fromServer, (ushort)_random.Next(65536), DhcpMessageBuilder.Build(
            new DhcpMessage(DhcpMessageBuilder.Offer, xid, device.Mac, null, 0, device.Ip, 0, server, LeaseSeconds, server, false))));
        t += Micros(2000 + _random.Next(5000));
        Emit(t, FrameBuilder.Udp(broadcastPath, state.TakeIpId(), DhcpMessageBuilder.Build(
            new DhcpMessage(DhcpMessageBuilder.Request, xid, device.Mac, device.Hostname, 0, 0, device.Ip, server, 0, 0, false))));
        t += Micros(1500 + _random.Next(3000));
        Emit(t, FrameBuilder.Udp(fromServer, (ushort)_random.Next(65536), DhcpMessageBuilder.Build(
            new DhcpMessage(DhcpMessageBuilder.Ack, xid, device.Mac, null, 0, device.Ip, 0, server, LeaseSeconds, server, false))));

        // Renewal (RFC 2131 section 4.4.5): at T1 the client unicasts REQUEST with ciaddr set; no option 50/54.
        var renewal = presence.ArrivalUtc.AddSeconds(LeaseSeconds / 2);
        while (renewal < presence.DepartureUtc)
        {
            xid = (uint)_random.Next();
            var toServer = new Path4(device.Mac, RouterMac, device.Vlan, device.Ip, server, 68, 67, device.Ttl);
            Emit(renewal, FrameBuilder.Udp(toServer, state.TakeIpId(), DhcpMessageBuilder.Build(
                new DhcpMessage(DhcpMessageBuilder.Request, xid, device.Mac, device.Hostname, device.Ip, 0, 0, 0, 0, 0, false))));
            Emit(renewal + Micros(2000 + _random.Next(4000)), FrameBuilder.Udp(fromServer, (ushort)_random.Next(65536), DhcpMessageBuilder.Build(
                new DhcpMessage(DhcpMessageBuilder.Ack, xid, device.Mac, null, device.Ip, device.Ip, 0, server, LeaseSeconds, server, false))));
            exchanges.Add(ToMicroseconds(renewal));
            renewal = renewal.AddSeconds(LeaseSeconds / 2);
        }

        return exchanges;
    }

    // ---------------------------------------------------------------- DNS

    /// <summary>
    /// Resolves <paramref name="host"/> for the device just before <paramref name="at"/>: A (and AAAA for
    /// Chrome-style clients) queries to the VLAN's gateway resolver, answered with the CNAME chain and 2-4 A
    /// records. Cached per device for the answer's TTL. Returns the address the client connects to.
    /// </summary>
    private uint Resolve(DeviceState state, SimHost host, DateTime at)
    {
        // Visits are rendered in plan order, not time order: the cache only answers inside the lookup's TTL window.
        if (state.DnsCache.TryGetValue(host.Name, out var cached) && at >= cached.Resolved && at < cached.Expiry)
        {
            return cached.Address;
        }

        var device = state.Device;
        var hash = Fnv(host.Name);
        var owner = host.Cname ?? host.Name;
        var count = 2 + (int)(hash % 3);
        var addresses = new List<uint>(count);
        var block = host.AddressBlock.Split('.');
        var baseAddress = (uint.Parse(block[0], CultureInfo.InvariantCulture) << 24) | (uint.Parse(block[1], CultureInfo.InvariantCulture) << 16)
            | ((1 + ((hash >> 8) % 250)) << 8) | (1 + ((hash >> 16) % 200));
        for (var i = 0; i < count; i++)
        {
            addresses.Add(baseAddress + (uint)i);
        }

        const uint Ttl = 300;
        var answersA = new List<DnsRecord>();
        var answersAaaa = new List<DnsRecord>();
        if (host.Cname is not null)
        {
            answersA.Add(new DnsRecord(host.Name, DnsType.Cname, Ttl, null, host.Cname));
            answersAaaa.Add(new DnsRecord(host.Name, DnsType.Cname, Ttl, null, host.Cname));
        }

        foreach (var a in addresses)
        {
            answersA.Add(new DnsRecord(owner, DnsType.A, Ttl, new IPAddress(BitConverterBigEndian(a)), null));
        }

        var v6 = new byte[16];
        v6[0] = 0x2a;
        v6[1] = 0x00;
        v6[2] = 0x14;
        v6[3] = 0x50;
        v6[12] = (byte)(hash >> 24);
        v6[13] = (byte)(hash >> 16);
        v6[14] = (byte)(hash >> 8);
        v6[15] = (byte)hash;
        answersAaaa.Add(new DnsRecord(owner, DnsType.Aaaa, Ttl, new IPAddress(v6), null));

        var chrome = device.Platform != SimPlatform.Iphone;
        var t = at - Micros(20_000 + _random.Next(60_000));
        var overTcp = _random.Next(20) == 0;
        var resolver = Gateway(device);
        var id = (ushort)_random.Next(65536);
        var query = DnsMessageBuilder.Query(id, host.Name, DnsType.A, chrome);
        var answer = DnsMessageBuilder.Response(id, host.Name, DnsType.A, answersA, chrome);
        if (overTcp)
        {
            TcpExchange(state, resolver, 53, t, DnsMessageBuilder.WithLengthPrefix(query), DnsMessageBuilder.WithLengthPrefix(answer));
        }
        else
        {
            UdpExchange(state, resolver, 53, t, query, answer);
        }

        if (chrome)
        {
            var id6 = (ushort)_random.Next(65536);
            UdpExchange(state, resolver, 53, t + Micros(150 + _random.Next(400)),
                DnsMessageBuilder.Query(id6, host.Name, DnsType.Aaaa, true),
                DnsMessageBuilder.Response(id6, host.Name, DnsType.Aaaa, answersAaaa, true));
        }

        var chosen = addresses[0];
        state.DnsCache[host.Name] = (at, at.AddSeconds(Ttl - 1), chosen);
        return chosen;
    }

    private static byte[] BitConverterBigEndian(uint address) =>
        [(byte)(address >> 24), (byte)(address >> 16), (byte)(address >> 8), (byte)address];

    private static uint Fnv(string text)
    {
        var hash = 2166136261u;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return hash;
    }

    private void UdpExchange(DeviceState state, uint server, ushort port, DateTime t, byte[] request, byte[] response)
    {
        var device = state.Device;
        var path = new Path4(device.Mac, RouterMac, device.Vlan, device.Ip, server, state.TakePort(), port, device.Ttl);
        Emit(t, FrameBuilder.Udp(path, state.TakeIpId(), request));
        Emit(t + Micros(800 + _random.Next(15000)), FrameBuilder.Udp(path.Reverse(64), (ushort)_random.Next(65536), response));
    }

    /// <summary>A short TCP conversation: handshake, one request, one response, FIN both ways.</summary>
    private void TcpExchange(DeviceState state, uint server, ushort port, DateTime t, byte[] request, byte[] response)
    {
        var device = state.Device;
        var c = new Path4(device.Mac, RouterMac, device.Vlan, device.Ip, server, state.TakePort(), port, device.Ttl);
        var s = c.Reverse(64);
        var cs = (uint)_random.Next();
        var ss = (uint)_random.Next();
        var rtt = Micros(300 + _random.Next(2000));
        Emit(t, FrameBuilder.Tcp(c, state.TakeIpId(), cs, 0, TcpFlags.Syn, 64240, SynOptions, []));
        t += rtt;
        Emit(t, FrameBuilder.Tcp(s, 0, ss, cs + 1, TcpFlags.Syn | TcpFlags.Ack, 65160, SynOptions, []));
        t += Micros(100);
        Emit(t, FrameBuilder.Tcp(c, state.TakeIpId(), cs + 1, ss + 1, TcpFlags.Ack, 502, [], []));
        t += Micros(50);
        if (_random.Next(10) < 3)
        {
            // Some stacks write the 2-byte DNS length prefix in a segment of its own (RFC 7766 section 8).
            Emit(t, FrameBuilder.Tcp(c, state.TakeIpId(), cs + 1, ss + 1, TcpFlags.Psh | TcpFlags.Ack, 502, [], request.AsSpan(0, 2)));
            t += Micros(40);
            Emit(t, FrameBuilder.Tcp(c, state.TakeIpId(), cs + 3, ss + 1, TcpFlags.Psh | TcpFlags.Ack, 502, [], request.AsSpan(2)));
        }
        else
        {
            Emit(t, FrameBuilder.Tcp(c, state.TakeIpId(), cs + 1, ss + 1, TcpFlags.Psh | TcpFlags.Ack, 502, [], request));
        }

        t += rtt;
        Emit(t, FrameBuilder.Tcp(s, 0, ss + 1, cs + 1 + (uint)request.Length, TcpFlags.Psh | TcpFlags.Ack, 509, [], response));
        var cEnd = cs + 1 + (uint)request.Length;
        var sEnd = ss + 1 + (uint)response.Length;
        t += Micros(200);
        Emit(t, FrameBuilder.Tcp(c, state.TakeIpId(), cEnd, sEnd, TcpFlags.Fin | TcpFlags.Ack, 502, [], []));
        t += rtt;
        Emit(t, FrameBuilder.Tcp(s, 0, sEnd, cEnd + 1, TcpFlags.Fin | TcpFlags.Ack, 509, [], []));
        t += Micros(100);
        Emit(t, FrameBuilder.Tcp(c, state.TakeIpId(), cEnd + 1, sEnd + 1, TcpFlags.Ack, 502, [], []));
    }

    /// <summary>SYN options as Windows and Linux send them: MSS 1460, NOP, WS 8, NOP, NOP, SACK permitted.</summary>
    private static readonly byte[] SynOptions = [2, 4, 0x05, 0xb4, 1, 3, 3, 8, 1, 1, 4, 2];

    // ---------------------------------------------------------------- visits

    /// <summary>Renders a planned visit (all its runs and connections) and returns its truth.</summary>
    public TruthVisit Visit(PlannedVisit visit)
    {
        var state = State(visit.Device);
        var site = visit.Site;
        var connections = new List<TruthConnection>();
        foreach (var run in visit.Runs)
        {
            connections.Add(Connect(state, site.FirstParty, site, run.StartUtc, run.Minutes));
            foreach (var supporting in site.Supporting)
            {
                // A page always loads its own service's further hosts (outlook.office.com with www.office.com); other
                // asset hosts only sometimes. So even a one-minute look is more than one connection of the service.
                if (supporting.Service != site.Service && _random.Next(3) == 0 && supporting != site.Supporting[0])
                {
                    continue;
                }

                var minutes = 1 + _random.Next(run.Minutes);
                connections.Add(Connect(state, supporting, site, run.StartUtc + Micros(400_000 + _random.Next(2_500_000)), minutes));
            }

            foreach (var embed in site.Embeds)
            {
                connections.Add(Connect(state, embed, site, run.StartUtc + Micros(600_000 + _random.Next(3_000_000)), 1));
            }

            // Another service's first-party name in the page: one small request, or (preconnect) no request at all.
            foreach (var embed in site.FirstPartyEmbeds)
            {
                connections.Add(ConnectTls(state, embed, run.StartUtc + Micros(900_000 + _random.Next(2_500_000)), 1, new TlsShape()));
            }

            foreach (var preconnect in site.Preconnects)
            {
                connections.Add(ConnectTls(state, preconnect, run.StartUtc + Micros(1_200_000 + _random.Next(2_000_000)), 1, new TlsShape(FirstRequest: false)));
            }
        }

        var own = connections.Where(c => c.Service == site.Service).ToList();
        var minutesUnion = own.SelectMany(c => c.ActiveMinutesUtc).Distinct().Order().ToList();
        return new TruthVisit(
            visit.Device.DeviceId,
            visit.Device.StaffId,
            KindName(visit.Device.Kind),
            site.Service,
            site.Category,
            site.SocialMedia,
            site.SpecialCategory,
            visit.AuthorisedWorkUse,
            site.FirstParty.Name,
            own.Min(c => c.StartUtc),
            own.Max(c => c.EndUtc),
            minutesUnion,
            connections);
    }

    public static string KindName(SimDeviceKind kind) => kind switch
    {
        SimDeviceKind.Staff => "staff",
        SimDeviceKind.Shared => "shared",
        SimDeviceKind.Pupil => "pupil",
        _ => "guest",
    };

    public static string FormatIp(uint address) => new IPAddress(BitConverterBigEndian(address)).ToString();

    // ---------------------------------------------------------------- output

    /// <summary>Writes every frame in timestamp order (ties keep generation order); returns first and last time.</summary>
    public (DateTime First, DateTime Last) WriteTo(PcapFileWriter writer)
    {
        _frames.Sort(static (a, b) => a.Micros != b.Micros ? a.Micros.CompareTo(b.Micros) : a.Sequence.CompareTo(b.Sequence));
        foreach (var frame in _frames)
        {
            writer.Write(frame.Micros, frame.Bytes);
        }

        return _frames.Count == 0
            ? (DateTime.UnixEpoch, DateTime.UnixEpoch)
            : (DateTime.UnixEpoch.AddTicks(_frames[0].Micros * 10), DateTime.UnixEpoch.AddTicks(_frames[^1].Micros * 10));
    }
}
