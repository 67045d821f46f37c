using Serilog.Core;
using Serilog.Events;

namespace CoppiceMonitor.Service.Hosting;

/// <summary>
/// Adds a "&lt;N&gt;" syslog priority prefix that journald turns into the entry's priority
/// (SyslogLevelPrefix=yes is systemd's default), so `journalctl -p warning` works.
/// </summary>
internal sealed class JournaldPriorityEnricher(bool enabled) : ILogEventEnricher
{
    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
    {
        var prefix = !enabled ? "" : logEvent.Level switch
        {
            LogEventLevel.Fatal => "<2>",
            LogEventLevel.Error => "<3>",
            LogEventLevel.Warning => "<4>",
            LogEventLevel.Information => "<6>",
            _ => "<7>",
        };
        logEvent.AddPropertyIfAbsent(propertyFactory.CreateProperty("Priority", prefix));
    }
}
