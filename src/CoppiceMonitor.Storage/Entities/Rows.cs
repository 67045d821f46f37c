using System.Net;
using System.Net.NetworkInformation;
using System.Text.Json;

namespace CoppiceMonitor.Storage.Entities;

// Row types mirror the SQL in Migrations/ (the migrations own the schema; these map onto it for EF queries).
// "Row" suffix keeps them apart from the Visits domain types of the same meaning.

public sealed class SchoolRow
{
    public required string SchoolId { get; set; }
    public required string Name { get; set; }
    public string TimeZone { get; set; } = "Europe/London";
    public DateTime CreatedUtc { get; set; }
}

public sealed class StaffRow
{
    public required string SchoolId { get; set; }
    public required string StaffId { get; set; }
    public required string DisplayName { get; set; }
    public required string Email { get; set; }
    public string? LineManagerId { get; set; }
    public int Roles { get; set; }
    public DateTime UpdatedUtc { get; set; }
}

public sealed class DeviceRow
{
    public required string SchoolId { get; set; }
    public required string DeviceId { get; set; }
    public string? StaffId { get; set; }
    public PhysicalAddress? Mac { get; set; }
    public string? Hostname { get; set; }
    public IPAddress? StaticIp { get; set; }
    /// <summary>DeviceKind as a number: 0 Staff, 1 Shared, 2 Pupil, 3 Guest.</summary>
    public short Kind { get; set; }
    public string[] AuthorisedServices { get; set; } = [];
    public DateTime UpdatedUtc { get; set; }
}

public sealed class DhcpLeaseRow
{
    public long Id { get; set; }
    public required string SchoolId { get; set; }
    public required PhysicalAddress Mac { get; set; }
    public required IPAddress Address { get; set; }
    public string? Hostname { get; set; }
    public DateTime StartUtc { get; set; }
    public DateTime? EndUtc { get; set; }
    public Guid? BatchId { get; set; }
}

/// <summary>The columns observations and held_observations share (not an entity: EF maps only the sealed rows).</summary>
public abstract class ObservationColumns
{
    public required string SchoolId { get; set; }
    public DateTime Ts { get; set; }
    public short Kind { get; set; }
    public IPAddress? Client { get; set; }
    public PhysicalAddress? ClientMac { get; set; }
    public IPAddress? Server { get; set; }
    public int ServerPort { get; set; }
    public short Transport { get; set; }
    public int Vlan { get; set; }
    public string? Name { get; set; }
    public JsonDocument? Detail { get; set; }
    public Guid BatchId { get; set; }
}

/// <summary>Table observations (partitioned by day on ts). Kept briefly as evidence and for re-processing.</summary>
public sealed class ObservationRow : ObservationColumns;

/// <summary>The columns visits and held_visits share (not an entity: EF maps only the sealed rows).</summary>
public abstract class VisitColumns
{
    public long Id { get; set; }
    public required string SchoolId { get; set; }
    public required string StaffId { get; set; }
    public required string DeviceId { get; set; }
    public required string Service { get; set; }
    public required string Category { get; set; }
    public DateTime StartUtc { get; set; }
    public DateTime EndUtc { get; set; }
    public int ActiveSeconds { get; set; }
    public int DirectedSeconds { get; set; }
    public int BreakSeconds { get; set; }
    public int NonDirectedSeconds { get; set; }
    public int OutsideHoursSeconds { get; set; }
    public bool IsWorkUse { get; set; }
    /// <summary>Null for special categories (policy 10.3).</summary>
    public string? SiteName { get; set; }
    public int EvidenceCount { get; set; }
    public Guid BatchId { get; set; }
}

/// <summary>Table visits (partitioned by day on start_utc).</summary>
public sealed class VisitRow : VisitColumns;

/// <summary>Visits kept past their window because an investigation holds them (moved before a partition drop).</summary>
public sealed class HeldVisitRow : VisitColumns
{
    public DateTime HeldUtc { get; set; }
}

/// <summary>Observations kept past their window because an investigation holds them.</summary>
public sealed class HeldObservationRow : ObservationColumns
{
    public long Id { get; set; }
    public DateTime HeldUtc { get; set; }
}

/// <summary>Per school, local day, service, category and device kind (-1 = unknown device). Never a person.</summary>
public sealed class AnonymousUsageRow
{
    public required string SchoolId { get; set; }
    public DateOnly LocalDate { get; set; }
    public required string Service { get; set; }
    public required string Category { get; set; }
    public short Kind { get; set; }
    public long ActiveSeconds { get; set; }
    public int? Devices { get; set; }
}

public sealed class InvestigationRow
{
    public long Id { get; set; }
    public required string SchoolId { get; set; }
    public required string StaffId { get; set; }
    public DateTime FromUtc { get; set; }
    public DateTime ToUtc { get; set; }
    public required string Reason { get; set; }
    public required string OpenedBy { get; set; }
    public required string OpenedByRole { get; set; }
    public DateTime OpenedUtc { get; set; }
    public DateTime? ClosedUtc { get; set; }
    public string? ClosedBy { get; set; }
    public string? CloseReason { get; set; }
}

public sealed class AuditEventRow
{
    public long Id { get; set; }
    public DateTime OccurredUtc { get; set; }
    public required string Actor { get; set; }
    public required string Action { get; set; }
    public string? Reason { get; set; }
    public string? SchoolId { get; set; }
    public long? InvestigationId { get; set; }
    public string? SubjectStaffId { get; set; }
    public long? RowCount { get; set; }
    /// <summary>Counts and parameters only; never content.</summary>
    public JsonDocument? Details { get; set; }
}

public sealed class ReportRunRow
{
    public long Id { get; set; }
    public required string RunKey { get; set; }
    public required string SchoolId { get; set; }
    public required string Kind { get; set; }
    public DateOnly PeriodStart { get; set; }
    public DateOnly PeriodEnd { get; set; }
    public string? RecipientStaffId { get; set; }
    public string? RecipientEmail { get; set; }
    public required string Status { get; set; }
    public int Attempts { get; set; }
    public string? Error { get; set; }
    public DateTime CreatedUtc { get; set; }
    public DateTime? CompletedUtc { get; set; }
    public string? Subject { get; set; }
    public string? HtmlBody { get; set; }
    public string? TextBody { get; set; }
    public string? Csv { get; set; }
}

public sealed class IngestBatchRow
{
    public Guid BatchId { get; set; }
    public required string Kind { get; set; }
    public int RowCount { get; set; }
    public DateTime WrittenUtc { get; set; }
    public bool FromSpool { get; set; }
}
