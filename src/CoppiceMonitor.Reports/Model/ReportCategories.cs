namespace CoppiceMonitor.Reports.Model;

/// <summary>
/// Category names as the service catalogue writes them. Special categories (policy 10.3: health, religion, politics,
/// trade union membership, sexual orientation and the like) are never named in a report: their rows are shown under
/// the category alone.
/// </summary>
public static class ReportCategories
{
    public const string SocialMedia = "SocialMedia";

    private static readonly HashSet<string> Special = new(StringComparer.OrdinalIgnoreCase)
    {
        "Health", "Religion", "Politics", "TradeUnion", "SexualOrientation", "SexLife", "Ethnicity", "RacialOrigin",
        "Biometric", "Genetic", "Philosophy", "PhilosophicalBelief", "SpecialCategory",
    };

    public static bool IsSpecial(string category) => Special.Contains(category);

    /// <summary>The label a report may print for a service: the service, or only the category for special ones.</summary>
    public static string DisplayService(string service, string category) =>
        IsSpecial(category) ? $"[{category} site]" : service;
}
