using CoppiceMonitor.Portal.Security;
using CoppiceMonitor.Storage.Portal;
using CoppiceMonitor.Storage.Retention;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace CoppiceMonitor.Portal.Pages.Investigations;

/// <summary>What the detail partial shows (page and printable export).</summary>
public sealed record DetailSection(InvestigationDetail Detail, IReadOnlyList<VisitEvidence> Visits, int ObservationsShown, string SubjectName);

/// <summary>An investigation's held detail; each GET is an audited read. Notes and closing are audited by Storage.</summary>
public sealed class DetailModel(InvestigationDetailReader reader, InvestigationNotes notes, InvestigationStore store, StaffDirectory directory) : PageModel
{
    public DetailSection Section { get; private set; } = null!;

    public IReadOnlyList<InvestigationNote> Notes { get; private set; } = [];

    public string? Message { get; private set; }

    public async Task<IActionResult> OnGetAsync(long id, CancellationToken cancellationToken)
    {
        var section = await LoadAsync(reader, directory, User, id, AuditActions.InvestigationRead, "portal: detail page (visits and the observations behind them)", cancellationToken).ConfigureAwait(false);
        if (section is null)
        {
            return NotFound();
        }

        Section = section;
        Notes = await notes.ListAsync(id, cancellationToken).ConfigureAwait(false);
        return Page();
    }

    public async Task<IActionResult> OnPostNoteAsync(long id, string? note, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(note) || note.Length > InvestigationNotes.MaxLength)
        {
            return Redirect($"/investigations/{id}");
        }

        return await notes.AddAsync(id, User.School(), User.Actor(), note, cancellationToken).ConfigureAwait(false)
            ? Redirect($"/investigations/{id}#notes") : NotFound();
    }

    public async Task<IActionResult> OnPostCloseAsync(long id, string? closeReason, CancellationToken cancellationToken)
    {
        var investigation = await reader.GetAsync(id, User.School(), cancellationToken).ConfigureAwait(false);
        if (investigation is null)
        {
            return NotFound();
        }

        if (string.IsNullOrWhiteSpace(closeReason) || investigation.ClosedUtc is not null)
        {
            return Redirect($"/investigations/{id}");
        }

        try
        {
            await store.CloseAsync(id, User.Actor(), closeReason.Trim(), cancellationToken).ConfigureAwait(false);
        }
        catch (InvestigationException)
        {
            // Closed meanwhile by someone else (or the registry no longer gives this person the role): the page
            // shows the investigation as it now stands.
        }

        return Redirect($"/investigations/{id}");
    }

    /// <summary>Reads (and so audits) the detail for <paramref name="shown"/>; null when not in the person's school.</summary>
    internal static async Task<DetailSection?> LoadAsync(InvestigationDetailReader reader, StaffDirectory directory, System.Security.Claims.ClaimsPrincipal user,
        long id, string action, string shown, CancellationToken cancellationToken)
    {
        var detail = await reader.ReadAsync(id, user.School(), user.Actor(), action, shown, cancellationToken).ConfigureAwait(false);
        if (detail is null)
        {
            return null;
        }

        var visits = DetailView.Group(detail);
        var subject = await directory.GetAsync(detail.Investigation.SchoolId, detail.Investigation.StaffId, cancellationToken).ConfigureAwait(false);
        return new DetailSection(detail, visits, DetailView.ShownObservations(visits), subject?.DisplayName ?? "(no longer in the registry)");
    }
}
