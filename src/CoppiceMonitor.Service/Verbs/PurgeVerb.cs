using System.CommandLine;

namespace CoppiceMonitor.Service.Verbs;

/// <summary>`purge [--dry-run]`: apply the retention policy now (the scheduler does it nightly).</summary>
public static class PurgeVerb
{
    public static Command Create()
    {
        var dryRun = new Option<bool>("--dry-run") { Description = "Show what would be deleted, delete nothing." };
        var command = new Command("purge", "Delete data past its retention window (policy 10.4), except where an investigation hold covers it. Audited.") { dryRun };
        command.SetAction((parse, ct) => Pending.Run("purge", "storage"));
        return command;
    }
}
