using CoppiceMonitor.Capture;

namespace CoppiceMonitor.Visits.Tests.Parts;

public class UseMinutesTests
{
    private static FlowDetail Flow(long[] minutes, MinuteBytes[]? bytes) =>
        new(DateTime.UnixEpoch, DateTime.UnixEpoch, 0, 0, minutes) { MinuteBytes = bytes };

    [Fact]
    public void MinutesBelowEitherThreshold_Ignored_AndCounted()
    {
        var use = new UseMinutes(minServerBytes: 1000, minClientBytes: 100);

        var kept = use.Of(Flow([10, 11, 12, 13], [new(500, 9000), new(40, 40), new(60, 5000), new(300, 800)]), out var ignored);

        Assert.Equal([10L], kept.ToArray());
        Assert.Equal(3, ignored);
    }

    [Fact]
    public void SameMinuteListedTwice_BytesAddUp_MinutesComeOutAscending()
    {
        var use = new UseMinutes(minServerBytes: 1000, minClientBytes: 100);

        var kept = use.Of(Flow([12, 10, 12], [new(60, 600), new(500, 9000), new(60, 600)]), out var ignored);

        Assert.Equal([10L, 12L], kept.ToArray());
        Assert.Equal(0, ignored);
    }

    [Fact]
    public void NoBytesReported_DistinctAscendingMinutes()
    {
        var use = new UseMinutes(minServerBytes: 1000, minClientBytes: 100);

        var kept = use.Of(Flow([5, 3, 5, 4], null), out var ignored);

        Assert.Equal([3L, 4L, 5L], kept.ToArray());
        Assert.Equal(0, ignored);
    }
}
