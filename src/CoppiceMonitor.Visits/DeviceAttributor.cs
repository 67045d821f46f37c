using System.Net;
using CoppiceMonitor.Capture;

namespace CoppiceMonitor.Visits;

/// <summary>Who a client address was at a moment: a person's device, or an anonymous device of some kind.</summary>
/// <param name="DeviceKey">Stable key for sessionising: "device:&lt;id&gt;", "mac:&lt;mac&gt;" or "ip:&lt;address&gt;".</param>
/// <param name="Device">The registered device, if any.</param>
/// <param name="Kind">Device kind; null for an unknown device.</param>
/// <param name="StaffId">Set only for a registered staff device on a staff network: the person to attribute to.</param>
public sealed record DeviceAttribution(string DeviceKey, DeviceRecord? Device, DeviceKind? Kind, string? StaffId)
{
    public bool IsPerson => StaffId is not null;
}

/// <summary>
/// Maps a client address to a device: configured pupil/guest subnets first (never a person), then for IPv4 the DHCP
/// lease that held the address at that moment, a registry static address, then the client MAC seen on the wire
/// (valid when the capture point is on the device's segment, and how IPv6 clients are found). Feed observations in
/// timestamp order; leases are kept as a history so lookups at earlier moments of the same day stay correct.
/// </summary>
public sealed class DeviceAttributor
{
    private const int MaxCachedAttributions = 50_000;

    private readonly Dictionary<IPAddress, List<Lease>> _leases = [];

    // Attributions are immutable and repeat for every connection of a device: reusing them saves building the key
    // string and the record per observation. Keyed by device identity, so a new registry clears it.
    private readonly Dictionary<AttributionKey, DeviceAttribution> _attributions = new(AttributionKeyComparer.Instance);
    private DeviceRegistry _registry;
    private readonly IReadOnlyList<IPNetwork> _pupilSubnets;
    private readonly IReadOnlyList<IPNetwork> _guestSubnets;

    public DeviceAttributor(DeviceRegistry registry, IReadOnlyList<IPNetwork> pupilSubnets, IReadOnlyList<IPNetwork> guestSubnets)
    {
        _registry = registry ?? throw new ArgumentNullException(nameof(registry));
        _pupilSubnets = pupilSubnets;
        _guestSubnets = guestSubnets;
    }

    public DeviceRegistry Registry
    {
        get => _registry;
        set
        {
            _registry = value ?? throw new ArgumentNullException(nameof(value));
            _attributions.Clear();
        }
    }

    public int LeaseCount => _leases.Values.Sum(l => l.Count);

    /// <summary>Learns from a DhcpLease observation: ACK starts or renews a lease, RELEASE ends it.</summary>
    public void Record(in Observation observation)
    {
        if (observation.Kind != ObservationKind.DhcpLease || observation.Detail is not DhcpDetail dhcp || observation.ClientMac.IsNone)
        {
            return;
        }

        var at = observation.TimestampUtc;
        switch (dhcp.MessageType)
        {
            case DhcpMessageType.Ack when dhcp.AssignedAddress is { } assigned && dhcp.LeaseSeconds > 0:
                Grant(Normalise(assigned), observation.ClientMac, at, at.AddSeconds(dhcp.LeaseSeconds));
                break;
            case DhcpMessageType.Release:
                var released = dhcp.AssignedAddress ?? observation.Client;
                End(Normalise(released), observation.ClientMac, at);
                break;
        }
    }

    /// <summary>The MAC that held a DHCP lease on the address at that moment.</summary>
    public MacAddress? LeaseHolder(IPAddress address, DateTime atUtc)
    {
        if (!_leases.TryGetValue(Normalise(address), out var history))
        {
            return null;
        }

        for (var i = history.Count - 1; i >= 0; i--)
        {
            var lease = history[i];
            if (lease.StartUtc <= atUtc && atUtc < lease.EndUtc)
            {
                return lease.Mac;
            }
        }

        return null;
    }

