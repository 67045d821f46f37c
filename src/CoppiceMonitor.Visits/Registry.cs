using System.Net;
using CoppiceMonitor.Capture;

namespace CoppiceMonitor.Visits;

/// <summary>Roles from staff.csv's `roles` column (`;`-separated).</summary>
[Flags]
public enum StaffRoles
{
    None = 0,
    LineManager = 1,
    Hr = 2,
    Headteacher = 4,
    Ict = 8,

    /// <summary>Data-protection officer: reads the audit log and answers subject-access requests (portal).</summary>
    Dpo = 16,
}

/// <summary>devices.csv `kind`. Only Staff devices with a staff_id are attributed to a person.</summary>
public enum DeviceKind
{
    Staff,
    Shared,
    Pupil,
    Guest,
}

/// <summary>One row of staff.csv.</summary>
public sealed record StaffRecord(string StaffId, string DisplayName, string Email, string? LineManagerId, StaffRoles Roles);

/// <summary>One row of devices.csv. AuthorisedServices: services the device may use for school work (policy 5).</summary>
public sealed record DeviceRecord(
    string DeviceId,
    string? StaffId,
    MacAddress? Mac,
    string? Hostname,
    IPAddress? StaticIp,
    DeviceKind Kind,
    IReadOnlyList<string> AuthorisedServices)
{
    /// <summary>Whether the device is authorised (policy section 5) for the named service.</summary>
    public bool IsAuthorisedFor(string service) =>
        AuthorisedServices.Any(s => string.Equals(s, service, StringComparison.OrdinalIgnoreCase));
}

/// <summary>A row that was rejected (or imported with a correction) and why; LineNumber is 1-based, the header is line 1.</summary>
public sealed record RegistryRowError(int LineNumber, string Reason, bool RowImported = false);

/// <summary>The rows that imported and the errors for those that did not.</summary>
public sealed record RegistryImportResult<T>(IReadOnlyList<T> Rows, IReadOnlyList<RegistryRowError> Errors)
{
    public bool HasErrors => Errors.Count > 0;
}
