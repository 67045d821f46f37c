using System.CommandLine;
using System.Globalization;
using CoppiceMonitor.Service.Cli;
using CoppiceMonitor.Simulation;

namespace CoppiceMonitor.Service.Verbs;

/// <summary>`simulate`: a synthetic school day (pcap + staff.csv + devices.csv + truth.json) for trying the product.</summary>
public static class SimulateVerb
{
    public static readonly Option<FileInfo> Output = new("--out") { Description = "The pcap to write; staff.csv, devices.csv and truth.json go beside it.", Required = true };
    public static readonly Option<int> Seed = new("--seed") { Description = "Random seed (same seed, same day).", DefaultValueFactory = _ => 1 };
    public static readonly Option<int> Staff = new("--staff") { Description = "Number of staff.", DefaultValueFactory = _ => 40 };
    public static readonly Option<int> Pupils = new("--pupils") { Description = "Number of pupil devices.", DefaultValueFactory = _ => 200 };
    public static readonly Option<DateOnly> Date = new("--date") { Description = "School day to simulate (yyyy-MM-dd, a term weekday).", DefaultValueFactory = _ => new DateOnly(2026, 10, 14) };

    public static Command Create()
    {
        Staff.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < SimulationOptions.MinimumStaff or > 2000)
            {
                r.AddError($"--staff must be between {SimulationOptions.MinimumStaff} and 2000.");
            }
        });
        Pupils.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 0 or > 20000)
            {
                r.AddError("--pupils must be between 0 and 20000.");
            }
        });
        var command = new Command("simulate", "Write a synthetic school day: real DNS, TLS and QUIC ClientHellos, DHCP, flows; plus matching staff.csv and devices.csv.")
        {
            Output, Seed, Staff, Pupils, Date,
        };
        command.SetAction((parse, ct) => Task.Run(() => Run(parse), ct));
        return command;
    }

    private static int Run(ParseResult parse)
    {
        var options = new SimulationOptions
        {
            OutputPcap = parse.GetRequiredValue(Output).FullName,
            Seed = parse.GetValue(Seed),
            Staff = parse.GetValue(Staff),
            Pupils = parse.GetValue(Pupils),
            Date = parse.GetValue(Date),
        };
        var summary = SchoolDaySimulator.Write(options);
        var output = parse.InvocationConfiguration.Output;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"simulate: {summary.Packets} packets, {summary.Devices} devices ({summary.StaffDevices} staff), {summary.StaffVisits} staff visits, {summary.FirstPacketUtc:u} .. {summary.LastPacketUtc:u}"));
        output.WriteLine($"  pcap     {summary.PcapPath}");
        output.WriteLine($"  staff    {summary.StaffCsvPath}");
        output.WriteLine($"  devices  {summary.DevicesCsvPath}");
        output.WriteLine($"  truth    {summary.TruthPath}");
        return ExitCodes.Success;
    }
}
