using System.CommandLine;

namespace CoppiceMonitor.Service.Verbs;

/// <summary>`investigation open|close|list|export`: the only way to visit-level detail (policy 10.2, 10.4).</summary>
public static class InvestigationVerbs
{
    public static Command Create()
    {
        var staff = new Option<string>("--staff") { Description = "Staff id under investigation.", Required = true };
        var reason = new Option<string>("--reason") { Description = "Why (recorded in the audit log).", Required = true };
        var openedBy = new Option<string>("--by") { Description = "Who authorised it (HR or the headteacher).", Required = true };
        var from = new Option<DateOnly>("--from") { Description = "First day covered (yyyy-MM-dd).", Required = true };
        var to = new Option<DateOnly>("--to") { Description = "Last day covered (yyyy-MM-dd).", Required = true };
        var open = new Command("open", "Open an investigation: places a hold so the covered detail is not purged.")
        {
            staff, reason, openedBy, from, to,
        };
        open.SetAction((parse, ct) => Pending.Run("investigation open", "storage"));

        var id = new Argument<string>("ID") { Description = "Investigation id." };
        var closedBy = new Option<string>("--by") { Description = "Who closed it.", Required = true };
        var close = new Command("close", "Close an investigation: releases its hold (detail then follows normal retention).") { id, closedBy };
        close.SetAction((parse, ct) => Pending.Run("investigation close", "storage"));

        var list = new Command("list", "List investigations (open and closed).");
        list.SetAction((parse, ct) => Pending.Run("investigation list", "storage"));

        var exportId = new Argument<string>("ID") { Description = "Investigation id." };
        var output = new Option<FileInfo>("--out") { Description = "File to write (CSV of the visits under the hold).", Required = true };
        var exportBy = new Option<string>("--by") { Description = "Who exports (audited).", Required = true };
        var export = new Command("export", "Export the visit-level detail covered by an investigation (audited).") { exportId, output, exportBy };
        export.SetAction((parse, ct) => Pending.Run("investigation export", "storage"));

        return new Command("investigation", "Investigations: holds on visit-level detail, with audited export.") { open, close, list, export };
    }
}
