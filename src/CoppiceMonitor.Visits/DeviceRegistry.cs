using System.Net;
using CoppiceMonitor.Capture;

namespace CoppiceMonitor.Visits;

/// <summary>Staff and their devices, indexed for attribution. Immutable: build a new one after a re-import.</summary>
public sealed class DeviceRegistry
{
    private readonly Dictionary<string, StaffRecord> _staff;
    private readonly Dictionary<MacAddress, DeviceRecord> _byMac = [];
    private readonly Dictionary<IPAddress, DeviceRecord> _byStaticIp = [];

    public DeviceRegistry(IEnumerable<StaffRecord> staff, IEnumerable<DeviceRecord> devices)
    {
        ArgumentNullException.ThrowIfNull(staff);
        ArgumentNullException.ThrowIfNull(devices);
        _staff = [];
        foreach (var s in staff)
        {
            _staff.TryAdd(s.StaffId, s);
        }

        var list = new List<DeviceRecord>();
        foreach (var d in devices)
        {
            list.Add(d);
            if (d.Mac is { } mac)
            {
                _byMac.TryAdd(mac, d);
            }

            if (d.StaticIp is { } ip)
            {
                _byStaticIp.TryAdd(ip, d);
            }
        }

        Devices = list;
    }

    public static DeviceRegistry Empty { get; } = new([], []);

    public IReadOnlyList<DeviceRecord> Devices { get; }

    public IReadOnlyCollection<StaffRecord> Staff => _staff.Values;

    public StaffRecord? FindStaff(string staffId) => _staff.GetValueOrDefault(staffId);

    public DeviceRecord? FindByMac(MacAddress mac) => mac.IsNone ? null : _byMac.GetValueOrDefault(mac);

    public DeviceRecord? FindByStaticIp(IPAddress address) => _byStaticIp.GetValueOrDefault(address);
}
