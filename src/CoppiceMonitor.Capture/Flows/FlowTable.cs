using System.Net;
using CoppiceMonitor.Capture.Dns;
using CoppiceMonitor.Capture.Tls;

namespace CoppiceMonitor.Capture.Flows;

/// <summary>
/// A 5-tuple (plus VLAN) in canonical order, so both directions of a connection find the same entry. IPv4
/// addresses are held IPv4-mapped (::ffff:a.b.c.d) so one 128-bit field serves both families.
/// </summary>
internal readonly struct FlowKey : IEquatable<FlowKey>
{
    public readonly UInt128 AddressA;
    public readonly UInt128 AddressB;
    public readonly ushort PortA;
    public readonly ushort PortB;
    public readonly byte Protocol;
    public readonly ushort Vlan;

    private FlowKey(UInt128 addressA, ushort portA, UInt128 addressB, ushort portB, byte protocol, ushort vlan)
    {
        AddressA = addressA;
        AddressB = addressB;
        PortA = portA;
        PortB = portB;
        Protocol = protocol;
        Vlan = vlan;
    }

    public static FlowKey Create(UInt128 source, ushort sourcePort, UInt128 destination, ushort destinationPort, byte protocol, ushort vlan, out bool sourceIsA)
    {
        sourceIsA = source < destination || (source == destination && sourcePort <= destinationPort);
        return sourceIsA
            ? new FlowKey(source, sourcePort, destination, destinationPort, protocol, vlan)
            : new FlowKey(destination, destinationPort, source, sourcePort, protocol, vlan);
    }

    /// <summary>A 64-bit digest of the key (the QUIC tracker's flow key).</summary>
    public ulong Hash64
    {
        get
        {
            unchecked
            {
                var h = ((ulong)AddressA * 0x9E3779B97F4A7C15UL) ^ (ulong)(AddressA >> 64);
                h = (h * 0x100000001B3UL) ^ (ulong)AddressB ^ ((ulong)(AddressB >> 64) * 31);
                h = (h * 0x100000001B3UL) ^ ((ulong)PortA << 32) ^ ((ulong)PortB << 16) ^ Protocol ^ ((ulong)Vlan << 48);
                return h ^ (h >> 29);
            }
        }
    }

    public bool Equals(FlowKey other) =>
        AddressA == other.AddressA && AddressB == other.AddressB && PortA == other.PortA && PortB == other.PortB
        && Protocol == other.Protocol && Vlan == other.Vlan;

    public override bool Equals(object? obj) => obj is FlowKey other && Equals(other);

    public override int GetHashCode() => (int)Hash64 ^ (int)(Hash64 >> 32);
}

/// <summary>Why a flow left the table.</summary>
internal enum FlowEnd
{
    Closed,
    Expired,
    Evicted,
    Complete,
}

/// <summary>One tracked connection. Pooled by the table: <see cref="Reset"/> clears it for reuse.</summary>
internal sealed class FlowEntry
{
    public FlowKey Key;

    /// <summary>True when the client is the key's A side.</summary>
    public bool ClientIsA;

    public MacAddress ClientMac;
    public DateTime FirstSeenUtc;
    public DateTime LastSeenUtc;
    public long BytesFromClient;
    public long BytesToClient;

    /// <summary>The name this connection carried (SNI, QUIC SNI or HTTP Host); flows without one emit no summary.</summary>
    public string? Name;
    public IPAddress? ClientAddress;
    public IPAddress? ServerAddress;
    public List<long>? ActiveMinutes;

    public bool SawClientSyn;
    public uint ClientInitialSequence;
    public bool SawServerSyn;
    public uint ServerInitialSequence;

    /// <summary>Client segments seen without a TLS record start while no SYN told where the stream begins.</summary>
    public int SegmentsBeforeHelloStart;

    /// <summary>True once the client's first bytes have been classified (hello found, not TLS, or gave up).</summary>
    public bool HelloDone;
    public TlsClientHelloAssembler? Hello;
    public bool ClientFin;
    public bool ServerFin;
    public DnsTcpStream? DnsFromClient;
    public DnsTcpStream? DnsFromServer;

    public FlowEntry? Older;
    public FlowEntry? Newer;

    public ushort ClientPort => ClientIsA ? Key.PortA : Key.PortB;

    public ushort ServerPort => ClientIsA ? Key.PortB : Key.PortA;

    /// <summary>Payload bytes each way per active minute, parallel to <see cref="ActiveMinutes"/>.</summary>
    public List<MinuteBytes>? MinuteBytes;

