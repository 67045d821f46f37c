using System.CommandLine;

namespace CoppiceMonitor.Service.Verbs;

/// <summary>`run`: the worker service (live capture -> visits -> storage, plus the scheduled jobs).</summary>
public static class RunVerb
{
    public static Command Create()
    {
        var command = new Command("run", "Run the monitoring service: live capture on Capture:Interfaces, visits into PostgreSQL, scheduled reports and purges. Stops gracefully on SIGTERM/Ctrl+C after draining.");
        command.SetAction((parse, ct) => Pending.Run("run", "the capture pipeline"));
        return command;
    }
}
