using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace CoppiceMonitor.Storage.Accounts;

/// <summary>
/// ASP.NET Core Identity's user store on the product's PostgreSQL: users, claims, external logins and tokens (the
/// TOTP authenticator key and recovery codes). No roles tables: roles come from the staff registry. The tables are
/// created by the hand-written migration <c>PortalAccounts</c>, so this context never migrates.
/// </summary>
public sealed class PortalIdentityDbContext(DbContextOptions<PortalIdentityDbContext> options) : IdentityUserContext<PortalUser>(options)
{
    public static void Configure(DbContextOptionsBuilder builder, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.UseNpgsql(connectionString)
            .UseSnakeCaseNamingConvention()
            .ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning));
    }

    public static PortalIdentityDbContext Create(string connectionString)
    {
        var builder = new DbContextOptionsBuilder<PortalIdentityDbContext>();
        Configure(builder, connectionString);
        return new PortalIdentityDbContext(builder.Options);
    }

    protected override void OnModelCreating(ModelBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        base.OnModelCreating(builder);
        builder.Entity<PortalUser>(e =>
        {
            e.ToTable("portal_users");
            e.Property(x => x.LockoutEnd).HasColumnType("timestamptz");
        });
        builder.Entity<IdentityUserClaim<string>>().ToTable("portal_user_claims");
        builder.Entity<IdentityUserLogin<string>>().ToTable("portal_user_logins");
        builder.Entity<IdentityUserToken<string>>().ToTable("portal_user_tokens");
    }
}
