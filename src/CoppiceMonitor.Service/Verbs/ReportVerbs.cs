using System.CommandLine;
using System.Globalization;
using CoppiceMonitor.Reports;
using CoppiceMonitor.Service.Cli;
using CoppiceMonitor.Service.Pipeline;
using CoppiceMonitor.Visits;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CoppiceMonitor.Service.Verbs;

/// <summary>`report send`: build and deliver line-manager reports for a period now (the scheduler does it weekly).</summary>
public static class ReportVerbs
{
    public static readonly Option<string> Period = new("--period")
    {
        Description = "last-week, last-month, or FROM..TO (yyyy-MM-dd..yyyy-MM-dd, inclusive, school local dates).",
        Required = true,
    };

    public static Command Create()
    {
        var dryRun = new Option<bool>("--dry-run") { Description = "Render the reports but do not send or record them." };
        var output = new Option<DirectoryInfo?>("--out") { Description = "Also write the rendered reports (HTML, text, CSV, chart, .eml) to this folder, one folder per report." };
        Period.Validators.Add(r =>
        {
            var value = r.GetValueOrDefault<string>();
            if (value is not null && !PeriodArgument.TryParse(value, DateOnly.FromDateTime(DateTime.UnixEpoch), out _, out var error))
            {
                r.AddError(error);
            }
        });
        var send = new Command("send", "Build the reports for a period and send them to each line manager and the headteacher (and the archive folder).")
        {
            Period, dryRun, output,
        };
        send.SetAction((parse, ct) => DatabaseVerb.RunAsync(parse, async (db, token) =>
        {
            var calendar = db.Services.GetRequiredService<VisitPipelineFactory>().CreateCalendar();
            var today = calendar.LocalDate(db.Services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime);
            PeriodArgument.TryParse(parse.GetRequiredValue(Period), today, out var range, out _);
            var period = new Reports.ReportPeriod(range.From, range.To);
            var request = new ReportRunRequest(parse.GetValue(dryRun), parse.GetValue(output)?.FullName);
            var runner = db.Services.GetRequiredService<ReportRunner>();
            var results = new List<ReportDeliveryResult>();
            results.AddRange(await runner.RunLineManagerReportsAsync(period, request, token).ConfigureAwait(false));
            results.AddRange(await runner.RunHeadteacherReportsAsync(period, request, token).ConfigureAwait(false));
            await db.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"report send {range.From:yyyy-MM-dd}..{range.To:yyyy-MM-dd}: {results.Count} report(s)")).ConfigureAwait(false);
            foreach (var r in results)
            {
                await db.Output.WriteLineAsync($"  {r.Kind,-12} {r.RecipientEmail,-45} {r.Outcome}{(r.Error is null ? "" : ": " + r.Error)}").ConfigureAwait(false);
            }

            var archive = results.Select(r => r.ArchiveFolder).FirstOrDefault(f => f is not null);
            if (archive is not null)
            {
                await db.Output.WriteLineAsync($"  archive: {Path.GetDirectoryName(archive)}").ConfigureAwait(false);
            }

            if (request.OutputFolder is not null)
            {
                await db.Output.WriteLineAsync($"  rendered copies: {request.OutputFolder}").ConfigureAwait(false);
            }

            return results.Any(r => r.Outcome == ReportDeliveryOutcome.Failed) ? ExitCodes.RuntimeFailure : ExitCodes.Success;
        }, ct, b =>
        {
            // A dry run sends nothing, so it must not need a mail server: it renders as folder delivery would.
            if (parse.GetValue(dryRun))
            {
                b.Configuration.AddInMemoryCollection([new($"{ReportOptions.SectionName}:{nameof(ReportOptions.Delivery)}", nameof(ReportDeliveryMode.Folder))]);
            }

            b.Services.AddCoppiceReporting(b.Configuration);
        }));
        return new Command("report", "Line-manager and headteacher reports.") { send };
    }
}

/// <summary>Parses --period; relative periods resolve against the school's local "today".</summary>
public static class PeriodArgument
{
    public static bool TryParse(string text, DateOnly today, out (DateOnly From, DateOnly To) period, out string error)
    {
        ArgumentNullException.ThrowIfNull(text);
        error = "";
        switch (text)
        {
            case "last-week":
                {
                    // Monday..Sunday of the week before the one containing today.
                    var monday = today.AddDays(-(((int)today.DayOfWeek + 6) % 7));
                    period = (monday.AddDays(-7), monday.AddDays(-1));
                    return true;
                }

            case "last-month":
                {
                    var first = new DateOnly(today.Year, today.Month, 1).AddMonths(-1);
                    period = (first, first.AddMonths(1).AddDays(-1));
                    return true;
                }
        }

        var parts = text.Split("..");
        if (parts.Length == 2
            && DateOnly.TryParseExact(parts[0], "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var from)
            && DateOnly.TryParseExact(parts[1], "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var to))
        {
            if (to < from)
            {
                period = default;
                error = $"--period '{text}': TO is before FROM.";
                return false;
            }

            period = (from, to);
            return true;
        }

        period = default;
        error = $"--period must be last-week, last-month or FROM..TO (yyyy-MM-dd..yyyy-MM-dd), not '{text}'.";
        return false;
    }
}
