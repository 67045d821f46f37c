using System.Text.Json;
using CoppiceMonitor.Portal.Security;
using CoppiceMonitor.Storage.Portal;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace CoppiceMonitor.Portal.Pages.SubjectAccess;

/// <summary>Everything held about the person as one JSON file (every visit listed); audited as a subject-access export.</summary>
public sealed class DownloadModel(SubjectAccessReader reader) : PageModel
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public async Task<IActionResult> OnGetAsync(string? staffId, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(staffId))
        {
            return NotFound();
        }

        var data = await reader.ReadAsync(User.School(), staffId, User.Actor(), "portal: subject access download (JSON)", cancellationToken).ConfigureAwait(false);
        if (data is null)
        {
            return NotFound();
        }

        var document = new
        {
            person = new { data.Person.StaffId, data.Person.DisplayName, data.Person.Email, data.Person.LineManagerId, roles = PortalRoles.Names(data.Person.Roles).ToArray() },
            devices = data.Devices,
            services = data.Services,
            visits = data.Visits.Select(v => new
            {
                v.Id, v.DeviceId, v.Service, v.Category, v.SiteName, v.StartUtc, v.EndUtc, v.ActiveSeconds, v.DirectedSeconds, v.BreakSeconds,
                v.NonDirectedSeconds, v.OutsideHoursSeconds, v.IsWorkUse,
            }),
            counts = new { data.Observations, data.DhcpLeases, data.ReportsAddressed, data.AuditEventsAbout },
            investigations = data.Investigations.Select(i => new { i.Id, i.FromUtc, i.ToUtc, i.OpenedBy, i.OpenedByRole, i.OpenedUtc, i.ClosedUtc }),
            portalAccount = data.HasPortalAccount,
        };
        return File(JsonSerializer.SerializeToUtf8Bytes(document, Json), "application/json", $"subject-access-{data.Person.StaffId}.json");
    }
}
