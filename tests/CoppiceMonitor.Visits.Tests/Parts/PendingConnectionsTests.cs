using System.Net;
using CoppiceMonitor.Capture;

namespace CoppiceMonitor.Visits.Tests.Parts;

public class PendingConnectionsTests
{
    private static readonly DateTime At = new(2026, 11, 24, 9, 0, 0, DateTimeKind.Utc);
    private static readonly ConnectionKey Key = new(IPAddress.Parse("10.10.1.10"), IPAddress.Parse("157.240.1.1"), 443, TransportProtocol.Tcp);
    private static readonly DeviceAttribution Who = new("mac:02:00:00:00:00:a1", null, DeviceKind.Staff, "s-alice");

    private static PendingConnection Opened(DateTime at, string? name) =>
        new(at, name, TestData.Catalog.Classify(name ?? "www.facebook.com"), Who);

    [Fact]
    public void Take_PicksTheConnectionWhoseHelloIsNearestTheFlowsFirstPacket()
    {
        var pending = new PendingConnections();
        pending.Add(Key, Opened(At, "www.facebook.com"));
        pending.Add(Key, Opened(At.AddMinutes(3), "www.facebook.com"));

        Assert.Equal(At.AddMinutes(3), pending.Take(Key, "www.facebook.com", At.AddMinutes(3).AddSeconds(-1))!.HelloUtc);
        Assert.Equal(At, pending.Take(Key, "www.facebook.com", At.AddMinutes(3))!.HelloUtc);
        Assert.Null(pending.Take(Key, "www.facebook.com", At));
        Assert.Equal(0, pending.Count);
    }

    [Fact]
    public void Take_ANamedFlowNeverTakesAConnectionOpenedWithAnotherName()
    {
        var pending = new PendingConnections();
        pending.Add(Key, Opened(At, "www.instagram.com"));

        Assert.Null(pending.Take(Key, "www.facebook.com", At));
        Assert.NotNull(pending.Take(Key, null, At));
    }

    [Fact]
    public void ExpireBefore_DropsOnlyOlderConnections()
    {
        var pending = new PendingConnections();
        pending.Add(Key, Opened(At, "www.facebook.com"));
        pending.Add(Key, Opened(At.AddHours(2), "www.facebook.com"));

        pending.ExpireBefore(At.AddHours(1));

        Assert.Equal(At.AddHours(2), pending.Take(Key, null, At)!.HelloUtc);
        Assert.Equal(0, pending.Count);
    }
}
