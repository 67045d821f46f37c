using System.Globalization;
using CoppiceMonitor.Portal.Security;
using CoppiceMonitor.Storage.Portal;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace CoppiceMonitor.Portal.Pages.Reports;

/// <summary>The report's figures (the CSV attachment that was mailed with it).</summary>
public sealed class CsvModel(ReportArchiveIndex archive) : PageModel
{
    public async Task<IActionResult> OnGetAsync(long id, CancellationToken cancellationToken)
    {
        var report = await archive.GetAsync(id, User.School(), ReportScope.RecipientFilter(User), cancellationToken).ConfigureAwait(false);
        if (report?.Csv is null)
        {
            return NotFound();
        }

        var name = string.Create(CultureInfo.InvariantCulture, $"report-{report.Report.Id}-{report.Report.PeriodStart:yyyy-MM-dd}.csv");
        return File(ViewModel.Utf8(report.Csv), "text/csv; charset=utf-8", name);
    }
}
