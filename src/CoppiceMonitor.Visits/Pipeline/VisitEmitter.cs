using Microsoft.Extensions.Logging;

namespace CoppiceMonitor.Visits;

/// <summary>
/// Turns a closed visit into output: a person's visit becomes a <see cref="Visit"/> with its active time split by
/// the school calendar; any other device's minutes go into the day's <see cref="AnonymousTotals"/>. A visit with no
/// active minute is not a visit.
/// </summary>
internal sealed class VisitEmitter(SchoolCalendar calendar, IVisitSink sink, AnonymousTotals anonymous, VisitPipelineCounters counters, ILogger logger,
    int minConnectionsForOneMinute = 0) : IClosedVisitHandler
{
    public void OnVisitClosed(DeviceAttribution who, string service, VisitBuilder visit)
    {
        if (visit.Minutes.Count == 0)
        {
            counters.VisitsWithoutActivityDropped++;
            return;
        }

        if (visit.Minutes.Count == 1 && visit.Connections < minConnectionsForOneMinute)
        {
            // One request/response on one connection: an app's background refresh or a prefetch, not a person
            // opening a page or an app (which loads its assets over further connections).
            counters.BackgroundVisitsDropped++;
            return;
        }

        if (who.IsPerson && who.Device is { } device)
        {
            EmitPersonal(who, device, service, visit);
            return;
        }

        foreach (var minute in visit.Minutes)
        {
            anonymous.AddMinute(UnixMinutes.ToUtc(minute), service, visit.Opener.Category, who.Kind, who.DeviceKey);
        }

        counters.AnonymousVisits++;
    }

    private void EmitPersonal(DeviceAttribution who, DeviceRecord device, string service, VisitBuilder visit)
    {
        var opener = visit.Opener;
        var siteName = opener.IsSpecialCategory ? null : opener.RegistrableDomain;
        var activeSeconds = visit.Minutes.Count * 60;
        var split = default(CalendarSplit);
        foreach (var (start, end) in UnixMinutes.Runs(visit.Minutes))
        {
            split += calendar.Split(start, end);
        }

        var result = new Visit(calendar.SchoolId, who.StaffId!, device.DeviceId, service, opener.Category, visit.Start, visit.LastEnd,
            activeSeconds, (int)split.Directed.TotalSeconds, (int)split.Break.TotalSeconds, (int)split.NonDirected.TotalSeconds,
            (int)split.OutsideHours.TotalSeconds, device.IsAuthorisedFor(service), siteName, visit.Evidence);
        counters.VisitsEmitted++;
        Log.VisitClosed(logger, service, who.DeviceKey, visit.Start, activeSeconds);
        sink.WriteVisit(result);
    }
}
