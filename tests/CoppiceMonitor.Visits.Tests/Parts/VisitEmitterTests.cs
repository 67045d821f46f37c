using Microsoft.Extensions.Logging.Abstractions;

namespace CoppiceMonitor.Visits.Tests.Parts;

public class VisitEmitterTests
{
    private static readonly SchoolCalendar Calendar = SchoolCalendar.Create(TestData.DefaultSchool());
    private static readonly DateTime At = new(2026, 11, 24, 10, 25, 0, DateTimeKind.Utc);

    private static VisitBuilder Builder(string host, DateTime start, int minutes)
    {
        var builder = new VisitBuilder();
        builder.Reset(TestData.Catalog.Classify(host));
        for (var i = 0; i < minutes; i++)
        {
            var minute = (long)(start - DateTime.UnixEpoch).TotalMinutes + i;
            builder.Add(new ActivityEvent(start.AddMinutes(i), start.AddMinutes(i + 1), true, minute, i == 0 ? 1 : 0, null), i);
        }

        return builder;
    }

    [Fact]
    public void PersonsVisit_SplitByTheCalendar_PartsAddUp()
    {
        var sink = new RecordingSink();
        var counters = new VisitPipelineCounters();
        var emitter = new VisitEmitter(Calendar, sink, new AnonymousTotals(Calendar, TimeSpan.Zero), counters, NullLogger.Instance);
        var device = TestData.Registry().Devices.Single(d => d.DeviceId == "d-alice-laptop");

        emitter.OnVisitClosed(new DeviceAttribution("d-alice-laptop", device, DeviceKind.Staff, "s-alice"), "Facebook", Builder("www.facebook.com", At, 10));

        var visit = Assert.Single(sink.Visits);
        // 10:25-10:35: five directed minutes, then five of morning break.
        Assert.Equal((600, 300, 300), (visit.ActiveSeconds, visit.DirectedSeconds, visit.BreakSeconds));
        Assert.Equal("facebook.com", visit.SiteName);
        Assert.Equal(1, counters.VisitsEmitted);
    }

    [Fact]
    public void UnattributedDevice_MinutesGoToAnonymousTotals_NoVisit()
    {
        var sink = new RecordingSink();
        var anonymous = new AnonymousTotals(Calendar, TimeSpan.Zero);
        var emitter = new VisitEmitter(Calendar, sink, anonymous, new VisitPipelineCounters(), NullLogger.Instance);

        emitter.OnVisitClosed(new DeviceAttribution("tablet-07", null, DeviceKind.Pupil, null), "Facebook", Builder("www.facebook.com", At, 4));
        anonymous.EmitSettledDays(sink, At.AddDays(2), all: true);

        Assert.Empty(sink.Visits);
        Assert.Equal(240, Assert.Single(sink.Anonymous).ActiveSeconds);
    }

    [Fact]
    public void VisitWithoutActiveMinutes_Dropped()
    {
        var sink = new RecordingSink();
        var counters = new VisitPipelineCounters();
        var emitter = new VisitEmitter(Calendar, sink, new AnonymousTotals(Calendar, TimeSpan.Zero), counters, NullLogger.Instance);

        emitter.OnVisitClosed(new DeviceAttribution("d", null, DeviceKind.Staff, "s"), "Facebook", Builder("www.facebook.com", At, 0));

        Assert.Empty(sink.Visits);
        Assert.Equal(1, counters.VisitsWithoutActivityDropped);
    }
}
