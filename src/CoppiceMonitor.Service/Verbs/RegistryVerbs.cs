using System.CommandLine;
using CoppiceMonitor.Service.Cli;
using Microsoft.Extensions.DependencyInjection;
using CoppiceMonitor.Storage;
using CoppiceMonitor.Visits;

namespace CoppiceMonitor.Service.Verbs;

/// <summary>`staff import CSV` and `devices import CSV`: make the registry match the school's exports.</summary>
public static class RegistryVerbs
{
    public static Command CreateStaff() => Create("staff", "Staff directory (staff_id, display_name, email, line_manager_id, roles).", ImportStaffAsync);

    public static Command CreateDevices() => Create("devices", "Device registry (device_id, staff_id, mac, hostname, static_ip, kind, authorised_services).", ImportDevicesAsync);

    private static Command Create(string noun, string description, Func<DatabaseContext, string, bool, CancellationToken, Task<int>> import)
    {
        var file = new Argument<FileInfo>("CSV") { Description = "The CSV file to import (header row required)." };
        file.AcceptExistingOnly();
        var dryRun = new Option<bool>("--dry-run") { Description = "Check the file and report, without changing anything." };
        var command = new Command("import", $"Import the {noun} CSV: rows are added or updated, rows missing from the file are removed. Errors name the line; a file with a rejected row changes nothing.")
        {
            file,
            dryRun,
        };
        command.SetAction((parse, ct) => DatabaseVerb.RunAsync(parse,
            (db, token) => import(db, parse.GetRequiredValue(file).FullName, parse.GetValue(dryRun), token), ct));
        return new Command(noun, description) { command };
    }

    private static async Task<int> ImportStaffAsync(DatabaseContext db, string path, bool dryRun, CancellationToken cancellationToken)
    {
        RegistryImportResult<StaffRecord> result;
        using (var reader = File.OpenText(path))
        {
            result = RegistryCsvReader.ReadStaff(reader);
        }

        return await ApplyAsync(db, "staff", path, result, dryRun,
            () => db.Services.GetRequiredService<RegistryStore>().ApplyStaffAsync(db.SchoolId, [.. result.Rows], cancellationToken)).ConfigureAwait(false);
    }

    private static async Task<int> ImportDevicesAsync(DatabaseContext db, string path, bool dryRun, CancellationToken cancellationToken)
    {
        var registry = await db.Services.GetRequiredService<RegistryStore>().LoadAsync(db.SchoolId, cancellationToken).ConfigureAwait(false);
        var staffIds = registry.Staff.Select(s => s.StaffId).ToHashSet(StringComparer.Ordinal);
        RegistryImportResult<DeviceRecord> result;
        using (var reader = File.OpenText(path))
        {
            result = RegistryCsvReader.ReadDevices(reader, staffIds.Count > 0 ? staffIds : null);
        }

        return await ApplyAsync(db, "devices", path, result, dryRun,
            () => db.Services.GetRequiredService<RegistryStore>().ApplyDevicesAsync(db.SchoolId, [.. result.Rows], cancellationToken)).ConfigureAwait(false);
    }

    private static async Task<int> ApplyAsync<T>(DatabaseContext db, string noun, string path, RegistryImportResult<T> result, bool dryRun, Func<Task<RegistryApplyResult>> apply)
    {
        var name = Path.GetFileName(path);
        foreach (var error in result.Errors)
        {
            await db.Error.WriteLineAsync($"{name}:{error.LineNumber}: {(error.RowImported ? "warning" : "error")}: {error.Reason}").ConfigureAwait(false);
        }

        var rejected = result.Errors.Count(e => !e.RowImported);
        if (rejected > 0)
        {
            // Applying the rest would remove the people whose rows were rejected: fix the file instead.
            await db.Error.WriteLineAsync($"coppice-monitor: {noun} import: {rejected} row(s) rejected in {name}; nothing was changed.").ConfigureAwait(false);
            return ExitCodes.RuntimeFailure;
        }

        if (dryRun)
        {
            await db.Output.WriteLineAsync($"{noun} import (dry run): {result.Rows.Count} rows valid in {name}; nothing changed.").ConfigureAwait(false);
            return ExitCodes.Success;
        }

        var applied = await apply().ConfigureAwait(false);
        await db.Output.WriteLineAsync($"{noun} import: {result.Rows.Count} rows: {applied.Added} added, {applied.Updated} updated, {applied.Removed} removed, {applied.Unchanged} unchanged.").ConfigureAwait(false);
        return ExitCodes.Success;
    }
}
