using System.Net;
using CoppiceMonitor.Capture;
using CoppiceMonitor.Service.Pipeline;
using CoppiceMonitor.Visits;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace CoppiceMonitor.Service.Tests.Pipeline;

public sealed class SchoolRouterTests
{
    private static readonly MacAddress AliceMac = new(0x0200_0000_00a1);
    private static readonly MacAddress SamMac = new(0x0200_0000_00c3);
    private static readonly MacAddress RouterMac = new(0x0200_0000_0001);

    // Two schools on one sensor: North (staff 10.10/16, VLAN 10) and South (staff 10.40/16, VLAN 40).
    private static readonly SchoolNetworkOptions North = new() { Id = "north", StaffSubnets = ["10.10.0.0/16"], Vlans = [10], PupilSubnets = ["10.20.0.0/16"] };
    private static readonly SchoolNetworkOptions South = new() { Id = "south", StaffSubnets = ["10.40.0.0/16"], Vlans = [40], PupilSubnets = ["10.50.0.0/16"] };

    [Fact]
    public void Route_OneSchool_EverythingIsThatSchools()
    {
        var router = new SchoolRouter([new SchoolNetworkOptions { Id = "only" }]);
        Assert.Equal(0, router.Route(Hello(DateTime.UnixEpoch, "192.0.2.7", 0, null)));
    }

    [Fact]
    public void Route_SeveralSchools_ByVlanThenSubnetThenLeasedAddress()
    {
        var router = new SchoolRouter([North, South]);
        Assert.Equal(1, router.Route(Hello(DateTime.UnixEpoch, "10.10.1.1", 40, null)));  // the VLAN wins over the address
        Assert.Equal(0, router.Route(Hello(DateTime.UnixEpoch, "10.10.1.1", 0, null)));
        Assert.Equal(1, router.Route(Hello(DateTime.UnixEpoch, "10.50.3.3", 99, null)));  // an unclaimed VLAN falls back to the subnet
        Assert.Equal(1, router.Route(Hello(DateTime.UnixEpoch, "::ffff:10.40.0.9", 0, null)));
        var ack = new Observation(DateTime.UnixEpoch, ObservationKind.DhcpLease, IPAddress.Any, SamMac, IPAddress.Parse("10.40.0.1"), 67,
            TransportProtocol.Udp, 0, null, new DhcpDetail(DhcpMessageType.Ack, null, IPAddress.Parse("10.40.7.7"), 3600));
        Assert.Equal(1, router.Route(ack));
        Assert.Equal(-1, router.Route(Hello(DateTime.UnixEpoch, "172.16.0.1", 0, null)));
    }

