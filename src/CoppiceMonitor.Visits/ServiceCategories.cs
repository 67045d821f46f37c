namespace CoppiceMonitor.Visits;

/// <summary>Category names used by the catalogue, visits and reports.</summary>
public static class ServiceCategories
{
    public const string SocialMedia = "SocialMedia";
    public const string Messaging = "Messaging";
    public const string Video = "Video";
    public const string General = "General";

    /// <summary>DNS-over-HTTPS resolvers: the device's lookups could not be seen.</summary>
    public const string EncryptedDns = "EncryptedDns";

    /// <summary>ECH outer names that no DNS answer resolved: the site could not be seen.</summary>
    public const string Hidden = "Hidden";

    public const string Health = "Health";
    public const string Religion = "Religion";
    public const string Politics = "Politics";
    public const string TradeUnion = "TradeUnion";
    public const string SexualOrientation = "SexualOrientation";

    /// <summary>The special categories of policy 10.3 (UK GDPR Art. 9).</summary>
    public static IReadOnlySet<string> Special { get; } =
        new HashSet<string>([Health, Religion, Politics, TradeUnion, SexualOrientation], StringComparer.Ordinal);

    public static bool IsSpecial(string category) => Special.Contains(category);
}
