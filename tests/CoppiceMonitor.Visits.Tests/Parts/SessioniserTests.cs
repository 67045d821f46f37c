using Microsoft.Extensions.Logging.Abstractions;

namespace CoppiceMonitor.Visits.Tests.Parts;

public class SessioniserTests
{
    private static readonly DateTime At = new(2026, 11, 24, 9, 0, 0, DateTimeKind.Utc);
    private static readonly DeviceAttribution Alice = new("mac:02:00:00:00:00:a1", null, DeviceKind.Staff, "s-alice");
    private static readonly HostClassification Facebook = TestData.Catalog.Classify("www.facebook.com");
    private static readonly HostClassification FacebookEmbed = TestData.Catalog.Classify("connect.facebook.net");

    private sealed class Closed : IClosedVisitHandler
    {
        public List<(string Service, DateTime Start, DateTime End, long[] Minutes, int Evidence)> Visits { get; } = [];

        public void OnVisitClosed(DeviceAttribution who, string service, VisitBuilder visit) =>
            Visits.Add((service, visit.Start, visit.LastEnd, [.. visit.Minutes], visit.Evidence));
    }

    private static (Sessioniser Sessions, Closed Closed, VisitPipelineCounters Counters) Create()
    {
        var closed = new Closed();
        var counters = new VisitPipelineCounters();
        return (new Sessioniser(new VisitsOptions(), counters, NullLogger.Instance, closed), closed, counters);
    }

    private static long[] MinutesFrom(DateTime start, int count) =>
        [.. Enumerable.Range(0, count).Select(i => (long)(start - DateTime.UnixEpoch).TotalMinutes + i)];

    [Fact]
    public void FirstPartyMinutes_OneVisit_HandedOnOnlyAfterGapAndGrace()
    {
        var (sessions, closed, _) = Create();
        sessions.AddActiveMinutes(Alice, "Facebook", MinutesFrom(At, 10), opensVisit: true, Facebook);

        sessions.Finalise(At.AddMinutes(10 + 5 + 5), all: false);
        Assert.Empty(closed.Visits);

        sessions.Finalise(At.AddMinutes(10 + 5 + 5).AddSeconds(1), all: false);
        var visit = Assert.Single(closed.Visits);
        Assert.Equal((At, At.AddMinutes(10), 10, 1), (visit.Start, visit.End, visit.Minutes.Length, visit.Evidence));
    }

    [Fact]
    public void GapLongerThanIdleGap_TwoVisits()
    {
        var (sessions, closed, _) = Create();
        sessions.AddActiveMinutes(Alice, "Facebook", MinutesFrom(At, 3), opensVisit: true, Facebook);
        sessions.AddActiveMinutes(Alice, "Facebook", MinutesFrom(At.AddMinutes(9), 3), opensVisit: true, Facebook);

        sessions.Finalise(At.AddHours(1), all: true);

        Assert.Equal(2, closed.Visits.Count);
        Assert.All(closed.Visits, v => Assert.Equal(3, v.Minutes.Length));
    }

    [Fact]
    public void ExtendOnlyEvidenceWithNoOpenVisit_DiscardedAndCounted()
    {
        var (sessions, closed, counters) = Create();
        sessions.AddActiveMinutes(Alice, "Facebook", MinutesFrom(At, 2), opensVisit: false, opener: null);

        sessions.Finalise(At.AddHours(1), all: false);

        Assert.Empty(closed.Visits);
        Assert.Equal(2, counters.ExtendOnlyEventsDiscarded);
        Assert.Equal(0, sessions.Count);
    }

    [Fact]
    public void ExtendOnlyEvidenceInsideAnOpenVisit_AddsItsMinutes()
    {
        var (sessions, closed, _) = Create();
        sessions.AddActiveMinutes(Alice, "Facebook", MinutesFrom(At, 2), opensVisit: true, Facebook);
        sessions.AddActiveMinutes(Alice, "Facebook", MinutesFrom(At.AddMinutes(1), 4), opensVisit: false, FacebookEmbed);

        sessions.Finalise(At.AddHours(1), all: true);

        Assert.Equal(5, Assert.Single(closed.Visits).Minutes.Length);
    }

    [Fact]
    public void PendingConnection_HoldsTheVisitUntilSettledOrExpired()
    {
        var (sessions, closed, counters) = Create();
        sessions.AddConnectionOpened(Alice, "Facebook", At, opensVisit: true, Facebook);
        sessions.AddActiveMinutes(Alice, "Facebook", MinutesFrom(At.AddMinutes(30), 2), opensVisit: true, Facebook);

        // The connection opened at 09:00 could still bring minutes up to 09:30: nothing is final yet.
        sessions.Finalise(At.AddMinutes(50), all: false);
        Assert.Empty(closed.Visits);

        sessions.SettleConnection(Alice, "Facebook", At);
        sessions.Finalise(At.AddMinutes(50).AddSeconds(30), all: false);
        Assert.Equal(2, closed.Visits.Count);
        Assert.Equal(0, counters.PendingConnectionsExpired);
    }

    [Fact]
    public void LateEvent_BeforeTheFinalisedPart_DroppedAndCounted()
    {
        var (sessions, closed, counters) = Create();
        sessions.AddActiveMinutes(Alice, "Facebook", MinutesFrom(At, 2), opensVisit: true, Facebook);
        sessions.Finalise(At.AddMinutes(30), all: false);
        Assert.Single(closed.Visits);

        sessions.AddActiveMinutes(Alice, "Facebook", MinutesFrom(At.AddMinutes(1), 1), opensVisit: true, Facebook);

        Assert.Equal(1, counters.LateEventsDropped);
    }
}
