using System.CommandLine;
using System.Globalization;
using CoppiceMonitor.Service.Pipeline;
using CoppiceMonitor.Storage.Retention;
using CoppiceMonitor.Visits;
using Microsoft.Extensions.DependencyInjection;

namespace CoppiceMonitor.Service.Verbs;

/// <summary>`investigation open|close|list|export`: the only way to visit-level detail (policy 10.2, 10.4). All audited.</summary>
public static class InvestigationVerbs
{
    public static Command Create()
    {
        return new Command("investigation", "Investigations: holds on one person's visit-level detail, with audited export.")
        {
            CreateOpen(), CreateClose(), CreateList(), CreateExport(),
        };
    }

    private static Command CreateOpen()
    {
        var staff = new Option<string>("--staff") { Description = "Staff id under investigation.", Required = true };
        var reason = new Option<string>("--reason") { Description = "Why (recorded in the audit log).", Required = true };
        var by = new Option<string>("--by") { Description = "Who authorised it.", Required = true };
        var role = new Option<string>("--role") { Description = "Their role: hr or headteacher (policy: only these may open one).", Required = true };
        role.AcceptOnlyFromAmong("hr", "headteacher");
        var from = new Option<DateOnly>("--from") { Description = "First day covered (yyyy-MM-dd, school local date).", Required = true };
        var to = new Option<DateOnly>("--to") { Description = "Last day covered (yyyy-MM-dd, inclusive).", Required = true };
        var open = new Command("open", "Open an investigation: holds the person's detail in the range against purges until closed.")
        {
            staff, reason, by, role, from, to,
        };
        open.Validators.Add(r =>
        {
            if (r.GetValue(to) < r.GetValue(from))
            {
                r.AddError("--to is before --from.");
            }
        });
        open.SetAction((parse, ct) => DatabaseVerb.RunAsync(parse, async (db, token) =>
        {
            var calendar = db.Services.GetRequiredService<VisitPipelineFactory>().CreateCalendar();
            var request = new InvestigationRequest(db.SchoolId, parse.GetRequiredValue(staff),
                calendar.StartOfLocalDayUtc(parse.GetValue(from)), calendar.StartOfLocalDayUtc(parse.GetValue(to).AddDays(1)),
                parse.GetRequiredValue(reason), parse.GetRequiredValue(by),
                parse.GetValue(role) == "hr" ? InvestigatorRole.HR : InvestigatorRole.Headteacher);
            var id = await Store(db).OpenAsync(request, token).ConfigureAwait(false);
            await db.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"investigation {id} opened for {request.StaffId}, {request.FromUtc:u} .. {request.ToUtc:u}")).ConfigureAwait(false);
            return 0;
        }, ct));
        return open;
    }

    private static Command CreateClose()
    {
        var id = new Argument<long>("ID") { Description = "Investigation id (see `investigation list`)." };
        var by = new Option<string>("--by") { Description = "Who closes it.", Required = true };
        var reason = new Option<string>("--reason") { Description = "Outcome or reason (audited).", Required = true };
        var close = new Command("close", "Close an investigation: releases its hold (detail then follows normal retention).") { id, by, reason };
        close.SetAction((parse, ct) => DatabaseVerb.RunAsync(parse, async (db, token) =>
        {
            await Store(db).CloseAsync(parse.GetValue(id), parse.GetRequiredValue(by), parse.GetRequiredValue(reason), token).ConfigureAwait(false);
            await db.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"investigation {parse.GetValue(id)} closed")).ConfigureAwait(false);
            return 0;
        }, ct));
        return close;
    }

    private static Command CreateList()
    {
        var all = new Option<bool>("--all") { Description = "Include closed investigations." };
        var list = new Command("list", "List investigations (open ones; --all for closed too).") { all };
        list.SetAction((parse, ct) => DatabaseVerb.RunAsync(parse, async (db, token) =>
        {
            var rows = await Store(db).ListAsync(db.SchoolId, parse.GetValue(all), token).ConfigureAwait(false);
            await db.Output.WriteLineAsync("ID\tSTAFF\tFROM\tTO\tOPENED_BY\tSTATE").ConfigureAwait(false);
            foreach (var r in rows)
            {
                await db.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{r.Id}\t{r.StaffId}\t{r.FromUtc:u}\t{r.ToUtc:u}\t{r.OpenedBy} ({r.OpenedByRole})\t{(r.ClosedUtc is null ? "open" : "closed")}")).ConfigureAwait(false);
            }

            return 0;
        }, ct));
        return list;
    }

    private static Command CreateExport()
    {
        var id = new Argument<long>("ID") { Description = "Investigation id." };
        var output = new Option<FileInfo>("--out") { Description = "File to write.", Required = true };
        var by = new Option<string>("--by") { Description = "Who exports (audited).", Required = true };
        var reason = new Option<string>("--reason") { Description = "Why (audited).", Required = true };
        var format = new Option<string>("--format") { Description = "csv or json.", DefaultValueFactory = _ => "csv" };
        format.AcceptOnlyFromAmong("csv", "json");
        var export = new Command("export", "Export the visit-level detail an investigation covers (audited).") { id, output, by, reason, format };
        export.SetAction((parse, ct) => DatabaseVerb.RunAsync(parse, async (db, token) =>
        {
            var file = parse.GetRequiredValue(output);
            var stream = file.Create();
            int count;
            await using (stream.ConfigureAwait(false))
            {
                count = await Store(db).ExportAsync(parse.GetValue(id), parse.GetRequiredValue(by), parse.GetRequiredValue(reason),
                    parse.GetValue(format) == "json" ? ExportFormat.Json : ExportFormat.Csv, stream, token).ConfigureAwait(false);
            }

            await db.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"investigation {parse.GetValue(id)}: {count} visits exported to {file.FullName}")).ConfigureAwait(false);
            return 0;
        }, ct));
        return export;
    }

    private static InvestigationStore Store(DatabaseContext db) => db.Services.GetRequiredService<InvestigationStore>();
}
