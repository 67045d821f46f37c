using CoppiceMonitor.Portal.Pages.Investigations;
using CoppiceMonitor.Portal.Security;
using CoppiceMonitor.Storage.Entities;
using CoppiceMonitor.Storage.Retention;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace CoppiceMonitor.Portal.Pages.Audit;

/// <summary>The DPO's and the headteacher's view of the audit log (their school's rows and the global ones) and the retention state.</summary>
public sealed class IndexModel(AuditLog auditLog, InvestigationStore investigations, IOptions<RetentionOptions> retention, TimeProvider time) : PageModel
{
    public const int MaxRows = 1000;

    public static readonly string[] Actions =
    [
        AuditActions.InvestigationOpen, AuditActions.InvestigationRead, AuditActions.InvestigationExport, AuditActions.InvestigationNote,
        AuditActions.InvestigationClose, AuditActions.SubjectAccess, AuditActions.AuditRead, AuditActions.Purge, AuditActions.PurgeDryRun,
    ];

    public DateOnly From { get; private set; }

    public DateOnly To { get; private set; }

    public string? Action { get; private set; }

    public string? Who { get; private set; }

    public IReadOnlyList<AuditEventRow> Rows { get; private set; } = [];

    public bool Truncated { get; private set; }

    public RetentionOptions Retention => retention.Value;

    public int OpenInvestigations { get; private set; }

    public AuditEventRow? LastPurge { get; private set; }

    public async Task OnGetAsync(DateOnly? from, DateOnly? to, string? action, string? who, CancellationToken cancellationToken)
    {
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        To = to ?? today;
        From = from ?? To.AddDays(-30);
        Action = Actions.Contains(action) ? action : null;
        Who = string.IsNullOrWhiteSpace(who) ? null : who.Trim();
        var school = User.School();
        var rows = (await auditLog.ListAsync(DetailView.StartOfLocalDayUtc(From), DetailView.StartOfLocalDayUtc(To.AddDays(1)), Action, cancellationToken).ConfigureAwait(false))
            .Where(r => r.SchoolId is null || r.SchoolId == school)
            .Where(r => Who is null || r.Actor.Contains(Who, StringComparison.OrdinalIgnoreCase)
                || (r.SubjectStaffId?.Contains(Who, StringComparison.OrdinalIgnoreCase) ?? false))
            .Reverse()
            .ToList();
        Truncated = rows.Count > MaxRows;
        Rows = Truncated ? rows[..MaxRows] : rows;
        LastPurge = rows.FirstOrDefault(r => r.Action == AuditActions.Purge);
        OpenInvestigations = (await investigations.ListAsync(school, includeClosed: false, cancellationToken).ConfigureAwait(false)).Count;
        // The audit log names who was investigated: reading it is itself recorded (counts and the filter only).
        await auditLog.WriteAsync(new AuditEntry(User.Actor(), AuditActions.AuditRead,
            $"portal: audit log {From:yyyy-MM-dd}..{To:yyyy-MM-dd} action={Action ?? "any"} who={(Who is null ? "any" : "filtered")}", school, null, null, Rows.Count),
            cancellationToken).ConfigureAwait(false);
    }
}
