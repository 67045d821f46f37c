using System.Globalization;
using System.Net;
using CoppiceMonitor.Capture;
using CoppiceMonitor.Visits;

namespace CoppiceMonitor.Service.Pipeline;

/// <summary>
/// The network part of one "Schools:N" entry, bound from the same section as <see cref="SchoolOptions"/>: which
/// staff subnets and VLANs belong to that school, so one sensor (say on a trust's core switch) can watch several
/// schools and attribute each packet with the right school's registry and calendar. The school's PupilSubnets and
/// GuestSubnets count as its networks too.
/// </summary>
public sealed class SchoolNetworkOptions
{
    public string Id { get; set; } = "";

    /// <summary>Staff subnets (CIDR) of this school. Needed, with Vlans, only when several schools are configured.</summary>
    public IList<string> StaffSubnets { get; init; } = [];

    /// <summary>802.1Q VLAN ids of this school's networks (staff, pupils, guests); a tagged frame goes by its VLAN first.</summary>
    public IList<int> Vlans { get; init; } = [];

    public IList<string> PupilSubnets { get; init; } = [];

    public IList<string> GuestSubnets { get; init; } = [];

    /// <summary>Cross-school checks with messages naming the key (per-school checks are the Visits validator's).</summary>
    public static IReadOnlyList<string> CheckAll(IReadOnlyList<SchoolNetworkOptions> schools)
    {
        ArgumentNullException.ThrowIfNull(schools);
        var errors = new List<string>();
        var vlanOwner = new Dictionary<int, int>();
        var networks = new List<(IPNetwork Network, int School)>();
        for (var i = 0; i < schools.Count; i++)
        {
            var prefix = $"{SchoolOptions.SectionName}:{i}";
            var school = schools[i];
            for (var j = 0; j < school.StaffSubnets.Count; j++)
            {
                if (!IPNetwork.TryParse(school.StaffSubnets[j], out _))
                {
                    errors.Add($"{prefix}:StaffSubnets:{j}: '{school.StaffSubnets[j]}' is not a CIDR subnet such as 10.10.0.0/16.");
                }
            }

            for (var j = 0; j < school.Vlans.Count; j++)
            {
                var vlan = school.Vlans[j];
                if (vlan is < 1 or > 4094)
                {
                    errors.Add($"{prefix}:Vlans:{j}: {vlan} is not a VLAN id (1..4094).");
                }
                else if (vlanOwner.TryGetValue(vlan, out var other) && other != i)
                {
                    errors.Add($"{prefix}:Vlans:{j}: VLAN {vlan} is already Schools:{other}'s.");
                }
                else
                {
                    vlanOwner[vlan] = i;
                }
            }

            if (schools.Count > 1)
            {
                var own = Parse(school);
                if (own.Count == 0 && school.Vlans.Count == 0)
                {
                    errors.Add($"{prefix}: with several schools configured, each needs StaffSubnets or Vlans (and PupilSubnets/GuestSubnets) so traffic can be told apart.");
                }

                foreach (var network in own)
                {
                    foreach (var (existing, owner) in networks)
                    {
                        if (owner != i && (existing.Contains(network.BaseAddress) || network.Contains(existing.BaseAddress)))
                        {
                            errors.Add(string.Create(CultureInfo.InvariantCulture,
                                $"{prefix}: subnet {network} overlaps Schools:{owner}'s {existing}; a client address must belong to one school."));
                        }
                    }
                }

                networks.AddRange(own.Select(n => (n, i)));
            }
        }

        return errors;
    }

    internal static List<IPNetwork> Parse(SchoolNetworkOptions school) =>
        [.. school.StaffSubnets.Concat(school.PupilSubnets).Concat(school.GuestSubnets)
            .Select(s => IPNetwork.TryParse(s, out var n) ? (IPNetwork?)n : null).OfType<IPNetwork>()];
}

/// <summary>
/// Decides which configured school an observation belongs to: by its 802.1Q VLAN when a school claims that VLAN,
/// else by the client address (for DHCP the address being leased, as the client may still be 0.0.0.0) within a
/// school's staff, pupil or guest subnets. With one school configured everything is that school's (a sensor on one
/// school's network). Returns -1 when no school claims the traffic: it is counted, not attributed or stored.
/// </summary>
public sealed class SchoolRouter
{
    private readonly Dictionary<ushort, int> _vlans = [];
    private readonly (IPNetwork Network, int School)[] _networks;
    private readonly int _count;

    public SchoolRouter(IReadOnlyList<SchoolNetworkOptions> schools)
    {
        ArgumentNullException.ThrowIfNull(schools);
        _count = schools.Count;
        var networks = new List<(IPNetwork, int)>();
        for (var i = 0; i < schools.Count; i++)
        {
            foreach (var vlan in schools[i].Vlans)
            {
                _vlans.TryAdd((ushort)vlan, i);
            }

            networks.AddRange(SchoolNetworkOptions.Parse(schools[i]).Select(n => (n, i)));
        }

        // Longest prefix first, so a more specific subnet wins if an operator nests them.
        _networks = [.. networks.OrderByDescending(n => n.Item1.PrefixLength)];
    }

    public int SchoolCount => _count;

    public int Route(in Observation observation)
    {
        if (_count == 1)
        {
            return 0;
        }

        if (observation.Vlan != 0 && _vlans.TryGetValue(observation.Vlan, out var byVlan))
        {
            return byVlan;
        }

        var address = observation.Detail is DhcpDetail dhcp
            ? dhcp.AssignedAddress ?? dhcp.RequestedAddress ?? observation.Client
            : observation.Client;
        if (address is null)
        {
            return -1;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        foreach (var (network, school) in _networks)
        {
            if (network.Contains(address))
            {
                return school;
            }
        }

        return -1;
    }
}
