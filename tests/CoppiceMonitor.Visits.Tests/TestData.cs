using System.Net;
using CoppiceMonitor.Capture;

namespace CoppiceMonitor.Visits.Tests;

/// <summary>Hand-written observations and the contract's default school, shared by the scenario tests.</summary>
internal static class TestData
{
    public static readonly MacAddress RouterMac = new(0x0200_0000_0001);
    public static readonly MacAddress AliceMac = new(0x0200_0000_00a1);
    public static readonly MacAddress BobMac = new(0x0200_0000_00b2);
    public static readonly MacAddress PupilMac = new(0x0200_0000_0020);

    private static readonly Lazy<ServiceCatalog> SharedCatalog = new(() => ServiceCatalog.LoadDefault());

    public static ServiceCatalog Catalog => SharedCatalog.Value;

    public static SchoolOptions DefaultSchool(Action<SchoolOptions>? change = null)
    {
        var school = new SchoolOptions
        {
            Id = "coppice-primary",
            TimeZone = "Europe/London",
            Timetable = new TimetableOptions
            {
                Directed = ["08:50-10:30", "10:50-12:15", "13:15-15:20"],
                Breaks = ["10:30-10:50", "12:15-13:15"],
                NonDirected = ["08:00-08:50", "15:20-17:30"],
            },
            Terms = ["2026-09-02..2026-10-23", "2026-11-02..2026-12-18", "2027-01-05..2027-02-12"],
            Closures = ["2026-11-27..2026-11-27"],
            ExcessiveMinutesPerDay = 60,
            PupilSubnets = ["10.20.0.0/16"],
            GuestSubnets = ["10.30.0.0/16"],
        };
        change?.Invoke(school);
        return school;
    }

    public static DeviceRegistry Registry(params DeviceRecord[] extra) => new(
        [
            new StaffRecord("s-alice", "Alice Able", "alice@coppice.sch.uk", "s-head", StaffRoles.None),
            new StaffRecord("s-bob", "Bob Baker", "bob@coppice.sch.uk", "s-head", StaffRoles.None),
            new StaffRecord("s-head", "Hana Head", "head@coppice.sch.uk", null, StaffRoles.Headteacher | StaffRoles.LineManager),
        ],
        [
            new DeviceRecord("d-alice-laptop", "s-alice", AliceMac, "alice-laptop", null, DeviceKind.Staff, []),
            new DeviceRecord("d-bob-phone", "s-bob", BobMac, "bob-phone", null, DeviceKind.Staff, []),
            new DeviceRecord("d-head-pc", "s-head", null, "head-pc", IPAddress.Parse("10.10.0.9"), DeviceKind.Staff, ["Facebook", "X/Twitter"]),
            new DeviceRecord("d-pupil-tablet", null, PupilMac, "tablet-07", null, DeviceKind.Pupil, []),
            .. extra,
        ]);

    public static DateTime Utc(int year, int month, int day, int hour, int minute, int second = 0) =>
        new(year, month, day, hour, minute, second, DateTimeKind.Utc);

    public static Observation Hello(DateTime at, string client, string server, string? sni, MacAddress? mac = null, bool ech = false,
        ushort port = 443, ObservationKind kind = ObservationKind.TlsClientHello) =>
        new(at, kind, IPAddress.Parse(client), mac ?? RouterMac, IPAddress.Parse(server), port,
            kind == ObservationKind.QuicInitial ? TransportProtocol.Udp : TransportProtocol.Tcp, 10, sni,
            new ClientHelloDetail("h2", ech, 0x0304));

    public static Observation Summary(DateTime at, string client, string server, string? name, DateTime firstSeen, DateTime lastSeen,
        IEnumerable<DateTime> activeMinutes, MacAddress? mac = null, ushort port = 443) =>
        new(at, ObservationKind.FlowSummary, IPAddress.Parse(client), mac ?? RouterMac, IPAddress.Parse(server), port,
            TransportProtocol.Tcp, 10, name,
            new FlowDetail(firstSeen, lastSeen, 1000, 100_000,
                [.. activeMinutes.Select(m => (long)(m - DateTime.UnixEpoch).TotalMinutes)]));

    public static Observation DnsAnswer(DateTime at, string client, string name, bool hasEch, params string[] addresses) =>
        new(at, ObservationKind.DnsAnswer, IPAddress.Parse(client), RouterMac, IPAddress.Parse("10.10.0.1"), 53,
            TransportProtocol.Udp, 10, name, new DnsAnswerDetail([.. addresses.Select(IPAddress.Parse)], [], hasEch));

    public static Observation DhcpAck(DateTime at, MacAddress mac, string assigned, uint leaseSeconds) =>
        new(at, ObservationKind.DhcpLease, IPAddress.Parse(assigned), mac, IPAddress.Parse("10.10.0.1"), 67,
            TransportProtocol.Udp, 10, null, new DhcpDetail(DhcpMessageType.Ack, null, IPAddress.Parse(assigned), leaseSeconds));

    public static IEnumerable<DateTime> Minutes(DateTime from, int count, int step = 1) =>
        Enumerable.Range(0, count).Where(i => i % step == 0).Select(i => from.AddMinutes(i));

    /// <summary>A connection: its ClientHello at <paramref name="start"/> and its FlowSummary after the last active minute.</summary>
    public static IEnumerable<Observation> Connection(string client, string server, string sni, DateTime start, IReadOnlyList<DateTime> active,
        MacAddress? mac = null, ushort port = 443)
    {
        yield return Hello(start, client, server, sni, mac, port: port);
        var last = active.Count > 0 ? active.Max().AddMinutes(1) : start.AddSeconds(5);
        yield return Summary(last.AddSeconds(90), client, server, sni, start, last, active, mac, port);
    }
}

/// <summary>Collects what the pipeline emits.</summary>
internal sealed class RecordingSink : IVisitSink
{
    public List<Visit> Visits { get; } = [];

    public List<AnonymousUsage> Anonymous { get; } = [];

    public void WriteVisit(Visit visit) => Visits.Add(visit);

    public void WriteAnonymousUsage(AnonymousUsage usage) => Anonymous.Add(usage);
}

internal static class PipelineRunner
{
    public static RecordingSink Run(IEnumerable<Observation> observations, DeviceRegistry? registry = null, SchoolOptions? school = null,
        VisitsOptions? options = null, bool sortByTime = true)
    {
        var sink = new RecordingSink();
        var pipeline = new VisitPipeline(SchoolCalendar.Create(school ?? TestData.DefaultSchool()), TestData.Catalog,
            registry ?? TestData.Registry(), sink, options);
        var list = sortByTime ? observations.OrderBy(o => o.TimestampUtc).ToList() : observations.ToList();
        foreach (var o in list)
        {
            pipeline.Add(o);
        }

        pipeline.Complete();
        return sink;
    }
}
