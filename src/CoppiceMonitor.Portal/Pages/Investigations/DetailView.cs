using System.Globalization;
using CoppiceMonitor.Capture;
using CoppiceMonitor.Storage.Entities;
using CoppiceMonitor.Storage.Retention;

namespace CoppiceMonitor.Portal.Pages.Investigations;

/// <summary>A visit with the observations behind it (from the person's devices while it lasted).</summary>
public sealed record VisitEvidence(VisitRow Visit, IReadOnlyList<EvidenceObservation> Observations)
{
    /// <summary>Special categories (policy 10.3) are held only as a category: no site name, no observed names.</summary>
    public bool SpecialCategory => Visit.SiteName is null;
}

/// <summary>Shapes an investigation's detail for the page, the printable export and the CSV.</summary>
public static class DetailView
{
    /// <summary>How far outside a visit an observation still counts as behind it (lookups precede the connection).</summary>
    public static readonly TimeSpan Slack = TimeSpan.FromSeconds(60);

    public static readonly TimeZoneInfo London = TimeZoneInfo.FindSystemTimeZoneById("Europe/London");

    /// <summary>Each visit with the observations inside its time; observations behind no visit are not shown.</summary>
    public static IReadOnlyList<VisitEvidence> Group(InvestigationDetail detail)
    {
        ArgumentNullException.ThrowIfNull(detail);
        var observations = detail.Observations;
        var result = new List<VisitEvidence>(detail.Visits.Count);
        foreach (var visit in detail.Visits)
        {
            var from = visit.StartUtc - Slack;
            var to = visit.EndUtc + Slack;
            var behind = observations.Where(o => o.Ts >= from && o.Ts <= to && o.Kind != (short)ObservationKind.DhcpLease).ToList();
            result.Add(new VisitEvidence(visit, behind));
        }

        return result;
    }

    /// <summary>Observations shown: those behind at least one visit.</summary>
    public static int ShownObservations(IReadOnlyList<VisitEvidence> visits) =>
        visits.SelectMany(v => v.Observations).Distinct().Count();

    /// <summary>The observed name, unless it lies behind a special-category visit (then withheld).</summary>
    public static string NameShown(VisitEvidence visit, EvidenceObservation observation)
    {
        ArgumentNullException.ThrowIfNull(visit);
        ArgumentNullException.ThrowIfNull(observation);
        return visit.SpecialCategory ? $"(withheld: {visit.Visit.Category})" : observation.Name ?? "";
    }

    public static string KindName(short kind) => Enum.IsDefined((ObservationKind)kind) ? ((ObservationKind)kind).ToString() : kind.ToString(CultureInfo.InvariantCulture);

    public static string Local(DateTime utc) =>
        TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), London).ToString("ddd d MMM yyyy HH:mm:ss", CultureInfo.InvariantCulture);

    public static string LocalDate(DateTime utc) =>
        TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), London).ToString("d MMM yyyy HH:mm", CultureInfo.InvariantCulture);

    public static string Minutes(int seconds) => (seconds / 60.0).ToString("0.#", CultureInfo.InvariantCulture);

    /// <summary>Start of a school-local day in UTC (investigation ranges are whole local days).</summary>
    public static DateTime StartOfLocalDayUtc(DateOnly day) =>
        TimeZoneInfo.ConvertTimeToUtc(day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified), London);
}
