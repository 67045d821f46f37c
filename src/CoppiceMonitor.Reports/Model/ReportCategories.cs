using CoppiceMonitor.Visits;

namespace CoppiceMonitor.Reports.Model;

/// <summary>
/// Category names as the service catalogue writes them. Special categories (policy 10.3: health, religion, politics,
/// trade union membership, sexual orientation and the like) are never named in a report: their rows are shown under
/// the category alone.
/// </summary>
public static class ReportCategories
{
    public const string SocialMedia = ServiceCategories.SocialMedia;

    public const string EncryptedDns = ServiceCategories.EncryptedDns;

    public const string Hidden = ServiceCategories.Hidden;

    /// <summary>The catalogue's own list decides; a case difference must not let a special site through.</summary>
    public static bool IsSpecial(string category) =>
        ServiceCategories.Special.Any(s => string.Equals(s, category, StringComparison.OrdinalIgnoreCase));

    /// <summary>The label a report may print for a service: the service, or only the category for special ones.</summary>
    public static string DisplayService(string service, string category) =>
        IsSpecial(category) ? $"[{category} site]" : service;
}
