namespace CoppiceMonitor.Visits;

/// <summary>What part a hostname plays for its service.</summary>
public enum HostRole
{
    /// <summary>The service's own sites, apps and links: opens a visit.</summary>
    FirstParty,

    /// <summary>Static or media content hosts: extends an open visit only.</summary>
    Cdn,

    /// <summary>SDKs, share buttons, pixels and players that other sites load: extends an open visit only.</summary>
    Embed,

    /// <summary>App and telemetry endpoints: extends an open visit only.</summary>
    Api,

    /// <summary>Chat, voice and realtime endpoints: opens a visit, because chatting is use of the service.</summary>
    Messaging,
}