    public DeviceAttribution Attribute(IPAddress client, MacAddress clientMac, DateTime atUtc)
    {
        ArgumentNullException.ThrowIfNull(client);
        var address = Normalise(client);
        if (Contains(_pupilSubnets, address))
        {
            return Anonymous(address, clientMac, atUtc, DeviceKind.Pupil);
        }

        if (Contains(_guestSubnets, address))
        {
            return Anonymous(address, clientMac, atUtc, DeviceKind.Guest);
        }

        DeviceRecord? device = null;
        MacAddress? leaseMac = null;
        if (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
        {
            leaseMac = LeaseHolder(address, atUtc);
            if (leaseMac is { } m)
            {
                device = Registry.FindByMac(m);
            }
        }

        device ??= Registry.FindByStaticIp(address);
        if (device is null && leaseMac is null)
        {
            device = Registry.FindByMac(clientMac);
        }

        if (device is null)
        {
            return leaseMac is { } lm
                ? Cached(new AttributionKey(null, lm, null, null, false), static k => new DeviceAttribution("mac:" + k.Mac, null, null, null))
                : Cached(new AttributionKey(null, MacAddress.None, address, null, false), static k => new DeviceAttribution("ip:" + k.Address, null, null, null));
        }

        return Cached(new AttributionKey(device, MacAddress.None, null, device.Kind, false), static k =>
            new DeviceAttribution("device:" + k.Device!.DeviceId, k.Device, k.Device.Kind, k.Device.Kind == DeviceKind.Staff ? k.Device.StaffId : null));
    }

    /// <summary>Forgets leases that ended before the given moment.</summary>
    public void Prune(DateTime beforeUtc)
    {
        List<IPAddress>? empty = null;
        foreach (var (address, history) in _leases)
        {
            history.RemoveAll(l => l.EndUtc < beforeUtc);
            if (history.Count == 0)
            {
                (empty ??= []).Add(address);
            }
        }

        empty?.ForEach(a => _leases.Remove(a));
    }

    internal static IPAddress Normalise(IPAddress address) =>
        address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private DeviceAttribution Anonymous(IPAddress address, MacAddress clientMac, DateTime atUtc, DeviceKind kind)
    {
        // A registered device on a pupil or guest network is still never a person, but keeps a stable key.
        var mac = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? LeaseHolder(address, atUtc) : null;
        var device = mac is { } m ? Registry.FindByMac(m) : Registry.FindByMac(clientMac);
        if (device is not null)
        {
            return Cached(new AttributionKey(device, MacAddress.None, null, kind, true), static k => new DeviceAttribution("device:" + k.Device!.DeviceId, k.Device, k.Kind, null));
        }

        return mac is { } lm
            ? Cached(new AttributionKey(null, lm, null, kind, true), static k => new DeviceAttribution("mac:" + k.Mac, null, k.Kind, null))
            : Cached(new AttributionKey(null, MacAddress.None, address, kind, true), static k => new DeviceAttribution("ip:" + k.Address, null, k.Kind, null));
    }

    private DeviceAttribution Cached(AttributionKey key, Func<AttributionKey, DeviceAttribution> create)
    {
        if (_attributions.TryGetValue(key, out var cached))
        {
            return cached;
        }

        if (_attributions.Count >= MaxCachedAttributions)
        {
            // Bounded: a crude reset is enough, the entries are cheap to rebuild.
            _attributions.Clear();
        }

        var created = create(key);
        _attributions[key] = created;
        return created;
    }

    private static bool Contains(IReadOnlyList<IPNetwork> networks, IPAddress address)
    {
        foreach (var network in networks)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    private void Grant(IPAddress address, MacAddress mac, DateTime startUtc, DateTime endUtc)
    {
        if (!_leases.TryGetValue(address, out var history))
        {
            _leases[address] = history = [];
        }

        if (history.Count > 0)
        {
            var last = history[^1];
            if (last.Mac == mac && last.EndUtc >= startUtc)
            {
                // A renewal: the same device keeps the address.
                history[^1] = last with { EndUtc = endUtc > last.EndUtc ? endUtc : last.EndUtc };
                return;
            }

            if (last.EndUtc > startUtc)
            {
                // The address moved to another device: the old lease ends now.
                history[^1] = last with { EndUtc = startUtc };
            }
        }

        history.Add(new Lease(mac, startUtc, endUtc));
    }

    private void End(IPAddress address, MacAddress mac, DateTime atUtc)
    {
        if (_leases.TryGetValue(address, out var history) && history.Count > 0 && history[^1].Mac == mac && history[^1].EndUtc > atUtc)
        {
            history[^1] = history[^1] with { EndUtc = atUtc };
        }
    }

    private readonly record struct Lease(MacAddress Mac, DateTime StartUtc, DateTime EndUtc);

    /// <summary>What an attribution is built from; Anonymous marks the pupil/guest path (never a person).</summary>
    private readonly record struct AttributionKey(DeviceRecord? Device, MacAddress Mac, IPAddress? Address, DeviceKind? Kind, bool Anonymous);

    /// <summary>Devices compare by identity (records would compare every field); addresses by value.</summary>
    private sealed class AttributionKeyComparer : IEqualityComparer<AttributionKey>
    {
        public static readonly AttributionKeyComparer Instance = new();

        public bool Equals(AttributionKey x, AttributionKey y) =>
            ReferenceEquals(x.Device, y.Device) && x.Mac == y.Mac && Equals(x.Address, y.Address) && x.Kind == y.Kind && x.Anonymous == y.Anonymous;

        public int GetHashCode(AttributionKey key) =>
            HashCode.Combine(key.Device is null ? 0 : System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(key.Device), key.Mac.Value, key.Address, key.Kind, key.Anonymous);
    }
}
