using System.Net;

namespace CoppiceMonitor.Visits;

/// <summary>
/// Per client, the name each server address was last looked up as. Used when a connection shows no SNI or only an
/// ECH outer name: the name the same client resolved to that address in the preceding minutes is the real site.
/// </summary>
internal sealed class DnsNameCache(TimeSpan window)
{
    private readonly Dictionary<(IPAddress Client, IPAddress Server), Entry> _entries = [];
    private readonly Dictionary<(IPAddress Client, string Name), DateTime> _names = [];

    public int Count => _entries.Count;

    public void Record(IPAddress client, IReadOnlyList<IPAddress> addresses, string name, DateTime atUtc, bool hasEchConfig)
    {
        var c = DeviceAttributor.Normalise(client);
        _names[(c, name)] = atUtc;
        foreach (var address in addresses)
        {
            _entries[(c, DeviceAttributor.Normalise(address))] = new Entry(name, atUtc, hasEchConfig);
        }
    }

    public bool TryResolve(IPAddress client, IPAddress server, DateTime atUtc, out string name, out bool hasEchConfig)
    {
        if (_entries.TryGetValue((DeviceAttributor.Normalise(client), DeviceAttributor.Normalise(server)), out var entry)
            && entry.AtUtc <= atUtc && atUtc - entry.AtUtc <= window)
        {
            name = entry.Name;
            hasEchConfig = entry.HasEchConfig;
            return true;
        }

        name = "";
        hasEchConfig = false;
        return false;
    }

    /// <summary>Whether this client looked the name up itself within the window (so a ClientHello naming it is genuine).</summary>
    public bool WasLookedUp(IPAddress client, string name, DateTime atUtc) =>
        _names.TryGetValue((DeviceAttributor.Normalise(client), name), out var at) && at <= atUtc && atUtc - at <= window;

    public void Prune(DateTime nowUtc)
    {
        var cutoff = nowUtc - window;

        // Dictionary allows Remove while enumerating; no list of stale keys is built on every pass.
        foreach (var (key, at) in _names)
        {
            if (at < cutoff)
            {
                _names.Remove(key);
            }
        }

        foreach (var (key, entry) in _entries)
        {
            if (entry.AtUtc < cutoff)
            {
                _entries.Remove(key);
            }
        }
    }

    private readonly record struct Entry(string Name, DateTime AtUtc, bool HasEchConfig);
}
