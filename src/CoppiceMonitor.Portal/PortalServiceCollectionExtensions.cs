using CoppiceMonitor.Portal.Security;
using CoppiceMonitor.Storage;
using CoppiceMonitor.Storage.Accounts;
using CoppiceMonitor.Storage.Portal;
using CoppiceMonitor.Storage.Retention;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace CoppiceMonitor.Portal;

public static class PortalServiceCollectionExtensions
{
    /// <summary>
    /// Registers the portal: Razor Pages, Identity accounts (password, TOTP second factor, lockout) on the product's
    /// PostgreSQL through Storage, cookie sessions, role policies from the registry, antiforgery and data protection.
    /// <paramref name="connectionString"/> is the admin role's (investigations, audit, registry); <paramref name="dataFolder"/>
    /// holds the cookie-encryption keys.
    /// </summary>
    public static IServiceCollection AddCoppicePortal(this IServiceCollection services, IConfiguration configuration, string connectionString, string dataFolder)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        ArgumentException.ThrowIfNullOrEmpty(dataFolder);
        services.AddOptions<RetentionOptions>().Bind(configuration.GetSection(RetentionOptions.SectionName));
        services.AddOptions<PortalOptions>().Bind(configuration.GetSection(PortalOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        var options = configuration.GetSection(PortalOptions.SectionName).Get<PortalOptions>() ?? new PortalOptions();

        // Storage's public API only: the portal holds no SQL of its own.
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        services.AddSingleton<AuditLog>();
        services.AddSingleton<InvestigationStore>();
        services.AddSingleton<InvestigationDetailReader>();
        services.AddSingleton<InvestigationNotes>();
        services.AddSingleton<StaffDirectory>();
        services.AddSingleton<ReportArchiveIndex>();
        services.AddSingleton<SubjectAccessReader>();
        services.AddSingleton<RegistryStore>();
        services.AddDbContext<PortalIdentityDbContext>(o => PortalIdentityDbContext.Configure(o, connectionString));

        services.AddHttpContextAccessor();
        services.AddAuthentication(o =>
            {
                o.DefaultScheme = IdentityConstants.ApplicationScheme;
                o.DefaultSignInScheme = IdentityConstants.ExternalScheme;
            })
            .AddIdentityCookies();
        services.AddIdentityCore<PortalUser>(o =>
            {
                PasswordRules.Apply(o);
                o.Lockout.AllowedForNewUsers = true;
                o.Lockout.MaxFailedAccessAttempts = options.MaxFailedSignIns;
                o.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(options.LockoutMinutes);
                o.SignIn.RequireConfirmedAccount = false;
            })
            .AddEntityFrameworkStores<PortalIdentityDbContext>()
            .AddSignInManager<PortalSignInManager>()
            .AddClaimsPrincipalFactory<RegistryClaimsFactory>()
            .AddDefaultTokenProviders();
        services.Configure<SecurityStampValidatorOptions>(o => o.ValidationInterval = TimeSpan.FromMinutes(1));
        services.ConfigureApplicationCookie(o =>
        {
            o.Cookie.Name = "coppice-portal";
            o.Cookie.HttpOnly = true;
            o.Cookie.SecurePolicy = CookieSecurePolicy.Always;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.ExpireTimeSpan = TimeSpan.FromMinutes(options.SessionMinutes);
            o.SlidingExpiration = true;
            o.LoginPath = "/account/login";
            o.LogoutPath = "/account/logout";
            o.AccessDeniedPath = "/account/login";
        });
        services.ConfigureExternalCookie(o =>
        {
            o.Cookie.SecurePolicy = CookieSecurePolicy.Always;
            o.Cookie.SameSite = SameSiteMode.Lax;
        });
        services.Configure<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions>(IdentityConstants.TwoFactorUserIdScheme, o =>
        {
            o.Cookie.SecurePolicy = CookieSecurePolicy.Always;
            o.Cookie.SameSite = SameSiteMode.Strict;
        });

        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(PortalPolicies.Reports, p => p.RequireRole(PortalRoles.LineManager, PortalRoles.Headteacher))
            .AddPolicy(PortalPolicies.Investigations, p => p.RequireRole(PortalRoles.Hr, PortalRoles.Headteacher))
            .AddPolicy(PortalPolicies.Audit, p => p.RequireRole(PortalRoles.Dpo, PortalRoles.Headteacher))
            .AddPolicy(PortalPolicies.Status, p => p.RequireRole(PortalRoles.Ict));
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, NotFoundForForbidden>();

        services.AddRazorPages(o =>
            {
                o.Conventions.AuthorizeFolder("/Reports", PortalPolicies.Reports);
                o.Conventions.AuthorizeFolder("/Investigations", PortalPolicies.Investigations);
                o.Conventions.AuthorizeFolder("/Audit", PortalPolicies.Audit);
                o.Conventions.AuthorizeFolder("/SubjectAccess", PortalPolicies.Audit);
                o.Conventions.AllowAnonymousToPage("/Account/Login");
                o.Conventions.AllowAnonymousToPage("/Account/LoginWith2fa");
                o.Conventions.AllowAnonymousToPage("/Error");
            })
            .AddApplicationPart(typeof(PortalServiceCollectionExtensions).Assembly);
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "coppice-portal-af";
            o.Cookie.SecurePolicy = CookieSecurePolicy.Always;
            o.Cookie.SameSite = SameSiteMode.Strict;
        });
        services.AddHsts(o =>
        {
            o.MaxAge = TimeSpan.FromDays(365);
            // The portal is reached by address on a school network as often as by name: send HSTS everywhere.
            o.ExcludedHosts.Clear();
        });

        var keys = new DirectoryInfo(Path.Combine(dataFolder, "keys"));
        CreatePrivateDirectory(keys.FullName);
        services.AddDataProtection().SetApplicationName("coppice-monitor-portal").PersistKeysToFileSystem(keys);
        return services;
    }

    private static void CreatePrivateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }
}
