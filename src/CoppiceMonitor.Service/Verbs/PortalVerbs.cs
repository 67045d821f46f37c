using System.CommandLine;
using CoppiceMonitor.Portal.Hosting;
using CoppiceMonitor.Service.Cli;
using CoppiceMonitor.Service.Database;
using CoppiceMonitor.Service.Hosting;
using CoppiceMonitor.Service.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CoppiceMonitor.Service.Verbs;

/// <summary>`portal` (serve the web portal alone) and `accounts add|list|disable|reset-2fa` (its local accounts).</summary>
public static class PortalVerbs
{
    public static Command CreatePortal()
    {
        var command = new Command("portal", "Serve the web portal alone (HTTPS on Portal:Urls, default https://0.0.0.0:8443), without capture or jobs. `run` serves it too when Portal:Enabled is true.");
        command.SetAction(async (parse, ct) =>
        {
            var builder = CoppiceHost.CreateBuilder(CoppiceCommandLine.Globals(parse), HostKind.Worker);
            builder.Services.AddCoppicePipeline(builder.Configuration);
            builder.Services.AddCoppicePortalHosting(builder.Configuration, always: true);
            using var host = builder.Build();
            VerbRunner.ValidateOptions(host.Services);
            await host.RunAsync(ct).ConfigureAwait(false);
            return Environment.ExitCode == 0 ? ExitCodes.Success : ExitCodes.RuntimeFailure;
        });
        return command;
    }

    public static Command CreateAccounts()
    {
        return new Command("accounts", "Portal accounts: one per staff member (matched by email in the staff registry; roles come from the registry).")
        {
            CreateAdd(), CreateList(), CreateChange("disable", "Disable an account: no more sign-ins; open sessions end within a minute.", (a, e) => a.DisableAsync(e)),
            CreateChange("reset-2fa", "Remove an account's authenticator: they set up a new one at their next sign-in.", (a, e) => a.ResetSecondFactorAsync(e)),
        };
    }

    private static Command CreateAdd()
    {
        var email = new Argument<string>("EMAIL") { Description = "The person's email as in the staff registry (of --school)." };
        var add = new Command("add", "Create an account. The password (12 characters or more) is read from standard input, never from the command line.") { email };
        add.SetAction((parse, ct) => DatabaseVerb.RunAsync(parse, async (db, token) =>
        {
            var password = (await Console.In.ReadLineAsync(token).ConfigureAwait(false))?.TrimEnd('\r');
            if (string.IsNullOrEmpty(password))
            {
                await db.Error.WriteLineAsync("coppice-monitor: accounts add: give the password on standard input (e.g. `read -rs P && echo \"$P\" | coppice-monitor accounts add EMAIL`)").ConfigureAwait(false);
                return ExitCodes.BadArguments;
            }

            await using var admin = AccountAdministration.Create(await ConnectionAsync(db, token).ConfigureAwait(false));
            var result = await admin.AddAsync(db.SchoolId, parse.GetRequiredValue(email), password, token).ConfigureAwait(false);
            await (result.Succeeded ? db.Output : db.Error).WriteLineAsync(result.Succeeded ? result.Message : "coppice-monitor: accounts add: " + result.Message).ConfigureAwait(false);
            return result.Succeeded ? ExitCodes.Success : ExitCodes.RuntimeFailure;
        }, ct));
        return add;
    }

    private static Command CreateList()
    {
        var list = new Command("list", "List the accounts with their registry roles and whether two-factor sign-in is on.");
        list.SetAction((parse, ct) => DatabaseVerb.RunAsync(parse, async (db, token) =>
        {
            await using var admin = AccountAdministration.Create(await ConnectionAsync(db, token).ConfigureAwait(false));
            await db.Output.WriteLineAsync("EMAIL\tSCHOOL\tSTAFF\tROLES\t2FA\tSTATE").ConfigureAwait(false);
            foreach (var a in await admin.ListAsync(token).ConfigureAwait(false))
            {
                var state = a.Disabled ? "disabled" : a.LockedUntil is { } until ? $"locked until {until:u}" : "active";
                await db.Output.WriteLineAsync($"{a.Email}\t{a.SchoolId}\t{a.StaffId ?? "-"}\t{a.Roles}\t{(a.TwoFactor ? "on" : "off")}\t{state}").ConfigureAwait(false);
            }

            return ExitCodes.Success;
        }, ct));
        return list;
    }

    private static Command CreateChange(string name, string description, Func<AccountAdministration, string, Task<AccountResult>> change)
    {
        var email = new Argument<string>("EMAIL") { Description = "The account's email." };
        var command = new Command(name, description) { email };
        command.SetAction((parse, ct) => DatabaseVerb.RunAsync(parse, async (db, token) =>
        {
            await using var admin = AccountAdministration.Create(await ConnectionAsync(db, token).ConfigureAwait(false));
            var result = await change(admin, parse.GetRequiredValue(email)).ConfigureAwait(false);
            await (result.Succeeded ? db.Output : db.Error).WriteLineAsync(result.Succeeded ? result.Message : $"coppice-monitor: accounts {name}: {result.Message}").ConfigureAwait(false);
            return result.Succeeded ? ExitCodes.Success : ExitCodes.RuntimeFailure;
        }, ct));
        return command;
    }

    private static Task<string> ConnectionAsync(DatabaseContext db, CancellationToken cancellationToken) =>
        db.Services.GetRequiredService<CoppiceDatabase>().GetConnectionStringAsync(cancellationToken);
}
