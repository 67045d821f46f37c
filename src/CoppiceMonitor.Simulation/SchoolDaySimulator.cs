using System.Globalization;
using System.Text;
using CoppiceMonitor.Simulation.Scenario;
using CoppiceMonitor.Simulation.Truth;
using CoppiceMonitor.Simulation.Wire;

namespace CoppiceMonitor.Simulation;

/// <summary>
/// Writes a synthetic school day deterministically from a seed: a classic pcap (Ethernet, 802.1Q: staff VLAN 10 on
/// 10.10.0.0/16, pupils VLAN 20 on 10.20.0.0/16, guests VLAN 30 on 10.30.0.0/16), the registry files staff.csv
/// and devices.csv, and truth.json saying what every staff device did.
/// </summary>
public static class SchoolDaySimulator
{
    public const int GeneratorVersion = 2;
    public const string SchoolId = "coppice-primary";
    public const string TimeZoneId = "Europe/London";
    public const string StaffCsvName = "staff.csv";
    public const string DevicesCsvName = "devices.csv";
    public const string TruthName = "truth.json";

    public static SimulationSummary Write(SimulationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var zone = LondonTimeZone();
        var pcapPath = Path.GetFullPath(options.OutputPcap);
        var folder = string.IsNullOrWhiteSpace(options.OutputFolder)
            ? Path.GetDirectoryName(pcapPath)!
            : Path.GetFullPath(options.OutputFolder);
        Directory.CreateDirectory(folder);
        Directory.CreateDirectory(Path.GetDirectoryName(pcapPath)!);

        // Separate streams for the cast, the timetable and the packets, so changing one part of the generator
        // does not reshuffle the others.
        var population = SchoolPopulation.Create(new Random(options.Seed), options.Staff, options.Pupils);
        var planner = new DayPlanner(new Random(unchecked(options.Seed * 31 + 7)), options.Date, zone);
        planner.Plan(population);
        var renderer = new TrafficRenderer(new Random(unchecked(options.Seed * 131 + 17)));

        var devices = new List<TruthDevice>();
        foreach (var presence in planner.Presences)
        {
            var exchanges = renderer.Dhcp(presence);
            var d = presence.Device;
            devices.Add(new TruthDevice(d.DeviceId, d.StaffId, TrafficRenderer.KindName(d.Kind), d.Registered,
                MacText(d.Mac), d.Hostname, TrafficRenderer.FormatIp(d.Ip), d.Vlan, d.StaticIp,
                TrafficRenderer.ToMicroseconds(presence.ArrivalUtc), TrafficRenderer.ToMicroseconds(presence.DepartureUtc), exchanges));
        }

        var visits = new List<TruthVisit>();
        var anonymous = new List<TruthVisit>();
        foreach (var planned in planner.Visits)
        {
            var truth = renderer.Visit(planned);
            (planned.Device.Kind is SimDeviceKind.Staff or SimDeviceKind.Shared ? visits : anonymous).Add(truth);
        }

        var background = planner.Background.Select(renderer.Background).ToList();

        long packets;
        DateTime first;
        DateTime last;
        using (var stream = new FileStream(pcapPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        using (var writer = new PcapFileWriter(stream))
        {
            (first, last) = renderer.WriteTo(writer);
            packets = writer.Packets;
        }

        var roles = population.Roles;
        var excessiveMinutes = visits
            .Where(v => v.StaffId == roles.ExcessiveUserId && v.IsSocialMedia)
            .SelectMany(v => v.ActiveMinutesUtc).Distinct().Count();
        var highlights = new TruthHighlights(roles.HeadteacherId, roles.LineManagerIds, roles.HrId, roles.IctId,
            roles.ExcessiveUserId, excessiveMinutes, roles.SpecialCategoryUserId, roles.AuthorisedDeviceId,
            roles.SharedDeviceId, roles.StaticIpDeviceId,
            [.. SimulatedSites.BbcNews.Embeds.Select(e => e.Name)]);
        var totals = anonymous
            .GroupBy(v => (v.DeviceKind, v.Service, v.Category, v.IsSocialMedia))
            .OrderBy(g => g.Key.DeviceKind, StringComparer.Ordinal).ThenBy(g => g.Key.Service, StringComparer.Ordinal)
            .Select(g => new TruthAnonymousTotal(g.Key.DeviceKind, g.Key.Service, g.Key.Category, g.Key.IsSocialMedia,
                g.Select(v => v.DeviceId).Distinct().Count(),
                g.GroupBy(v => v.DeviceId).Sum(d => d.SelectMany(v => v.ActiveMinutesUtc).Distinct().Count())))
            .ToList();

        var truthPath = Path.Combine(folder, TruthName);
        new SimulationTruth(GeneratorVersion, options.Seed, options.Date, SchoolId, TimeZoneId, packets, first, last,
            highlights, devices, visits, totals, background).Save(truthPath);

        var staffPath = Path.Combine(folder, StaffCsvName);
        var devicesPath = Path.Combine(folder, DevicesCsvName);
        WriteStaffCsv(staffPath, population);
        WriteDevicesCsv(devicesPath, population);

        return new SimulationSummary(packets, population.Devices.Count,
            population.Devices.Count(d => d.Kind == SimDeviceKind.Staff), visits.Count(v => v.StaffId is not null),
            first, last, pcapPath, staffPath, devicesPath, truthPath);
    }

    /// <summary>
    /// Europe/London by its IANA id; Windows without ICU (invariant globalization) knows it only by its Windows id.
    /// </summary>
    private static TimeZoneInfo LondonTimeZone()
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(TimeZoneId);
        }
        catch (TimeZoneNotFoundException)
        {
            return TimeZoneInfo.FindSystemTimeZoneById("GMT Standard Time");
        }
    }

    private static string MacText(ulong mac) => string.Join(':',
        Enumerable.Range(0, 6).Select(i => ((byte)(mac >> (8 * (5 - i)))).ToString("x2", CultureInfo.InvariantCulture)));

    /// <summary>staff.csv: staff_id,display_name,email,line_manager_id,roles (roles separated by ';').</summary>
    private static void WriteStaffCsv(string path, SchoolPopulation population)
    {
        var csv = new StringBuilder("staff_id,display_name,email,line_manager_id,roles\n");
        foreach (var s in population.Staff)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{s.StaffId},{Field(s.DisplayName)},{s.Email},{s.LineManagerId},{s.Roles}\n");
        }

        File.WriteAllText(path, csv.ToString(), new UTF8Encoding(false));
    }

    /// <summary>devices.csv: device_id,staff_id,mac,hostname,static_ip,kind,authorised_services.</summary>
    private static void WriteDevicesCsv(string path, SchoolPopulation population)
    {
        var csv = new StringBuilder("device_id,staff_id,mac,hostname,static_ip,kind,authorised_services\n");
        foreach (var d in population.Devices.Where(d => d.Registered))
        {
            var staticIp = d.StaticIp ? TrafficRenderer.FormatIp(d.Ip) : string.Empty;
            csv.Append(CultureInfo.InvariantCulture,
                $"{d.DeviceId},{d.StaffId},{MacText(d.Mac)},{Field(d.Hostname ?? string.Empty)},{staticIp},{TrafficRenderer.KindName(d.Kind)},{string.Join(';', d.AuthorisedServices)}\n");
        }

        File.WriteAllText(path, csv.ToString(), new UTF8Encoding(false));
    }

    /// <summary>RFC 4180 quoting where a value holds a comma, quote or line break.</summary>
    private static string Field(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
}
