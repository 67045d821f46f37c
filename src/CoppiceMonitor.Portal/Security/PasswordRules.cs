using Microsoft.AspNetCore.Identity;

namespace CoppiceMonitor.Portal.Security;

/// <summary>
/// One password rule for the portal and `accounts add`: at least 12 characters, no composition rules (NCSC
/// guidance: long passphrases beat forced symbols); lockout guards against guessing.
/// </summary>
internal static class PasswordRules
{
    public const int MinimumLength = 12;

    public static void Apply(IdentityOptions options)
    {
        options.User.RequireUniqueEmail = true;
        options.Password.RequiredLength = MinimumLength;
        options.Password.RequireDigit = false;
        options.Password.RequireLowercase = false;
        options.Password.RequireUppercase = false;
        options.Password.RequireNonAlphanumeric = false;
        options.Password.RequiredUniqueChars = 4;
    }
}