    [Fact]
    public void CheckAll_SeveralSchools_NeedNetworksThatDoNotOverlap()
    {
        Assert.Empty(SchoolNetworkOptions.CheckAll([North, South]));
        Assert.Empty(SchoolNetworkOptions.CheckAll([new SchoolNetworkOptions { Id = "only" }]));

        var errors = SchoolNetworkOptions.CheckAll([North, new SchoolNetworkOptions { Id = "empty" }]);
        Assert.Contains(errors, e => e.StartsWith("Schools:1:", StringComparison.Ordinal) && e.Contains("StaffSubnets or Vlans", StringComparison.Ordinal));

        errors = SchoolNetworkOptions.CheckAll([North, new SchoolNetworkOptions { Id = "nested", StaffSubnets = ["10.10.5.0/24"], Vlans = [10] }]);
        Assert.Contains(errors, e => e.Contains("overlaps Schools:0", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Schools:1:Vlans:0", StringComparison.Ordinal));

        errors = SchoolNetworkOptions.CheckAll([new SchoolNetworkOptions { Id = "bad", StaffSubnets = ["10.10.0.0/33"], Vlans = [5000] }]);
        Assert.Contains(errors, e => e.StartsWith("Schools:0:StaffSubnets:0", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Schools:0:Vlans:0", StringComparison.Ordinal));
    }

    [Fact]
    public async Task VisitStage_TwoSchools_EachVisitUsesItsSchoolsRegistryAndCalendar()
    {
        // 10:35 London time (BST on 14 October) is a break at North, and a lesson at South, whose timetable differs.
        var north = School("north", "08:50-10:30", "10:30-10:50");
        var south = School("south", "08:50-11:30", "11:30-11:50");
        var at = new DateTime(2026, 10, 14, 9, 35, 0, DateTimeKind.Utc);
        var channel = new ObservationChannel(1024);
        var output = new RecordingOutput();
        var catalog = ServiceCatalog.LoadDefault();
        var stage = new VisitStage(channel,
            sink =>
            [
                new VisitPipeline(SchoolCalendar.Create(north), catalog, Registry("s-alice", "d-alice", AliceMac), sink),
                new VisitPipeline(SchoolCalendar.Create(south), catalog, Registry("s-sam", "d-sam", SamMac), sink),
            ],
            new SchoolRouter([North, South]), output, new FakeTimeProvider(at), TimeSpan.FromSeconds(10), live: false, NullLogger.Instance);

        var observations = Connection(at, "10.10.1.10", AliceMac, 10)
            .Concat(Connection(at, "10.40.1.10", SamMac, 40))
            .Append(Hello(at, "172.16.0.1", 0, "www.instagram.com"))
            .OrderBy(o => o.TimestampUtc);
        foreach (var o in observations)
        {
            await channel.WriteAsync(o, CancellationToken.None);
        }

        channel.Complete();
        await stage.RunAsync(CancellationToken.None);

        var alice = Assert.Single(output.Visits, v => v.StaffId == "s-alice");
        Assert.Equal("north", alice.SchoolId);
        Assert.True(alice.BreakSeconds > 0);
        Assert.Equal(0, alice.DirectedSeconds);
        var sam = Assert.Single(output.Visits, v => v.StaffId == "s-sam");
        Assert.Equal("south", sam.SchoolId);
        Assert.True(sam.DirectedSeconds > 0);
        Assert.Equal(0, sam.BreakSeconds);

        Assert.Equal(1, stage.Unrouted);
        Assert.Equal(2, output.Observations.Count(o => o.SchoolId == "north"));
        Assert.Equal(2, output.Observations.Count(o => o.SchoolId == "south"));
    }

    private static SchoolOptions School(string id, string directed, string breaks) => new()
    {
        Id = id,
        TimeZone = "Europe/London",
        Timetable = new TimetableOptions { Directed = [directed], Breaks = [breaks], NonDirected = ["08:00-08:50"] },
        Terms = ["2026-09-02..2026-10-23"],
    };

    private static DeviceRegistry Registry(string staffId, string deviceId, MacAddress mac) => new(
        [new StaffRecord(staffId, staffId, staffId + "@example.sch.uk", null, StaffRoles.None)],
        [new DeviceRecord(deviceId, staffId, mac, null, null, DeviceKind.Staff, [])]);

    private static Observation Hello(DateTime at, string client, ushort vlan, string? sni, MacAddress? mac = null) =>
        new(at, ObservationKind.TlsClientHello, IPAddress.Parse(client), mac ?? RouterMac, IPAddress.Parse("157.240.2.174"), 443,
            TransportProtocol.Tcp, vlan, sni, new ClientHelloDetail("h2", false, 0x0304));

    /// <summary>An Instagram connection active for five minutes: its ClientHello and its flow summary.</summary>
    private static IEnumerable<Observation> Connection(DateTime at, string client, MacAddress mac, ushort vlan)
    {
        yield return Hello(at, client, vlan, "www.instagram.com", mac);
        var minutes = Enumerable.Range(0, 5).Select(i => (long)(at.AddMinutes(i) - DateTime.UnixEpoch).TotalMinutes).ToList();
        yield return new Observation(at.AddMinutes(6), ObservationKind.FlowSummary, IPAddress.Parse(client), mac, IPAddress.Parse("157.240.2.174"), 443,
            TransportProtocol.Tcp, vlan, "www.instagram.com", new FlowDetail(at, at.AddMinutes(5), 1000, 100_000, minutes));
    }

    private sealed class RecordingOutput : IPipelineOutput
    {
        public List<Visit> Visits { get; } = [];

        public List<(string SchoolId, Observation Observation)> Observations { get; } = [];

        public ValueTask WriteObservationAsync(string schoolId, Observation observation, bool wait, CancellationToken cancellationToken)
        {
            Observations.Add((schoolId, observation));
            return ValueTask.CompletedTask;
        }

        public ValueTask WriteVisitAsync(Visit visit, CancellationToken cancellationToken)
        {
            Visits.Add(visit);
            return ValueTask.CompletedTask;
        }

        public ValueTask WriteAnonymousUsageAsync(AnonymousUsage usage, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
