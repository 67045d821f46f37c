using System.CommandLine;
using System.Globalization;
using CoppiceMonitor.Service.Cli;
using CoppiceMonitor.Storage.Retention;
using Microsoft.Extensions.DependencyInjection;

namespace CoppiceMonitor.Service.Verbs;

/// <summary>`audit verify`: checks the audit log's hash chain and names the first row that breaks it (exit 1).</summary>
public static class AuditVerbs
{
    public static Command Create()
    {
        var verify = new Command("verify",
            "Check the audit log's hash chain: exit 0 if intact, 1 naming the first row that was edited, removed or cut off.");
        verify.SetAction((parse, ct) => DatabaseVerb.RunAsync(parse, async (db, token) =>
        {
            var report = await db.Services.GetRequiredService<AuditChainVerifier>().VerifyAsync(token).ConfigureAwait(false);
            if (report.IsIntact)
            {
                await db.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"audit chain intact: {report.RowsChecked} rows checked, {report.PurgedRowsSpanned} purged rows spanned by their recorded hashes")).ConfigureAwait(false);
                return ExitCodes.Success;
            }

            await db.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"audit chain BROKEN at row {report.FirstBadId}: {report.Problem} ({report.RowsChecked} rows before it were intact)")).ConfigureAwait(false);
            return ExitCodes.RuntimeFailure;
        }, ct));
        return new Command("audit", "The audit log (append-only, hash-chained).") { verify };
    }
}
