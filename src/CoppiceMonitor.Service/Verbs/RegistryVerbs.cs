using System.CommandLine;

namespace CoppiceMonitor.Service.Verbs;

/// <summary>`staff import CSV` and `devices import CSV`: replace the registry from the school's exports.</summary>
public static class RegistryVerbs
{
    public static Command CreateStaff() => Create("staff", "Staff directory (staff_id, display_name, email, line_manager_id, roles).");

    public static Command CreateDevices() => Create("devices", "Device registry (device_id, staff_id, mac, hostname, static_ip, kind, authorised_services).");

    private static Command Create(string noun, string description)
    {
        var file = new Argument<FileInfo>("CSV") { Description = "The CSV file to import (header row required)." };
        file.AcceptExistingOnly();
        var dryRun = new Option<bool>("--dry-run") { Description = "Check the file and show what would change, without changing anything." };
        var import = new Command("import", $"Import the {noun} CSV: rows are added or updated, rows missing from the file are removed. Errors name the line.")
        {
            file,
            dryRun,
        };
        import.SetAction((parse, ct) => Pending.Run($"{noun} import", "storage"));
        return new Command(noun, description) { import };
    }
}
