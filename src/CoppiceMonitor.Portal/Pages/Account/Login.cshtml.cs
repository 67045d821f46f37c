using CoppiceMonitor.Storage.Accounts;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace CoppiceMonitor.Portal.Pages.Account;

/// <summary>Password sign-in; accounts with a second factor continue to <see cref="LoginWith2faModel"/>.</summary>
public sealed class LoginModel(SignInManager<PortalUser> signInManager, UserManager<PortalUser> userManager, IOptions<PortalOptions> options) : PageModel
{
    public string? Message { get; private set; }

    public string? Email { get; private set; }

    public string ReturnUrl { get; private set; } = "/";

    public int MaxFailed => options.Value.MaxFailedSignIns;

    public void OnGet(string? returnUrl) => ReturnUrl = SafeReturnUrl(returnUrl);

    public async Task<IActionResult> OnPostAsync(string? email, string? password, string? returnUrl)
    {
        ReturnUrl = SafeReturnUrl(returnUrl);
        Email = email;
        if (string.IsNullOrWhiteSpace(email) || string.IsNullOrEmpty(password))
        {
            Message = "Enter your email address and password.";
            return Page();
        }

        var user = await userManager.FindByEmailAsync(email.Trim()).ConfigureAwait(false);
        if (user is null)
        {
            Message = "That email address and password do not match an account.";
            return Page();
        }

        var result = await signInManager.PasswordSignInAsync(user, password, isPersistent: false, lockoutOnFailure: true).ConfigureAwait(false);
        if (result.Succeeded)
        {
            return LocalRedirect(ReturnUrl);
        }

        if (result.RequiresTwoFactor)
        {
            return RedirectToPage("/Account/LoginWith2fa", new { returnUrl = ReturnUrl });
        }

        Message = result.IsLockedOut
            ? "This account is locked after too many failed attempts, or has been disabled. Try again later or ask ICT."
            : result.IsNotAllowed
                ? "This account cannot sign in: it is disabled or no longer matches anyone in the staff registry."
                : "That email address and password do not match an account.";
        return Page();
    }

    /// <summary>Only paths on this site: never an absolute URL (open redirect).</summary>
    internal static string SafeReturnUrl(string? returnUrl) =>
        returnUrl is { Length: > 0 } r && r.StartsWith('/') && !r.StartsWith("//", StringComparison.Ordinal) && !r.StartsWith("/\\", StringComparison.Ordinal) ? r : "/";
}
