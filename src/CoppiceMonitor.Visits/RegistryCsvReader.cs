using System.Net;
using System.Net.Mail;
using CoppiceMonitor.Capture;

namespace CoppiceMonitor.Visits;

/// <summary>
/// Reads the device registry's two CSV files (UTF-8 with or without BOM, RFC 4180, a header row naming the columns
/// in any order; unknown columns are ignored). A bad row is reported with its line number and reason and the rest
/// still import. Column meanings are documented in docs/notes/visits.md.
/// </summary>
public static class RegistryCsvReader
{
    public static readonly IReadOnlyList<string> StaffColumns = ["staff_id", "display_name", "email", "line_manager_id", "roles"];

    public static readonly IReadOnlyList<string> DeviceColumns = ["device_id", "staff_id", "mac", "hostname", "static_ip", "kind", "authorised_services"];

    /// <summary>staff.csv: staff_id, display_name, email, line_manager_id, roles (line-manager;hr;headteacher;ict;dpo).</summary>
    public static RegistryImportResult<StaffRecord> ReadStaff(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var rows = new List<(StaffRecord Record, int Line)>();
        var errors = new List<RegistryRowError>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (line, get) in ReadRows(reader, StaffColumns, ["staff_id", "display_name", "email"], errors))
        {
            var id = get("staff_id");
            var name = get("display_name");
            var email = get("email");
            var manager = get("line_manager_id");
            string? problem = null;
            if (id.Length == 0)
            {
                problem = "staff_id is empty";
            }
            else if (ids.Contains(id))
            {
                problem = $"staff_id '{id}' appears on an earlier line";
            }
            else if (name.Length == 0)
            {
                problem = "display_name is empty";
            }
            else if (!MailAddress.TryCreate(email, out var parsed) || parsed.Address != email)
            {
                problem = $"email '{email}' is not a valid address";
            }
            else if (manager == id)
            {
                problem = "line_manager_id is the staff member themself";
            }

            var roles = ParseRoles(get("roles"), out var badRole);
            problem ??= badRole is null ? null : $"unknown role '{badRole}' (expected line-manager, hr, headteacher, ict or dpo)";
            if (problem is not null)
            {
                errors.Add(new RegistryRowError(line, problem));
                continue;
            }

            ids.Add(id);
            rows.Add((new StaffRecord(id, name, email, manager.Length == 0 ? null : manager, roles), line));
        }

        // A manager must be in the file; otherwise the row imports without one so the person is still covered.
        var known = rows.Select(r => r.Record.StaffId).ToHashSet(StringComparer.Ordinal);
        var result = new List<StaffRecord>(rows.Count);
        foreach (var (record, line) in rows)
        {
            if (record.LineManagerId is { } m && !known.Contains(m))
            {
                errors.Add(new RegistryRowError(line, $"line_manager_id '{m}' is not a staff_id in this file; imported without a line manager", RowImported: true));
                result.Add(record with { LineManagerId = null });
            }
            else
            {
                result.Add(record);
            }
        }

