namespace CoppiceMonitor.Visits;

/// <summary>
/// A school's additions to the shipped catalogue (configuration section "Catalogue"). Rows here override shipped
/// rows for the same suffix and match kind.
/// </summary>
public sealed class CatalogueOptions
{
    public const string SectionName = "Catalogue";

    /// <summary>Extra service rows (e.g. a local social network, or a school's own app as a service).</summary>
    public IList<CatalogueEntryOptions> Services { get; init; } = [];

    /// <summary>Extra special-category suffixes: suffix -> Health, Religion, Politics, TradeUnion or SexualOrientation.</summary>
    public IDictionary<string, string> SpecialCategories { get; init; } =
        new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Category overrides per service name (e.g. "YouTube": "SocialMedia").</summary>
    public IDictionary<string, string> ServiceCategories { get; init; } =
        new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
}

/// <summary>One extra catalogue row, with the same meaning as a row of Data/services.tsv.</summary>
public sealed class CatalogueEntryOptions
{
    public string Service { get; set; } = "";

    public string Suffix { get; set; } = "";

    /// <summary>first-party, cdn, embed, api or messaging.</summary>
    public string Role { get; set; } = "first-party";

    /// <summary>suffix, exact, label-prefix or tld.</summary>
    public string Match { get; set; } = "suffix";

    /// <summary>Defaults to the category the service already has, or SocialMedia for a new service.</summary>
    public string? Category { get; set; }
}
