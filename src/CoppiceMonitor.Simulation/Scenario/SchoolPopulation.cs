using System.Globalization;

namespace CoppiceMonitor.Simulation.Scenario;

/// <summary>A member of staff as written to staff.csv.</summary>
internal sealed record SimStaff(string StaffId, string DisplayName, string Email, string? LineManagerId, string Roles);

internal enum SimDeviceKind
{
    Staff,
    Shared,
    Pupil,
    Guest,
}

/// <summary>Operating-system family: decides TTL, DHCP hostname habits and the TLS client style.</summary>
internal enum SimPlatform
{
    Windows,
    ChromeOs,
    Iphone,
    Android,
}

/// <summary>A device on the network; Registered=false devices are absent from devices.csv (unknown guests).</summary>
internal sealed class SimDevice
{
    public required string DeviceId { get; init; }
    public string? StaffId { get; init; }
    public required SimDeviceKind Kind { get; init; }
    public required SimPlatform Platform { get; init; }
    public required ulong Mac { get; init; }
    public string? Hostname { get; init; }
    public required ushort Vlan { get; init; }
    public required uint Ip { get; init; }
    public bool StaticIp { get; init; }
    public bool Registered { get; init; } = true;
    public IReadOnlyList<string> AuthorisedServices { get; init; } = [];

    public byte Ttl => Platform == SimPlatform.Windows ? (byte)128 : (byte)64;
}

/// <summary>Staff, their line managers and roles, and every device, built deterministically from the seed.</summary>
internal sealed class SchoolPopulation
{
    public const ushort StaffVlan = 10;
    public const ushort PupilVlan = 20;
    public const ushort GuestVlan = 30;
    public const string EmailDomain = "coppice-primary.sch.uk";

    private static readonly string[] FirstNames =
    [
        "Amelia", "Oliver", "Isla", "George", "Ava", "Noah", "Mia", "Arthur", "Ivy", "Leo", "Freya", "Oscar",
        "Grace", "Harry", "Lily", "Jack", "Sophia", "Charlie", "Emily", "Theo", "Ella", "Jacob", "Poppy", "Alfie",
        "Evie", "Finley", "Rosie", "Henry", "Willow", "Thomas", "Florence", "James", "Daisy", "William", "Sienna",
        "Samuel", "Phoebe", "Joseph", "Matilda", "Edward", "Priya", "Aisha", "Tomasz", "Niamh", "Rhys", "Siobhan",
    ];

    private static readonly string[] Surnames =
    [
        "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Robinson", "Wright",
        "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Thomas", "Clarke", "Jackson", "Wood",
        "Harris", "Edwards", "Turner", "Martin", "Cooper", "Hill", "Ward", "Hughes", "Moore", "Clark", "King",
        "Harrison", "Lewis", "Baker", "Lee", "Allen", "Morris", "Khan", "Scott", "Watson", "Davis", "Parker",
        "OBrien", "Kowalski", "Murphy", "Begum",
    ];

    private SchoolPopulation(List<SimStaff> staff, List<SimDevice> devices, Highlights highlights)
    {
        Staff = staff;
        Devices = devices;
        Roles = highlights;
    }

    public IReadOnlyList<SimStaff> Staff { get; }
    public IReadOnlyList<SimDevice> Devices { get; }
    public Highlights Roles { get; }

    /// <summary>Who plays which part in the day's story.</summary>
    internal sealed record Highlights(
        string HeadteacherId,
        IReadOnlyList<string> LineManagerIds,
        string HrId,
        string IctId,
        string ExcessiveUserId,
        string SpecialCategoryUserId,
        string AuthorisedDeviceId,
        string SharedDeviceId,
        string StaticIpDeviceId);

