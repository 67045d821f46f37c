using CoppiceMonitor.Storage.Accounts;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace CoppiceMonitor.Portal.Pages.Account;

/// <summary>Second step of sign-in: the TOTP code (or a recovery code). Failures count towards the lockout.</summary>
public sealed class LoginWith2faModel(SignInManager<PortalUser> signInManager) : PageModel
{
    public string? Message { get; private set; }

    public string ReturnUrl { get; private set; } = "/";

    public async Task<IActionResult> OnGetAsync(string? returnUrl)
    {
        ReturnUrl = LoginModel.SafeReturnUrl(returnUrl);
        return await signInManager.GetTwoFactorAuthenticationUserAsync().ConfigureAwait(false) is null
            ? RedirectToPage("/Account/Login") : Page();
    }

    public async Task<IActionResult> OnPostAsync(string? code, string? returnUrl)
    {
        ReturnUrl = LoginModel.SafeReturnUrl(returnUrl);
        if (await signInManager.GetTwoFactorAuthenticationUserAsync().ConfigureAwait(false) is null)
        {
            return RedirectToPage("/Account/Login");
        }

        var cleaned = (code ?? string.Empty).Replace(" ", string.Empty, StringComparison.Ordinal).Replace("-", string.Empty, StringComparison.Ordinal);
        var result = cleaned.Length == 6 && cleaned.All(char.IsAsciiDigit)
            ? await signInManager.TwoFactorAuthenticatorSignInAsync(cleaned, isPersistent: false, rememberClient: false).ConfigureAwait(false)
            : await signInManager.TwoFactorRecoveryCodeSignInAsync(cleaned).ConfigureAwait(false);
        if (result.Succeeded)
        {
            return LocalRedirect(ReturnUrl);
        }

        Message = result.IsLockedOut ? "This account is locked after too many failed attempts. Try again later." : "That code is not right. Codes change every 30 seconds.";
        return Page();
    }
}
