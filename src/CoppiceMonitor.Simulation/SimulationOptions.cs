namespace CoppiceMonitor.Simulation;

/// <summary>What to simulate and where to write it. The same options always produce byte-identical files.</summary>
public sealed class SimulationOptions
{
    public const int MinimumStaff = 8;

    /// <summary>Seed for every random choice (people, devices, timings, packet contents).</summary>
    public int Seed { get; set; } = 1;

    /// <summary>Number of staff (at least 8: headteacher, line managers, HR, ICT and the story's cast).</summary>
    public int Staff { get; set; } = 40;

    /// <summary>Number of pupil devices on the pupil VLAN.</summary>
    public int Pupils { get; set; } = 200;

    /// <summary>The school day, interpreted in Europe/London local time. Default: a Wednesday in the autumn term.</summary>
    public DateOnly Date { get; set; } = new(2026, 10, 14);

    /// <summary>The pcap file to write (its folder is created).</summary>
    public string OutputPcap { get; set; } = "school-day.pcap";

    /// <summary>Folder for staff.csv, devices.csv and truth.json; null or empty means the pcap's folder.</summary>
    public string? OutputFolder { get; set; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the bad setting.</summary>
    public void Validate()
    {
        if (Staff < MinimumStaff)
        {
            throw new ArgumentException($"Staff must be at least {MinimumStaff} (it was {Staff}).", nameof(Staff));
        }

        if (Staff > 2000)
        {
            throw new ArgumentException($"Staff must be at most 2000 (it was {Staff}).", nameof(Staff));
        }

        if (Pupils is < 0 or > 20000)
        {
            throw new ArgumentException($"Pupils must be between 0 and 20000 (it was {Pupils}).", nameof(Pupils));
        }

        if (string.IsNullOrWhiteSpace(OutputPcap))
        {
            throw new ArgumentException("OutputPcap must name a file.", nameof(OutputPcap));
        }
    }
}

/// <summary>What <see cref="SchoolDaySimulator.Write"/> produced.</summary>
public sealed record SimulationSummary(
    long Packets,
    int Devices,
    int StaffDevices,
    int StaffVisits,
    DateTime FirstPacketUtc,
    DateTime LastPacketUtc,
    string PcapPath,
    string StaffCsvPath,
    string DevicesCsvPath,
    string TruthPath);
