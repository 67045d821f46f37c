namespace CoppiceMonitor.Visits;

/// <summary>
/// What a hostname is. For special categories (policy 10.3) <see cref="Service"/> is the category itself and
/// <see cref="RegistrableDomain"/> is null, so no site name can leak downstream.
/// </summary>
public sealed record HostClassification(
    string Service,
    string Category,
    HostRole Role,
    bool IsSpecialCategory,
    bool IsDnsOverHttps)
{
    /// <summary>True for ECH outer (client-facing) names such as cloudflare-ech.com: the real site is hidden.</summary>
    public bool IsEchOuterName { get; init; }

    /// <summary>True when the name matched a catalogue row (a service), false for a site by registrable domain.</summary>
    public bool IsCatalogued { get; init; }

    /// <summary>The registrable domain of the host (bbc.co.uk for news.bbc.co.uk); null for special categories.</summary>
    public string? RegistrableDomain { get; init; }

    /// <summary>Other services whose open visits this host may extend (shared Meta CDNs serve several apps).</summary>
    public IReadOnlyList<string> AlsoExtends { get; init; } = [];

    /// <summary>Whether this host can open a visit on its own (first-party evidence).</summary>
    public bool OpensVisit => Role is HostRole.FirstParty or HostRole.Messaging;
}
