using CoppiceMonitor.Storage.Accounts;
using CoppiceMonitor.Storage.Portal;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace CoppiceMonitor.Portal.Hosting;

/// <summary>One account as `accounts list` shows it (roles from the registry, at the time of listing).</summary>
public sealed record AccountSummary(string Email, string SchoolId, string? StaffId, string Roles, bool TwoFactor, bool Disabled, DateTimeOffset? LockedUntil);

/// <summary>The result of an account command: success, or a message saying what is wrong.</summary>
public sealed record AccountResult(bool Succeeded, string Message);

/// <summary>
/// `coppice-monitor accounts add|list|disable|reset-2fa`: creates the first accounts and looks after them, with
/// the same Identity rules as the portal (password policy, lockout, security stamps that end sessions).
/// </summary>
public sealed class AccountAdministration : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private AccountAdministration(ServiceProvider services) => _services = services;

    public static AccountAdministration Create(string connectionString, ILoggerFactory? loggerFactory = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton(loggerFactory ?? NullLoggerFactory.Instance);
        services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        services.AddSingleton<StaffDirectory>();
        services.AddDbContext<PortalIdentityDbContext>(o => PortalIdentityDbContext.Configure(o, connectionString));
        services.AddIdentityCore<PortalUser>(Security.PasswordRules.Apply)
            .AddEntityFrameworkStores<PortalIdentityDbContext>()
            .AddDefaultTokenProviders();
        services.AddDataProtection();
        return new AccountAdministration(services.BuildServiceProvider());
    }

    /// <summary>Creates an account for the registry's staff member with <paramref name="email"/> in <paramref name="schoolId"/>.</summary>
    public async Task<AccountResult> AddAsync(string schoolId, string email, string password, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(schoolId);
        ArgumentException.ThrowIfNullOrEmpty(email);
        await using var scope = _services.CreateAsyncScope();
        var staff = await scope.ServiceProvider.GetRequiredService<StaffDirectory>().FindByEmailAsync(schoolId, email, cancellationToken).ConfigureAwait(false);
        if (staff is null)
        {
            return new AccountResult(false, $"{email} is not (exactly once) in school {schoolId}'s staff registry: import staff.csv first");
        }

        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var user = new PortalUser { SchoolId = schoolId, UserName = staff.Email, Email = staff.Email, EmailConfirmed = true, CreatedUtc = DateTime.UtcNow, LockoutEnabled = true };
        var created = await users.CreateAsync(user, password).ConfigureAwait(false);
        return created.Succeeded
            ? new AccountResult(true, $"account {staff.Email} created for {staff.DisplayName} ({staff.StaffId}); roles: {Describe(staff)}")
            : new AccountResult(false, string.Join("; ", created.Errors.Select(e => e.Description)));
    }

    public async Task<IReadOnlyList<AccountSummary>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var scope = _services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var directory = scope.ServiceProvider.GetRequiredService<StaffDirectory>();
        var result = new List<AccountSummary>();
        foreach (var user in users.Users.OrderBy(u => u.SchoolId).ThenBy(u => u.Email).ToList())
        {
            var staff = user.Email is null ? null : await directory.FindByEmailAsync(user.SchoolId, user.Email, cancellationToken).ConfigureAwait(false);
            result.Add(new AccountSummary(user.Email ?? "?", user.SchoolId, staff?.StaffId, staff is null ? "(not in registry)" : Describe(staff),
                user.TwoFactorEnabled, user.DisabledUtc is not null, user.LockoutEnd is { } end && end > DateTimeOffset.UtcNow ? end : null));
        }

        return result;
    }

    /// <summary>Disables the account: it cannot sign in, and its sessions end at their next revalidation (a minute).</summary>
    public Task<AccountResult> DisableAsync(string email) => ChangeAsync(email, async (users, user) =>
    {
        user.DisabledUtc = DateTime.UtcNow;
        user.LockoutEnabled = true;
        user.LockoutEnd = DateTimeOffset.MaxValue;
        await users.UpdateAsync(user).ConfigureAwait(false);
        await users.UpdateSecurityStampAsync(user).ConfigureAwait(false);
        return $"account {user.Email} disabled";
    });

    /// <summary>Removes the authenticator and recovery codes: the person sets up a new one at their next sign-in.</summary>
    public Task<AccountResult> ResetSecondFactorAsync(string email) => ChangeAsync(email, async (users, user) =>
    {
        await users.SetTwoFactorEnabledAsync(user, false).ConfigureAwait(false);
        await users.ResetAuthenticatorKeyAsync(user).ConfigureAwait(false);
        await users.GenerateNewTwoFactorRecoveryCodesAsync(user, 0).ConfigureAwait(false);
        await users.UpdateSecurityStampAsync(user).ConfigureAwait(false);
        return $"two-factor sign-in reset for {user.Email}: they set up a new authenticator at their next sign-in";
    });

    public ValueTask DisposeAsync() => _services.DisposeAsync();

    private async Task<AccountResult> ChangeAsync(string email, Func<UserManager<PortalUser>, PortalUser, Task<string>> change)
    {
        await using var scope = _services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var user = await users.FindByEmailAsync(email).ConfigureAwait(false);
        return user is null ? new AccountResult(false, $"no account {email}") : new AccountResult(true, await change(users, user).ConfigureAwait(false));
    }

    private static string Describe(StaffMember staff) => staff.Roles == Visits.StaffRoles.None ? "none" : string.Join(';', Security.PortalRoles.Names(staff.Roles));
}
