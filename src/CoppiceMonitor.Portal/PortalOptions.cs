using System.ComponentModel.DataAnnotations;

namespace CoppiceMonitor.Portal;

/// <summary>The "Portal" configuration section.</summary>
public sealed class PortalOptions
{
    public const string SectionName = "Portal";

    /// <summary>`run` serves the portal beside the monitor when true (`coppice-monitor portal` serves it regardless).</summary>
    public bool Enabled { get; set; }

    public const string DefaultUrl = "https://0.0.0.0:8443";

    /// <summary>HTTPS addresses to listen on (default https://0.0.0.0:8443; plain http is refused).</summary>
    /// <remarks>Empty by default: the configuration binder appends to an array's initial items instead of replacing them.</remarks>
    public string[] Urls { get; set; } = [];

    public IReadOnlyList<string> EffectiveUrls => Urls.Length == 0 ? [DefaultUrl] : Urls;

    /// <summary>A PKCS#12 (.pfx) certificate; empty = a self-signed one generated on first start (trial only).</summary>
    public string? CertificatePath { get; set; }

    /// <summary>Its password: only from the environment (COPPICE_Portal__CertificatePassword).</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>Where the generated certificate and the cookie-encryption keys live (default {Service:DataFolder}/portal).</summary>
    public string? DataFolder { get; set; }

    /// <summary>Idle minutes after which a session ends.</summary>
    [Range(1, 480)]
    public int SessionMinutes { get; set; } = 20;

    /// <summary>Failed sign-ins (password or code) before the account is locked, and for how long.</summary>
    [Range(1, 100)]
    public int MaxFailedSignIns { get; set; } = 5;

    [Range(1, 1440)]
    public int LockoutMinutes { get; set; } = 15;

}
