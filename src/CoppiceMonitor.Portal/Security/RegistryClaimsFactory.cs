using System.Security.Claims;
using CoppiceMonitor.Storage.Accounts;
using CoppiceMonitor.Storage.Portal;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace CoppiceMonitor.Portal.Security;

/// <summary>
/// Builds the signed-in person's claims from the staff registry (matched by the account's email in its school): their
/// staff id, name and roles. Roles that need the second factor are granted only to an account that has it enabled;
/// otherwise the session carries <see cref="PortalClaims.NeedsSecondFactor"/> and can only set it up. Runs at sign-in
/// and at every security-stamp revalidation, so a registry change or a disabled account takes effect within a minute.
/// </summary>
internal sealed class RegistryClaimsFactory(UserManager<PortalUser> userManager, IOptions<IdentityOptions> options, StaffDirectory directory)
    : UserClaimsPrincipalFactory<PortalUser>(userManager, options)
{
    protected override async Task<ClaimsIdentity> GenerateClaimsAsync(PortalUser user)
    {
        var identity = await base.GenerateClaimsAsync(user).ConfigureAwait(false);
        identity.AddClaim(new Claim(PortalClaims.SchoolId, user.SchoolId));
        if (user.Email is null || user.DisabledUtc is not null)
        {
            return identity;
        }

        if (!identity.HasClaim(c => c.Type == ClaimTypes.Email))
        {
            identity.AddClaim(new Claim(ClaimTypes.Email, user.Email));
        }

        var staff = await directory.FindByEmailAsync(user.SchoolId, user.Email).ConfigureAwait(false);
        if (staff is null)
        {
            return identity;
        }

        identity.AddClaim(new Claim(PortalClaims.StaffId, staff.StaffId));
        identity.AddClaim(new Claim(PortalClaims.DisplayName, staff.DisplayName));
        var needsSecondFactor = (staff.Roles & PortalRoles.NeedSecondFactor) != 0 && !user.TwoFactorEnabled;
        if (needsSecondFactor)
        {
            identity.AddClaim(new Claim(PortalClaims.NeedsSecondFactor, "true"));
        }

        foreach (var role in PortalRoles.Names(needsSecondFactor ? staff.Roles & ~PortalRoles.NeedSecondFactor : staff.Roles))
        {
            identity.AddClaim(new Claim(ClaimTypes.Role, role));
        }

        return identity;
    }
}
