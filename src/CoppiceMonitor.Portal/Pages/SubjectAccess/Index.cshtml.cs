using CoppiceMonitor.Portal.Security;
using CoppiceMonitor.Storage.Portal;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace CoppiceMonitor.Portal.Pages.SubjectAccess;

/// <summary>Readable summary of everything held about one person (DPO and headteacher); audited.</summary>
public sealed class IndexModel(SubjectAccessReader reader, StaffDirectory directory) : PageModel
{
    public IReadOnlyList<StaffMember> Staff { get; private set; } = [];

    public SubjectAccessData? Data { get; private set; }

    public async Task<IActionResult> OnGetAsync(string? staffId, CancellationToken cancellationToken)
    {
        Staff = await directory.ListAsync(User.School(), cancellationToken).ConfigureAwait(false);
        if (!string.IsNullOrEmpty(staffId))
        {
            Data = await reader.ReadAsync(User.School(), staffId, User.Actor(), "portal: subject access summary", cancellationToken).ConfigureAwait(false);
            if (Data is null)
            {
                return NotFound();
            }
        }

        return Page();
    }
}
