using System.ComponentModel.DataAnnotations;

namespace CoppiceMonitor.Visits;

/// <summary>Sessionising settings (configuration section "Visits").</summary>
public sealed class VisitsOptions
{
    public const string SectionName = "Visits";

    /// <summary>A visit closes after this long without evidence of the same service.</summary>
    [Range(1, 240)]
    public int IdleGapMinutes { get; set; } = 5;

    /// <summary>Observations up to this late (behind the newest seen) still give the same visits as in order.</summary>
    [Range(0, 3600)]
    public int ReorderWindowSeconds { get; set; } = 120;

    /// <summary>How far back a client's DNS answers name a connection that has no SNI or only an ECH outer name.</summary>
    [Range(1, 120)]
    public int DnsNameWindowMinutes { get; set; } = 10;

    /// <summary>How long after a connection's last active minute its FlowSummary may still arrive (Capture's flow idle timeout).</summary>
    [Range(0, 120)]
    public int FlowSummaryGraceMinutes { get; set; } = 5;

    /// <summary>How long a visit waits for the FlowSummary of a connection that opened (ClientHello seen) before closing anyway.</summary>
    [Range(1, 1440)]
    public int MaxOpenConnectionMinutes { get; set; } = 120;

    internal TimeSpan IdleGap => TimeSpan.FromMinutes(IdleGapMinutes);

    internal TimeSpan ReorderWindow => TimeSpan.FromSeconds(ReorderWindowSeconds);

    internal TimeSpan DnsNameWindow => TimeSpan.FromMinutes(DnsNameWindowMinutes);

    internal TimeSpan FlowSummaryGrace => TimeSpan.FromMinutes(FlowSummaryGraceMinutes);

    internal TimeSpan MaxOpenConnection => TimeSpan.FromMinutes(MaxOpenConnectionMinutes);
}
