using CoppiceMonitor.Portal.Security;
using CoppiceMonitor.Storage.Portal;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace CoppiceMonitor.Portal.Pages.Reports;

/// <summary>The report's HTML as it was emailed (see <see cref="ViewModel.ForBrowser"/>).</summary>
public sealed class HtmlModel(ReportArchiveIndex archive) : PageModel
{
    public async Task<IActionResult> OnGetAsync(long id, CancellationToken cancellationToken)
    {
        var report = await archive.GetAsync(id, User.School(), ReportScope.RecipientFilter(User), cancellationToken).ConfigureAwait(false);
        if (report?.Html is null)
        {
            return NotFound();
        }

        Response.Headers.ContentSecurityPolicy = SecurityHeaders.ReportContentPolicy;
        return File(ViewModel.Utf8(ViewModel.ForBrowser(report.Html)), "text/html; charset=utf-8");
    }
}
