using System.Text;
using System.Text.RegularExpressions;
using CoppiceMonitor.Portal.Security;
using CoppiceMonitor.Storage.Portal;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace CoppiceMonitor.Portal.Pages.Reports;

/// <summary>One delivered report; another team's report is "not found", the same as a report that does not exist.</summary>
public sealed partial class ViewModel(ReportArchiveIndex archive) : PageModel
{
    public ArchivedReportContent Report { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(long id, CancellationToken cancellationToken)
    {
        var report = await archive.GetAsync(id, User.School(), ReportScope.RecipientFilter(User), cancellationToken).ConfigureAwait(false);
        if (report is null)
        {
            return NotFound();
        }

        Report = report;
        return Page();
    }

    /// <summary>
    /// The stored HTML exactly as mailed, under its own policy: inline styles allowed (mail bodies need them), sandboxed
    /// so nothing in it can run. The chart was a mail part (cid:), not stored with the run: it is replaced by a note.
    /// </summary>
    internal static string ForBrowser(string html) =>
        MailChart().Replace(html, "<p>(The chart is in the emailed copy and in the report archive folder.)</p>");

    [GeneratedRegex("<img[^>]*src=\"cid:[^\"]*\"[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex MailChart();

    internal static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
