namespace CoppiceMonitor.Visits;

/// <summary>What the pipeline did, for `status` and logs.</summary>
public sealed class VisitPipelineCounters
{
    public long Observations { get; internal set; }

    /// <summary>Observations that arrived behind the reorder window (may lose evidence).</summary>
    public long LateObservations { get; internal set; }

    /// <summary>Connections with no SNI and no DNS answer naming the server.</summary>
    public long UnnamedConnections { get; internal set; }

    /// <summary>Connections named from DNS because the SNI was missing or an ECH outer name.</summary>
    public long NamesFromDns { get; internal set; }

    public long LateEventsDropped { get; internal set; }

    public long PendingConnectionsExpired { get; internal set; }

    /// <summary>Embed, CDN and API evidence with no open visit of its service (e.g. share buttons on other sites).</summary>
    public long ExtendOnlyEventsDiscarded { get; internal set; }

    /// <summary>Minutes with payload that carried only keep-alives or pushes (below the use thresholds).</summary>
    public long KeepAliveMinutesIgnored { get; internal set; }

    /// <summary>First-party connections judged embeds in another site's page (extend-only, never open a visit).</summary>
    public long EmbeddedConnections { get; internal set; }

    /// <summary>One-minute, one-connection visits: background refresh or prefetch, not a person's use.</summary>
    public long BackgroundVisitsDropped { get; internal set; }

    public long VisitsWithoutActivityDropped { get; internal set; }

    public long VisitsEmitted { get; internal set; }

    public long AnonymousVisits { get; internal set; }

    public long AnonymousRowsEmitted { get; internal set; }
}
