using System.CommandLine;

namespace CoppiceMonitor.Service.Verbs;

/// <summary>`status`: health at a glance for ICT.</summary>
public static class StatusVerb
{
    public static Command Create()
    {
        var command = new Command("status", "Show capture counters and kernel drops, ingest lag, spool size, last and next job runs, retention state.");
        command.SetAction((parse, ct) => Pending.Run("status", "storage"));
        return command;
    }
}
