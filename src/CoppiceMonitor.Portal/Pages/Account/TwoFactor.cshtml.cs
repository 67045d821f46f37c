using System.Text;
using CoppiceMonitor.Portal.Security;
using CoppiceMonitor.Storage.Accounts;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace CoppiceMonitor.Portal.Pages.Account;

/// <summary>Sets up the TOTP second factor (Identity's authenticator key), then re-issues the session with the roles it unlocks.</summary>
public sealed class TwoFactorModel(UserManager<PortalUser> userManager, SignInManager<PortalUser> signInManager) : PageModel
{
    public bool Enabled { get; private set; }

    public bool Required => User.HasClaim(c => c.Type == PortalClaims.NeedsSecondFactor);

    public string? FormattedKey { get; private set; }

    public string? KeyUri { get; private set; }

    public string? Message { get; private set; }

    public IReadOnlyList<string>? RecoveryCodes { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        var user = await userManager.GetUserAsync(User).ConfigureAwait(false);
        if (user is null)
        {
            return Redirect("/account/login");
        }

        await LoadAsync(user).ConfigureAwait(false);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string? code)
    {
        var user = await userManager.GetUserAsync(User).ConfigureAwait(false);
        if (user is null)
        {
            return Redirect("/account/login");
        }

        var cleaned = (code ?? string.Empty).Replace(" ", string.Empty, StringComparison.Ordinal);
        var valid = await userManager.VerifyTwoFactorTokenAsync(user, userManager.Options.Tokens.AuthenticatorTokenProvider, cleaned).ConfigureAwait(false);
        if (!valid)
        {
            Message = "That code is not right. Check the key was entered exactly, and that the clock on your phone is correct.";
            await LoadAsync(user).ConfigureAwait(false);
            return Page();
        }

        await userManager.SetTwoFactorEnabledAsync(user, true).ConfigureAwait(false);
        RecoveryCodes = [.. await userManager.GenerateNewTwoFactorRecoveryCodesAsync(user, 8).ConfigureAwait(false) ?? []];
        // New claims: the roles that needed the second factor are granted from now on.
        await signInManager.RefreshSignInAsync(user).ConfigureAwait(false);
        Enabled = true;
        return Page();
    }

    private async Task LoadAsync(PortalUser user)
    {
        Enabled = user.TwoFactorEnabled;
        if (Enabled)
        {
            return;
        }

        var key = await userManager.GetAuthenticatorKeyAsync(user).ConfigureAwait(false);
        if (string.IsNullOrEmpty(key))
        {
            await userManager.ResetAuthenticatorKeyAsync(user).ConfigureAwait(false);
            key = await userManager.GetAuthenticatorKeyAsync(user).ConfigureAwait(false) ?? string.Empty;
        }

        var formatted = new StringBuilder();
        for (var i = 0; i < key.Length; i += 4)
        {
            formatted.Append(key.AsSpan(i, Math.Min(4, key.Length - i))).Append(' ');
        }

        FormattedKey = formatted.ToString().TrimEnd().ToLowerInvariant();
        KeyUri = $"otpauth://totp/CoppiceMonitor:{Uri.EscapeDataString(user.Email ?? "account")}?secret={key}&issuer=CoppiceMonitor&digits=6";
    }
}
