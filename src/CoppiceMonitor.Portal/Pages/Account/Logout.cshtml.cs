using CoppiceMonitor.Storage.Accounts;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace CoppiceMonitor.Portal.Pages.Account;

/// <summary>Signing out is a POST with the antiforgery token (a link could be forged to sign someone out).</summary>
public sealed class LogoutModel(SignInManager<PortalUser> signInManager) : PageModel
{
    public async Task<IActionResult> OnPostAsync()
    {
        await signInManager.SignOutAsync().ConfigureAwait(false);
        return Redirect("/account/login");
    }
}
