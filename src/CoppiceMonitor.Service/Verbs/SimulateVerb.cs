using System.CommandLine;

namespace CoppiceMonitor.Service.Verbs;

/// <summary>`simulate`: a synthetic school day (pcap + staff.csv + devices.csv + truth.json) for trying the product.</summary>
public static class SimulateVerb
{
    public static readonly Option<FileInfo> Output = new("--out") { Description = "The pcap to write; staff.csv, devices.csv and truth.json go beside it.", Required = true };
    public static readonly Option<int> Seed = new("--seed") { Description = "Random seed (same seed, same day).", DefaultValueFactory = _ => 1 };
    public static readonly Option<int> Staff = new("--staff") { Description = "Number of staff.", DefaultValueFactory = _ => 40 };
    public static readonly Option<int> Pupils = new("--pupils") { Description = "Number of pupil devices.", DefaultValueFactory = _ => 60 };
    public static readonly Option<DateOnly> Date = new("--date") { Description = "School day to simulate (yyyy-MM-dd, a term weekday).", DefaultValueFactory = _ => new DateOnly(2026, 11, 18) };

    public static Command Create()
    {
        Staff.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 5000)
            {
                r.AddError("--staff must be between 1 and 5000.");
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
        command.SetAction((parse, ct) => Pending.Run("simulate", "the simulation generator"));
        return command;
    }
}