    /// <summary>Notes payload in the minute of <paramref name="timestampUtc"/> (only for named flows).</summary>
    public void MarkActive(DateTime timestampUtc, bool fromClient = false, int length = 0)
    {
        var minute = (timestampUtc.Ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMinute;
        ActiveMinutes ??= new List<long>(4);
        MinuteBytes ??= new List<MinuteBytes>(4);
        if (ActiveMinutes.Count == 0 || ActiveMinutes[^1] != minute)
        {
            ActiveMinutes.Add(minute);
            MinuteBytes.Add(default);
        }

        if (length > 0)
        {
            var bytes = MinuteBytes[^1];
            MinuteBytes[^1] = fromClient
                ? bytes with { FromClient = (int)Math.Min(int.MaxValue, (long)bytes.FromClient + length) }
                : bytes with { ToClient = (int)Math.Min(int.MaxValue, (long)bytes.ToClient + length) };
        }
    }

    public void Reset()
    {
        Key = default;
        ClientIsA = false;
        ClientMac = default;
        FirstSeenUtc = default;
        LastSeenUtc = default;
        BytesFromClient = 0;
        BytesToClient = 0;
        Name = null;
        ClientAddress = null;
        ServerAddress = null;
        ActiveMinutes = null;
        MinuteBytes = null;
        SawClientSyn = false;
        ClientInitialSequence = 0;
        SawServerSyn = false;
        ServerInitialSequence = 0;
        SegmentsBeforeHelloStart = 0;
        HelloDone = false;
        Hello = null;
        ClientFin = false;
        ServerFin = false;
        DnsFromClient = null;
        DnsFromServer = null;
        Older = null;
        Newer = null;
    }
}

/// <summary>
/// Bounded table of connections. Entries sit on a list ordered by last activity (oldest first), so idle expiry and
/// eviction take the list's head in O(1). When full, idle flows are expired first, then the least recently active
/// flow is evicted (and counted). Entries are recycled, so a flood of new flows does not grow the heap.
/// </summary>
internal sealed class FlowTable
{
    private readonly Dictionary<FlowKey, FlowEntry> _entries;
    private readonly Stack<FlowEntry> _free = new();
    private readonly int _maxFlows;
    private readonly long _idleTicks;
    private readonly Action<FlowEntry, FlowEnd> _onRemove;
    private FlowEntry? _oldest;
    private FlowEntry? _newest;

    public FlowTable(int maxFlows, TimeSpan idleTimeout, Action<FlowEntry, FlowEnd> onRemove)
    {
        _maxFlows = Math.Max(1, maxFlows);
        _idleTicks = idleTimeout.Ticks;
        _onRemove = onRemove;
        _entries = new Dictionary<FlowKey, FlowEntry>(Math.Min(_maxFlows, 65536));
    }

    public int Count => _entries.Count;

    public int MaxFlows => _maxFlows;

    public FlowEntry? Find(in FlowKey key) => _entries.GetValueOrDefault(key);

    public FlowEntry Add(in FlowKey key, DateTime nowUtc)
    {
        if (_entries.Count >= _maxFlows)
        {
            ExpireIdle(nowUtc);
            while (_entries.Count >= _maxFlows && _oldest is not null)
            {
                Remove(_oldest, FlowEnd.Evicted);
            }
        }

        var entry = _free.Count > 0 ? _free.Pop() : new FlowEntry();
        entry.Key = key;
        entry.FirstSeenUtc = nowUtc;
        entry.LastSeenUtc = nowUtc;
        _entries.Add(key, entry);
        Append(entry);
        return entry;
    }

    /// <summary>Records activity and moves the entry to the newest end.</summary>
    public void Touch(FlowEntry entry, DateTime nowUtc)
    {
        if (nowUtc > entry.LastSeenUtc)
        {
            entry.LastSeenUtc = nowUtc;
        }

        if (entry != _newest)
        {
            Unlink(entry);
            Append(entry);
        }
    }

    public void Remove(FlowEntry entry, FlowEnd reason)
    {
        if (!_entries.Remove(entry.Key))
        {
            return;
        }

        Unlink(entry);
        _onRemove(entry, reason);
        entry.Reset();
        _free.Push(entry);
    }

    /// <summary>Removes every flow idle since before <paramref name="nowUtc"/> minus the idle timeout.</summary>
    public void ExpireIdle(DateTime nowUtc)
    {
        var cutoff = nowUtc.Ticks - _idleTicks;
        while (_oldest is not null && _oldest.LastSeenUtc.Ticks < cutoff)
        {
            Remove(_oldest, FlowEnd.Expired);
        }
    }

    public void RemoveAll(FlowEnd reason)
    {
        while (_oldest is not null)
        {
            Remove(_oldest, reason);
        }
    }

    private void Append(FlowEntry entry)
    {
        entry.Older = _newest;
        entry.Newer = null;
        if (_newest is not null)
        {
            _newest.Newer = entry;
        }

        _newest = entry;
        _oldest ??= entry;
    }

    private void Unlink(FlowEntry entry)
    {
        if (entry.Older is not null)
        {
            entry.Older.Newer = entry.Newer;
        }
        else
        {
            _oldest = entry.Newer;
        }

        if (entry.Newer is not null)
        {
            entry.Newer.Older = entry.Older;
        }
        else
        {
            _newest = entry.Older;
        }

        entry.Older = null;
        entry.Newer = null;
    }
}
