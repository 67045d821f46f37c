using static CoppiceMonitor.Visits.Tests.TestData;

namespace CoppiceMonitor.Visits.Tests.Parts;

public class ReorderBufferTests
{
    private static readonly DateTime At = Utc(2026, 11, 24, 9, 0);

    [Fact]
    public void TakeUpTo_ReleasesOnlyObservationsAtOrBeforeTheWatermark_InTimeOrder()
    {
        var buffer = new ReorderBuffer();
        buffer.Add(Hello(At.AddSeconds(30), "10.10.1.10", "1.1.1.3", "c.example"));
        buffer.Add(Hello(At, "10.10.1.10", "1.1.1.1", "a.example"));
        buffer.Add(Hello(At.AddSeconds(10), "10.10.1.10", "1.1.1.2", "b.example"));

        var released = new List<string?>();
        while (buffer.TryTakeUpTo(At.AddSeconds(10), out var o))
        {
            released.Add(o.Name);
        }

        Assert.Equal(["a.example", "b.example"], released);
        Assert.Equal(1, buffer.Count);
        Assert.True(buffer.TryTake(out var last));
        Assert.Equal("c.example", last.Name);
        Assert.False(buffer.TryTake(out _));
    }

    [Fact]
    public void SameInstant_DnsAnswerBeforeTheConnectionItNames_WhateverTheArrivalOrder()
    {
        var buffer = new ReorderBuffer();
        buffer.Add(Hello(At, "10.10.1.10", "1.1.1.1", null));
        buffer.Add(DnsAnswer(At, "10.10.1.10", "www.facebook.com", false, "1.1.1.1"));

        Assert.True(buffer.TryTake(out var first));
        Assert.Equal(Capture.ObservationKind.DnsAnswer, first.Kind);
    }

    [Fact]
    public void ManyObservations_SlotsAreReused_AndOrderMatchesObservationOrder()
    {
        var buffer = new ReorderBuffer();
        var random = new Random(7);
        var all = Enumerable.Range(0, 2000)
            .Select(i => Hello(At.AddSeconds(random.Next(0, 50)), "10.10.1.10", $"1.1.{i / 250}.{i % 250}", $"h{i}.example"))
            .ToList();
        var released = new List<Capture.Observation>();
        foreach (var o in all)
        {
            buffer.Add(o);
            if (buffer.Count > 100 && buffer.TryTake(out var early))
            {
                released.Add(early);
            }
        }

        while (buffer.TryTake(out var o))
        {
            released.Add(o);
        }

        Assert.Equal(all.Count, released.Count);
        Assert.Equal(all.Select(o => o.Name).Order(), released.Select(o => o.Name).Order());
    }
}
