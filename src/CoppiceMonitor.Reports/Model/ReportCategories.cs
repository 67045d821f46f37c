using CoppiceMonitor.Visits;

namespace CoppiceMonitor.Reports.Model;

/// <summary>
/// Category names as the service catalogue writes them. Special categories (policy 10.3: health, religion, politics,
/// trade union membership, sexual orientation, and any category the catalogue marks special) never appear in a
/// routine report: not as a row, a chart bar or a part of a total. They stay in storage as a category, reachable only
/// through an investigation.
/// </summary>
public static class ReportCategories
{
    public const string SocialMedia = ServiceCategories.SocialMedia;

    public const string EncryptedDns = ServiceCategories.EncryptedDns;

    public const string Hidden = ServiceCategories.Hidden;

    /// <summary>The policy section that keeps special categories out of routine reports.</summary>
    public const string SpecialCategorySection = "10.3";

    /// <summary>The catalogue's own list decides; a case or spacing difference must not let a special category through.</summary>
    public static bool IsSpecial(string? category) =>
        category is not null && ServiceCategories.Special.Any(s => string.Equals(s, category.Trim(), StringComparison.OrdinalIgnoreCase));

    /// <summary>The label a report may print for a service (anonymous totals from storage): the category for special ones.</summary>
    public static string DisplayService(string service, string category) =>
        IsSpecial(category) ? $"[{category} site]" : service;

    /// <summary>The categories a routine report may ask storage for: the wanted ones less every special category.</summary>
    public static string[] Reportable(IEnumerable<string> categories) =>
        [.. categories.Where(c => !IsSpecial(c))];
}