    public static SchoolPopulation Create(Random random, int staffCount, int pupilCount)
    {
        var staff = new List<SimStaff>(staffCount);
        var usedNames = new HashSet<string>(StringComparer.Ordinal);
        string Id(int index) => "S" + (index + 1).ToString("D3", CultureInfo.InvariantCulture);

        // Index 0 headteacher; 1..k line managers (deputy and phase leaders); then HR, ICT, everyone else.
        var lineManagerCount = staffCount >= 30 ? 3 : 2;
        var hrIndex = 1 + lineManagerCount;
        var ictIndex = hrIndex + 1;
        var managers = Enumerable.Range(1, lineManagerCount).Select(Id).ToList();
        for (var i = 0; i < staffCount; i++)
        {
            string name;
            do
            {
                name = FirstNames[random.Next(FirstNames.Length)] + " " + Surnames[random.Next(Surnames.Length)];
            }
            while (!usedNames.Add(name));

            var email = name.Replace(' ', '.').ToLowerInvariant() + "@" + EmailDomain;
            string roles;
            string? manager;
            if (i == 0)
            {
                roles = "headteacher;line-manager";
                manager = null;
            }
            else if (i <= lineManagerCount)
            {
                roles = "line-manager";
                manager = Id(0);
            }
            else
            {
                roles = i == hrIndex ? "hr" : i == ictIndex ? "ict" : string.Empty;
                manager = i == hrIndex || i == ictIndex ? Id(0) : managers[(i - ictIndex - 1 + managers.Count) % managers.Count];
            }

            staff.Add(new SimStaff(Id(i), name, email, manager, roles));
        }

        var devices = new List<SimDevice>();
        var macs = new HashSet<ulong>();
        var nextStaffHost = 10;
        uint StaffLease() => Address(10, 1 + (nextStaffHost / 240), 10 + (nextStaffHost++ % 240));

        var excessive = Id(ictIndex + 2);
        var special = Id(ictIndex + 3);
        var authorisedStaff = Id(ictIndex + 1);
        string authorisedDevice = string.Empty;
        string staticDevice = string.Empty;
        for (var i = 0; i < staffCount; i++)
        {
            var s = staff[i];
            var laptopIsChromebook = random.Next(3) == 0;
            var laptop = new SimDevice
            {
                DeviceId = s.StaffId + "-LT",
                StaffId = s.StaffId,
                Kind = SimDeviceKind.Staff,
                Platform = laptopIsChromebook ? SimPlatform.ChromeOs : SimPlatform.Windows,
                Mac = VendorMac(random, laptopIsChromebook ? 0x3c2af4UL : 0x5c879cUL, macs),
                Hostname = (laptopIsChromebook ? "cps-cb-staff-" : "CPS-LT-") + (i + 1).ToString("D3", CultureInfo.InvariantCulture),
                Vlan = StaffVlan,
                Ip = StaffLease(),
                AuthorisedServices = s.StaffId == authorisedStaff ? ["Facebook", "Instagram"] : [],
            };
            devices.Add(laptop);
            if (s.StaffId == authorisedStaff)
            {
                authorisedDevice = laptop.DeviceId;
            }

            // Most staff bring a phone; the excessive user always does. Phones use random (private) MACs.
            if (random.Next(10) < 8 || s.StaffId == excessive)
            {
                var iphone = random.Next(2) == 0;
                var first = s.DisplayName.Split(' ')[0];
                devices.Add(new SimDevice
                {
                    DeviceId = s.StaffId + "-PH",
                    StaffId = s.StaffId,
                    Kind = SimDeviceKind.Staff,
                    Platform = iphone ? SimPlatform.Iphone : SimPlatform.Android,
                    Mac = PrivateMac(random, macs),
                    Hostname = iphone ? first + "s-iPhone" : "Pixel-" + (7 + random.Next(3)).ToString(CultureInfo.InvariantCulture),
                    Vlan = StaffVlan,
                    Ip = StaffLease(),
                });
            }

            if (i == 0)
            {
                // The headteacher's office desktop has a static address: attribution without DHCP.
                var desktop = new SimDevice
                {
                    DeviceId = s.StaffId + "-PC",
                    StaffId = s.StaffId,
                    Kind = SimDeviceKind.Staff,
                    Platform = SimPlatform.Windows,
                    Mac = VendorMac(random, 0xd89ef3UL, macs),
                    Hostname = "CPS-HEAD-PC",
                    Vlan = StaffVlan,
                    Ip = Address(10, 5, 10),
                    StaticIp = true,
                };
                devices.Add(desktop);
                staticDevice = desktop.DeviceId;
            }
        }

        var shared = new SimDevice
        {
            DeviceId = "SHARED-STAFFROOM",
            Kind = SimDeviceKind.Shared,
            Platform = SimPlatform.Windows,
            Mac = VendorMac(random, 0xd89ef3UL, macs),
            Hostname = "CPS-STAFFROOM",
            Vlan = StaffVlan,
            Ip = Address(10, 5, 20),
            StaticIp = true,
        };
        devices.Add(shared);

        for (var p = 0; p < pupilCount; p++)
        {
            devices.Add(new SimDevice
            {
                DeviceId = "P" + (p + 1).ToString("D4", CultureInfo.InvariantCulture),
                Kind = SimDeviceKind.Pupil,
                Platform = SimPlatform.ChromeOs,
                Mac = VendorMac(random, 0x3c2af4UL, macs),
                Hostname = "cps-cb-" + (p + 1).ToString("D4", CultureInfo.InvariantCulture),
                Vlan = PupilVlan,
                Ip = Address(20, 1 + (p / 240), 10 + (p % 240)),
            });
        }

        var guests = Math.Max(2, pupilCount / 50);
        for (var g = 0; g < guests; g++)
        {
            var iphone = g % 2 == 0;
            devices.Add(new SimDevice
            {
                DeviceId = "G" + (g + 1).ToString("D3", CultureInfo.InvariantCulture),
                Kind = SimDeviceKind.Guest,
                Platform = iphone ? SimPlatform.Iphone : SimPlatform.Android,
                Mac = PrivateMac(random, macs),
                Hostname = iphone ? "iPhone" : null,
                Vlan = GuestVlan,
                Ip = Address(30, 1 + (g / 240), 10 + (g % 240)),
                // Half the guests were registered by reception; the others are unknown devices on the guest VLAN.
                Registered = g % 2 == 0,
            });
        }

        var highlights = new Highlights(Id(0), managers, Id(hrIndex), Id(ictIndex), excessive, special,
            authorisedDevice, shared.DeviceId, staticDevice);
        return new SchoolPopulation(staff, devices, highlights);
    }

    public static uint Address(int second, int third, int fourth) =>
        (10u << 24) | ((uint)second << 16) | ((uint)third << 8) | (uint)fourth;

    private static ulong VendorMac(Random random, ulong oui, HashSet<ulong> used)
    {
        ulong mac;
        do
        {
            mac = (oui << 24) | (uint)random.Next(1 << 24);
        }
        while (!used.Add(mac));

        return mac;
    }

    /// <summary>Randomised MAC as phones use per network: locally administered bit set, multicast bit clear.</summary>
    private static ulong PrivateMac(Random random, HashSet<ulong> used)
    {
        ulong mac;
        do
        {
            mac = ((ulong)(uint)random.Next() << 16) ^ (uint)random.Next(1 << 16);
            mac = ((mac & 0xffff_ffff_ffffUL) | 0x0200_0000_0000UL) & ~0x0100_0000_0000UL;
        }
        while (!used.Add(mac));

        return mac;
    }
}
