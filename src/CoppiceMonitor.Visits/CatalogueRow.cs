namespace CoppiceMonitor.Visits;

/// <summary>How a catalogue row's suffix matches a hostname.</summary>
public enum CatalogueMatch
{
    /// <summary>The name itself and every subdomain.</summary>
    Suffix,

    /// <summary>That host only.</summary>
    Exact,

    /// <summary>
    /// 'brand.*': the registrable domain is brand.&lt;public suffix&gt; (twitter.co.uk); 'brand-*': any label
    /// starting with 'brand-' (fbcdn-a.akamaihd.net).
    /// </summary>
    LabelPrefix,

    /// <summary>A bare brand TLD (.youtube), matched as a suffix.</summary>
    Tld,
}

/// <summary>One row of the catalogue, from Data/services.tsv, Data/special-categories.tsv or configuration.</summary>
public sealed record CatalogueRow(
    string Service,
    string Suffix,
    HostRole Role,
    CatalogueMatch Match,
    string Category,
    IReadOnlyList<string> AlsoExtends,
    string Origin)
{
    public bool IsSpecialCategory => ServiceCategories.IsSpecial(Category);

    public bool IsDnsOverHttps => Category == ServiceCategories.EncryptedDns;

    public bool IsEchOuterName => Category == ServiceCategories.Hidden;
}
