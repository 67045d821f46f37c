using CoppiceMonitor.Storage.Accounts;
using CoppiceMonitor.Storage.Portal;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CoppiceMonitor.Portal.Security;

/// <summary>Refuses sign-in to a disabled account and to one whose email is no longer in its school's registry.</summary>
internal sealed class PortalSignInManager(
    UserManager<PortalUser> userManager,
    IHttpContextAccessor contextAccessor,
    IUserClaimsPrincipalFactory<PortalUser> claimsFactory,
    IOptions<IdentityOptions> optionsAccessor,
    ILogger<SignInManager<PortalUser>> logger,
    IAuthenticationSchemeProvider schemes,
    IUserConfirmation<PortalUser> confirmation,
    StaffDirectory directory)
    : SignInManager<PortalUser>(userManager, contextAccessor, claimsFactory, optionsAccessor, logger, schemes, confirmation)
{
    public override async Task<bool> CanSignInAsync(PortalUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (user.DisabledUtc is not null || user.Email is null)
        {
            return false;
        }

        return await directory.FindByEmailAsync(user.SchoolId, user.Email).ConfigureAwait(false) is not null
            && await base.CanSignInAsync(user).ConfigureAwait(false);
    }
}
