using Microsoft.AspNetCore.Identity;

namespace CoppiceMonitor.Storage.Accounts;

/// <summary>
/// A portal sign-in (table portal_users). The account belongs to one school and is matched to the registry's staff
/// member by email; the person's roles are read from the registry at sign-in, never stored here.
/// </summary>
public sealed class PortalUser : IdentityUser
{
    public required string SchoolId { get; set; }

    /// <summary>Set by `accounts disable`; a disabled account cannot sign in (its lockout is also set to the end of time).</summary>
    public DateTime? DisabledUtc { get; set; }

    public DateTime CreatedUtc { get; set; }
}
