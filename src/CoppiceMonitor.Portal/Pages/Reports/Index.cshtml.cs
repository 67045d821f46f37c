using CoppiceMonitor.Portal.Security;
using CoppiceMonitor.Storage.Portal;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace CoppiceMonitor.Portal.Pages.Reports;

/// <summary>The report archive: a line manager's own team's reports; the headteacher's view is every report.</summary>
public sealed class IndexModel(ReportArchiveIndex archive) : PageModel
{
    public IReadOnlyList<ArchivedReport> Reports { get; private set; } = [];

    public bool All { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        All = User.IsInRole(PortalRoles.Headteacher);
        Reports = await archive.ListAsync(User.School(), ReportScope.RecipientFilter(User), cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>Which reports a person may see: null (all) for the headteacher, otherwise those addressed to them.</summary>
internal static class ReportScope
{
    public static string? RecipientFilter(System.Security.Claims.ClaimsPrincipal user) =>
        user.IsInRole(PortalRoles.Headteacher) ? null : user.Staff();
}
