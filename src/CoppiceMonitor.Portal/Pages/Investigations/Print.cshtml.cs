using CoppiceMonitor.Portal.Security;
using CoppiceMonitor.Storage.Portal;
using CoppiceMonitor.Storage.Retention;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace CoppiceMonitor.Portal.Pages.Investigations;

/// <summary>The printable HTML export (print or save as PDF from the browser); audited as an export.</summary>
public sealed class PrintModel(InvestigationDetailReader reader, InvestigationNotes notes, StaffDirectory directory, TimeProvider time) : PageModel
{
    public DetailSection Section { get; private set; } = null!;

    public IReadOnlyList<InvestigationNote> Notes { get; private set; } = [];

    public DateTime ExportedUtc { get; private set; }

    public string ExportedBy { get; private set; } = "";

    public async Task<IActionResult> OnGetAsync(long id, CancellationToken cancellationToken)
    {
        var section = await DetailModel.LoadAsync(reader, directory, User, id, AuditActions.InvestigationExport, "portal: printable HTML export", cancellationToken).ConfigureAwait(false);
        if (section is null)
        {
            return NotFound();
        }

        Section = section;
        Notes = await notes.ListAsync(id, cancellationToken).ConfigureAwait(false);
        ExportedUtc = time.GetUtcNow().UtcDateTime;
        ExportedBy = User.Actor();
        return Page();
    }
}
