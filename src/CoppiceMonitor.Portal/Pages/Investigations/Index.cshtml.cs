using CoppiceMonitor.Portal.Security;
using CoppiceMonitor.Storage.Entities;
using CoppiceMonitor.Storage.Portal;
using CoppiceMonitor.Storage.Retention;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace CoppiceMonitor.Portal.Pages.Investigations;

/// <summary>Lists the school's investigations and opens new ones (HR and the headteacher; the hold starts at once).</summary>
public sealed class IndexModel(InvestigationStore store, StaffDirectory directory) : PageModel
{
    private Dictionary<string, string> _names = [];

    public IReadOnlyList<InvestigationRow> Investigations { get; private set; } = [];

    public IReadOnlyList<StaffMember> Staff { get; private set; } = [];

    public string? Message { get; private set; }

    public string NameOf(string staffId) => _names.TryGetValue(staffId, out var name) ? $"{name} ({staffId})" : staffId;

    public Task OnGetAsync(CancellationToken cancellationToken) => LoadAsync(cancellationToken);

    public async Task<IActionResult> OnPostAsync(string? staffId, string? reason, DateOnly? from, DateOnly? to, CancellationToken cancellationToken)
    {
        var school = User.School();
        Message = (staffId, reason, from, to) switch
        {
            (null or "", _, _, _) => "Choose the person.",
            (_, null, _, _) or (_, "", _, _) => "Give the reason.",
            (_, _, null, _) or (_, _, _, null) => "Give the first and last day.",
            _ when to < from => "The last day is before the first.",
            _ => null,
        };
        if (Message is null && string.IsNullOrWhiteSpace(reason))
        {
            Message = "Give the reason.";
        }

        if (Message is null && await directory.GetAsync(school, staffId!, cancellationToken).ConfigureAwait(false) is null)
        {
            Message = "That person is not in the staff registry.";
        }

        if (Message is not null)
        {
            await LoadAsync(cancellationToken).ConfigureAwait(false);
            return Page();
        }

        // The database checks again that the signed-in person holds hr or headteacher in the registry (issue 13).
        long id;
        try
        {
            id = await store.OpenAsync(new InvestigationRequest(school, staffId!, DetailView.StartOfLocalDayUtc(from!.Value),
                DetailView.StartOfLocalDayUtc(to!.Value.AddDays(1)), reason!.Trim()), User.Actor(), cancellationToken).ConfigureAwait(false);
        }
        catch (InvestigationException e)
        {
            Message = e.Message;
            await LoadAsync(cancellationToken).ConfigureAwait(false);
            return Page();
        }

        return Redirect($"/investigations/{id}");
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var school = User.School();
        Investigations = await store.ListAsync(school, includeClosed: true, cancellationToken).ConfigureAwait(false);
        Staff = await directory.ListAsync(school, cancellationToken).ConfigureAwait(false);
        _names = Staff.ToDictionary(s => s.StaffId, s => s.DisplayName, StringComparer.Ordinal);
    }
}
