using System.Security.Claims;
using CoppiceMonitor.Visits;

namespace CoppiceMonitor.Portal.Security;

/// <summary>Role names (as in staff.csv) and the authorization policies built on them.</summary>
public static class PortalRoles
{
    public const string LineManager = "line-manager";
    public const string Hr = "hr";
    public const string Headteacher = "headteacher";
    public const string Ict = "ict";
    public const string Dpo = "dpo";

    /// <summary>Roles that see personal detail or run the system: a session of theirs needs the TOTP second factor.</summary>
    public const StaffRoles NeedSecondFactor = StaffRoles.Hr | StaffRoles.Headteacher | StaffRoles.Dpo | StaffRoles.Ict;

    public static IEnumerable<string> Names(StaffRoles roles)
    {
        if (roles.HasFlag(StaffRoles.LineManager)) { yield return LineManager; }
        if (roles.HasFlag(StaffRoles.Hr)) { yield return Hr; }
        if (roles.HasFlag(StaffRoles.Headteacher)) { yield return Headteacher; }
        if (roles.HasFlag(StaffRoles.Ict)) { yield return Ict; }
        if (roles.HasFlag(StaffRoles.Dpo)) { yield return Dpo; }
    }
}

/// <summary>Authorization policies; each page names one.</summary>
public static class PortalPolicies
{
    /// <summary>Reports archive: line managers (own team) and the headteacher (all).</summary>
    public const string Reports = "reports";

    /// <summary>Investigations: HR and the headteacher (policy 10.2).</summary>
    public const string Investigations = "investigations";

    /// <summary>Audit log and subject access: the DPO and the headteacher.</summary>
    public const string Audit = "audit";

    /// <summary>System status and registry upload: ICT.</summary>
    public const string Status = "status";
}

/// <summary>The claims the portal puts on a signed-in person (from the registry, at sign-in and every revalidation).</summary>
public static class PortalClaims
{
    public const string SchoolId = "coppice:school";
    public const string StaffId = "coppice:staff";
    public const string DisplayName = "coppice:name";

    /// <summary>Present while a person whose role needs the second factor has not set it up: they can only do that.</summary>
    public const string NeedsSecondFactor = "coppice:needs-2fa";

    public static string School(this ClaimsPrincipal user) =>
        user?.FindFirstValue(SchoolId) ?? throw new InvalidOperationException("signed-in user without a school claim");

    public static string Staff(this ClaimsPrincipal user) =>
        user?.FindFirstValue(StaffId) ?? throw new InvalidOperationException("signed-in user without a staff claim");

    public static string Actor(this ClaimsPrincipal user) =>
        user?.FindFirstValue(ClaimTypes.Email) ?? user?.Identity?.Name ?? throw new InvalidOperationException("signed-in user without an email");
}
