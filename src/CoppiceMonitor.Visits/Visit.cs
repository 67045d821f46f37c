namespace CoppiceMonitor.Visits;

/// <summary>
/// One person's visit to a service or site. Start/End cover all of the visit's evidence (connection minutes are
/// whole UTC minutes); ActiveSeconds counts minutes in which the visit's connections carried data and is split
/// into the four calendar buckets (they add up to ActiveSeconds). Special categories: Service is the category and
/// SiteName is null.
/// </summary>
public sealed record Visit(
    string SchoolId,
    string StaffId,
    string DeviceId,
    string Service,
    string Category,
    DateTime StartUtc,
    DateTime EndUtc,
    int ActiveSeconds,
    int DirectedSeconds,
    int BreakSeconds,
    int NonDirectedSeconds,
    int OutsideHoursSeconds,
    bool IsWorkUse,
    string? SiteName,
    int EvidenceCount);

/// <summary>
/// Per school, local day, service and device kind: active time of devices that are not attributed to a person
/// (pupil, guest, shared and unknown devices; anything on a pupil or guest subnet). Kind null = unknown device.
/// Devices = distinct devices seen. Rows for a day are emitted once the day can no longer change; a late addition
/// comes as a further row for the same key, to be summed.
/// </summary>
public sealed record AnonymousUsage(
    string SchoolId,
    DateOnly LocalDate,
    string Service,
    string Category,
    DeviceKind? Kind,
    int ActiveSeconds,
    int Devices);

/// <summary>Where the pipeline sends its results. Called on the caller's thread, in order.</summary>
public interface IVisitSink
{
    void WriteVisit(Visit visit);

    void WriteAnonymousUsage(AnonymousUsage usage);
}
