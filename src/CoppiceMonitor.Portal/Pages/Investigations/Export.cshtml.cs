using System.Globalization;
using System.Text;
using CoppiceMonitor.Portal.Security;
using CoppiceMonitor.Storage.Portal;
using CoppiceMonitor.Storage.Retention;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace CoppiceMonitor.Portal.Pages.Investigations;

/// <summary>CSV export: one row per visit, then one per observation behind it; audited as an export.</summary>
public sealed class ExportModel(InvestigationDetailReader reader, StaffDirectory directory) : PageModel
{
    public async Task<IActionResult> OnGetAsync(long id, CancellationToken cancellationToken)
    {
        var section = await DetailModel.LoadAsync(reader, directory, User, id, AuditActions.InvestigationExport, "portal: CSV export", cancellationToken).ConfigureAwait(false);
        if (section is null)
        {
            return NotFound();
        }

        return File(Encoding.UTF8.GetBytes(ToCsv(section)), "text/csv; charset=utf-8", string.Create(CultureInfo.InvariantCulture, $"investigation-{id}.csv"));
    }

    internal static string ToCsv(DetailSection section)
    {
        var csv = new StringBuilder();
        csv.Append("record,visit_id,time_utc,end_utc,service,category,site_or_name,device_or_kind,active_seconds,directed_seconds,break_seconds,is_work_use,client,server\r\n");
        foreach (var v in section.Visits)
        {
            var visit = v.Visit;
            Row(csv, "visit", visit.Id, visit.StartUtc, visit.EndUtc, visit.Service, visit.Category, visit.SiteName ?? "", visit.DeviceId,
                visit.ActiveSeconds.ToString(CultureInfo.InvariantCulture), visit.DirectedSeconds.ToString(CultureInfo.InvariantCulture),
                visit.BreakSeconds.ToString(CultureInfo.InvariantCulture), visit.IsWorkUse ? "true" : "false", "", "");
            foreach (var o in v.Observations)
            {
                Row(csv, "observation", visit.Id, o.Ts, null, visit.Service, visit.Category, DetailView.NameShown(v, o), DetailView.KindName(o.Kind),
                    "", "", "", "", $"{o.Client} {o.ClientMac}".Trim(), $"{o.Server}:{o.ServerPort}");
            }
        }

        return csv.ToString();
    }

    private static void Row(StringBuilder csv, string record, long visitId, DateTime time, DateTime? end, params string[] rest)
    {
        csv.Append(record).Append(',').Append(visitId.ToString(CultureInfo.InvariantCulture)).Append(',')
            .Append(time.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)).Append(',')
            .Append(end?.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture) ?? "");
        foreach (var field in rest)
        {
            csv.Append(',').Append(Escape(field));
        }

        csv.Append("\r\n");
    }

    /// <summary>RFC 4180 quoting, and a leading quote on anything a spreadsheet would run as a formula.</summary>
    internal static string Escape(string field)
    {
        if (field.Length > 0 && field[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            field = "'" + field;
        }

        return field.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : field;
    }
}