        errors.Sort((a, b) => a.LineNumber.CompareTo(b.LineNumber));
        return new RegistryImportResult<StaffRecord>(result, errors);
    }

    /// <summary>
    /// devices.csv: device_id, staff_id (only for kind staff), mac, hostname, static_ip, kind (staff, shared, pupil,
    /// guest), authorised_services (`;`-separated service names). When <paramref name="knownStaffIds"/> is given, a
    /// staff_id not in it rejects the row.
    /// </summary>
    public static RegistryImportResult<DeviceRecord> ReadDevices(TextReader reader, IReadOnlySet<string>? knownStaffIds = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var rows = new List<DeviceRecord>();
        var errors = new List<RegistryRowError>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var macs = new Dictionary<MacAddress, string>();
        var addresses = new Dictionary<IPAddress, string>();
        foreach (var (line, get) in ReadRows(reader, DeviceColumns, ["device_id", "kind"], errors))
        {
            var problem = ParseDevice(get, knownStaffIds, out var device);
            if (problem is null && ids.Contains(device!.DeviceId))
            {
                problem = $"device_id '{device.DeviceId}' appears on an earlier line";
            }

            if (problem is null && device!.Mac is { } mac && macs.TryGetValue(mac, out var other))
            {
                problem = $"mac {mac} is already device '{other}'";
            }

            if (problem is null && device!.StaticIp is { } ip && addresses.TryGetValue(ip, out var holder))
            {
                problem = $"static_ip {ip} is already device '{holder}'";
            }

            if (problem is not null)
            {
                errors.Add(new RegistryRowError(line, problem));
                continue;
            }

            ids.Add(device!.DeviceId);
            if (device.Mac is { } m)
            {
                macs[m] = device.DeviceId;
            }

            if (device.StaticIp is { } a)
            {
                addresses[a] = device.DeviceId;
            }

            rows.Add(device);
        }

        return new RegistryImportResult<DeviceRecord>(rows, errors);
    }

    private static string? ParseDevice(Func<string, string> get, IReadOnlySet<string>? knownStaffIds, out DeviceRecord? device)
    {
        device = null;
        var id = get("device_id");
        if (id.Length == 0)
        {
            return "device_id is empty";
        }

        DeviceKind kind;
        switch (get("kind").ToLowerInvariant())
        {
            case "staff": kind = DeviceKind.Staff; break;
            case "shared": kind = DeviceKind.Shared; break;
            case "pupil": kind = DeviceKind.Pupil; break;
            case "guest": kind = DeviceKind.Guest; break;
            default: return $"kind '{get("kind")}' is not staff, shared, pupil or guest";
        }

        var staffId = get("staff_id");
        if (kind == DeviceKind.Staff && staffId.Length == 0)
        {
            return "staff_id is empty but kind is staff";
        }

        if (kind != DeviceKind.Staff && staffId.Length > 0)
        {
            return $"staff_id must be empty for a {get("kind").ToLowerInvariant()} device (only staff devices belong to a person)";
        }

        if (staffId.Length > 0 && knownStaffIds is not null && !knownStaffIds.Contains(staffId))
        {
            return $"staff_id '{staffId}' is not in the staff list";
        }

        MacAddress? mac = null;
        var macText = get("mac");
        if (macText.Length > 0)
        {
            if (!MacAddress.TryParse(macText, out var parsed) || parsed.IsNone)
            {
                return $"mac '{macText}' is not a MAC address (aa:bb:cc:dd:ee:ff)";
            }

            mac = parsed;
        }

        IPAddress? staticIp = null;
        var ipText = get("static_ip");
        if (ipText.Length > 0)
        {
            if (!IPAddress.TryParse(ipText, out var parsed))
            {
                return $"static_ip '{ipText}' is not an IP address";
            }

            staticIp = parsed.IsIPv4MappedToIPv6 ? parsed.MapToIPv4() : parsed;
        }

        var hostname = get("hostname");
        var authorised = get("authorised_services")
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        device = new DeviceRecord(id, staffId.Length == 0 ? null : staffId, mac, hostname.Length == 0 ? null : hostname.ToLowerInvariant(),
            staticIp, kind, authorised);
        return null;
    }

    private static StaffRoles ParseRoles(string text, out string? unknown)
    {
        unknown = null;
        var roles = StaffRoles.None;
        foreach (var part in text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            switch (part.ToLowerInvariant())
            {
                case "line-manager": roles |= StaffRoles.LineManager; break;
                case "hr": roles |= StaffRoles.Hr; break;
                case "headteacher": roles |= StaffRoles.Headteacher; break;
                case "ict": roles |= StaffRoles.Ict; break;
                case "dpo": roles |= StaffRoles.Dpo; break;
                default: unknown ??= part; break;
            }
        }

        return roles;
    }

    /// <summary>Yields (line number, column getter) per data row; header problems become errors on line 1.</summary>
    private static IEnumerable<(int Line, Func<string, string> Get)> ReadRows(
        TextReader reader, IReadOnlyList<string> columns, IReadOnlyList<string> required, List<RegistryRowError> errors)
    {
        var csv = new CsvRecordReader(reader);
        if (!csv.TryRead(out var header, out var headerLine, out var headerError))
        {
            errors.Add(new RegistryRowError(1, "the file is empty; expected a header row"));
            yield break;
        }

        if (headerError is not null)
        {
            errors.Add(new RegistryRowError(headerLine, "header row: " + headerError));
            yield break;
        }

        var index = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < header.Count; i++)
        {
            index.TryAdd(header[i].Trim(), i);
        }

        var missing = required.Where(c => !index.ContainsKey(c)).ToList();
        if (missing.Count > 0)
        {
            errors.Add(new RegistryRowError(headerLine,
                $"header row lacks required column(s) {string.Join(", ", missing)}; expected {string.Join(",", columns)}"));
            yield break;
        }

        while (csv.TryRead(out var fields, out var line, out var error))
        {
            if (error is not null)
            {
                errors.Add(new RegistryRowError(line, error));
                continue;
            }

            var captured = fields;
            yield return (line, column =>
                index.TryGetValue(column, out var i) && i < captured.Count ? captured[i].Trim() : "");
        }
    }
}
