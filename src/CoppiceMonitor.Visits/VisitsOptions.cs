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

    /// <summary>
    /// A minute counts as use only when the server sent at least this many payload bytes in it (a page, a feed, a
    /// video segment). Keep-alives (HTTP/2 and QUIC PINGs, WebSocket and MQTT pings, long-poll heartbeats) are tens
    /// to a few hundred bytes a minute, so a tab left open is not counted as use. 0: any payload counts.
    /// </summary>
    [Range(0, 1_000_000)]
    public int UseMinServerBytesPerMinute { get; set; } = 1000;

    /// <summary>
    /// A minute counts as use only when the client also sent at least this many payload bytes in it (its own
    /// requests). Push messages and the small acknowledgements they draw are server-initiated and stay below it.
    /// 0: direction is not considered.
    /// </summary>
    [Range(0, 1_000_000)]
    public int UseMinClientBytesPerMinute { get; set; } = 100;

    /// <summary>
    /// A first-party connection that starts within this many seconds after another site's page load on the same
    /// device, and is small and short (below), is that page's embed (a like or share button), not a visit. 0: off.
    /// </summary>
    [Range(0, 60)]
    public int EmbedWindowSeconds { get; set; } = 5;

    /// <summary>Most payload bytes (both ways) a connection may carry and still be an embed.</summary>
    [Range(0, 100_000_000)]
    public long EmbedMaxBytes { get; set; } = 256 * 1024;

    /// <summary>Most use minutes a connection may have and still be an embed.</summary>
    [Range(0, 60)]
    public int EmbedMaxUseMinutes { get; set; } = 2;

    /// <summary>
    /// A visit of a single use minute needs at least this many connections. An app's background refresh (at night,
    /// on a charger) or a browser's prefetch is one request and response on one connection; a person opening a
    /// page or an app also loads its assets over further connections. 0 or 1: off.
    /// </summary>
    [Range(0, 10)]
    public int MinConnectionsForOneMinuteVisit { get; set; } = 2;

    internal TimeSpan IdleGap => TimeSpan.FromMinutes(IdleGapMinutes);

    internal TimeSpan ReorderWindow => TimeSpan.FromSeconds(ReorderWindowSeconds);

    internal TimeSpan DnsNameWindow => TimeSpan.FromMinutes(DnsNameWindowMinutes);

    internal TimeSpan FlowSummaryGrace => TimeSpan.FromMinutes(FlowSummaryGraceMinutes);

    internal TimeSpan MaxOpenConnection => TimeSpan.FromMinutes(MaxOpenConnectionMinutes);
}
