using CoppiceMonitor.Capture;
using CsCheck;
using static CoppiceMonitor.Visits.Tests.TestData;

namespace CoppiceMonitor.Visits.Tests;

/// <summary>Random observation sequences checked against invariants of the sessioniser and the calendar.</summary>
public class VisitPipelinePropertyTests
{
    private static readonly (string Client, MacAddress Mac)[] Devices =
    [
        ("10.10.0.9", RouterMac),   // head's PC (static address): a person
        ("10.10.1.10", AliceMac),   // Alice's laptop by MAC: a person
        ("10.20.1.1", RouterMac),   // pupil subnet: anonymous
        ("10.10.5.5", RouterMac),   // DHCP address that moves from Alice's laptop to Bob's phone
    ];

    private static readonly (string Host, string Server)[] Hosts =
    [
        ("www.instagram.com", "157.240.2.174"),
        ("scontent.cdninstagram.com", "157.240.2.175"),
        ("connect.facebook.net", "157.240.1.35"),
        ("www.facebook.com", "157.240.1.1"),
        ("www.bbc.co.uk", "151.101.0.81"),
        ("static.xx.fbcdn.net", "157.240.1.36"),
    ];

    private static readonly DateTime Base = Utc(2026, 11, 24, 7, 30);

    /// <summary>
    /// (device, host, start second, active minute mask, duration minutes, summary delay seconds, DNS lead seconds:
    /// negative = the hello carries the SNI, otherwise no SNI and a DNS answer that many seconds before).
    /// </summary>
    private static readonly Gen<(int Device, int Host, int StartSecond, ulong Mask, int Duration, int Delay, int DnsLead)> GenConnection =
        Gen.Select(Gen.Int[0, Devices.Length - 1], Gen.Int[0, Hosts.Length - 1], Gen.Int[0, 4 * 3600], Gen.ULong, Gen.Int[0, 20], Gen.Int[0, 240], Gen.Int[-30, 30]);

    /// <summary>Connections, and the second at which the DHCP address moves to Bob's phone.</summary>
    private static readonly Gen<(List<(int Device, int Host, int StartSecond, ulong Mask, int Duration, int Delay, int DnsLead)> Connections, int LeaseMove)> GenScenario =
        Gen.Select(GenConnection.List[1, 40], Gen.Int[0, 4 * 3600]);

    private static List<Observation> Build((List<(int Device, int Host, int StartSecond, ulong Mask, int Duration, int Delay, int DnsLead)> Connections, int LeaseMove) scenario)
    {
        var observations = new List<Observation>
        {
            DhcpAck(Base.AddHours(-1), AliceMac, "10.10.5.5", 86_400),
            DhcpAck(Base.AddSeconds(scenario.LeaseMove), BobMac, "10.10.5.5", 86_400),
        };
        foreach (var (device, host, startSecond, mask, duration, delay, dnsLead) in scenario.Connections)
        {
            var (client, mac) = Devices[device];
            var (name, server) = Hosts[host];
            var start = Base.AddSeconds(startSecond);
            var firstMinute = start.AddTicks(-(start.Ticks % TimeSpan.TicksPerMinute));
            var active = Enumerable.Range(0, duration).Where(i => ((mask >> i) & 1) == 1).Select(i => firstMinute.AddMinutes(i)).ToList();
            var last = active.Count > 0 ? active[^1].AddMinutes(1) : start.AddSeconds(1);
            if (dnsLead >= 0)
            {
                observations.Add(DnsAnswer(start.AddSeconds(-dnsLead), client, name, false, server));
            }

            observations.Add(Hello(start, client, server, dnsLead >= 0 ? null : name, mac));
            // Capture summarises a flow within its idle timeout of the last activity (below FlowSummaryGraceMinutes).
            observations.Add(Summary(last.AddSeconds(delay), client, server, dnsLead >= 0 ? null : name, start, last, active, mac));
        }

        return observations;
    }

    private static string Describe(RecordingSink sink) =>
        string.Join("\n", sink.Visits.Select(v => v.ToString()).Order(StringComparer.Ordinal)) + "\n--\n" +
        string.Join("\n", sink.Anonymous.Select(a => a.ToString()).Order(StringComparer.Ordinal));

    [Fact]
    public void ActiveTime_NeverExceedsWallClockSpan_AndCalendarSplitAddsUp()
    {
        GenScenario.Sample(scenario =>
        {
            var sink = PipelineRunner.Run(Build(scenario));
            foreach (var v in sink.Visits)
            {
                Assert.True(v.ActiveSeconds > 0, v.ToString());
                Assert.True(v.ActiveSeconds <= (v.EndUtc - v.StartUtc).TotalSeconds, v.ToString());
                Assert.Equal(v.ActiveSeconds, v.DirectedSeconds + v.BreakSeconds + v.NonDirectedSeconds + v.OutsideHoursSeconds);
            }

            // Per device and service, visits never overlap in time.
            foreach (var group in sink.Visits.GroupBy(v => (v.DeviceId, v.Service)))
            {
                var ordered = group.OrderBy(v => v.StartUtc).ToList();
                for (var i = 1; i < ordered.Count; i++)
                {
                    Assert.True(ordered[i].StartUtc >= ordered[i - 1].EndUtc, $"{ordered[i - 1]} overlaps {ordered[i]}");
                }
            }
        }, iter: 150, threads: 1);
    }

    [Fact]
    public void PermutingObservationsWithinReorderWindow_DoesNotChangeVisits()
    {
        var gen = Gen.Select(GenScenario, Gen.Int[0, 119].Array[200]);
        gen.Sample((scenario, jitter) =>
        {
            var inOrder = Build(scenario).OrderBy(o => o.TimestampUtc).ToList();
            // Arrival order: each observation delayed by up to 119 s, so none is more than the 2-minute window late.
            var arrival = inOrder.Select((o, i) => (o, at: o.TimestampUtc.AddSeconds(jitter[i % jitter.Length])))
                .OrderBy(p => p.at).Select(p => p.o).ToList();

            var expected = PipelineRunner.Run(inOrder, sortByTime: false);
            var actual = PipelineRunner.Run(arrival, sortByTime: false);

            Assert.Equal(Describe(expected), Describe(actual));
        }, iter: 150, threads: 1);
    }

    [Fact]
    public void CalendarSplit_NeverLosesOrInventsSeconds()
    {
        var calendar = SchoolCalendar.Create(DefaultSchool(s =>
        {
            s.Terms.Add("2027-03-01..2027-04-02");
            s.Timetable.Sunday = new DayTimetableOptions { NonDirected = ["00:30-03:00"] };
        }));
        var start = Utc(2026, 9, 1, 0, 0);
        var gen = Gen.Select(Gen.Long[0, 240L * 86_400 * TimeSpan.TicksPerSecond], Gen.Long[0, 3L * 86_400 * TimeSpan.TicksPerSecond], Gen.Double[0, 1]);
        gen.Sample((offset, length, cut) =>
        {
            var a = start.AddTicks(offset);
            var b = a.AddTicks(length);
            var m = a.AddTicks((long)(length * cut));

            var whole = calendar.Split(a, b);

            Assert.Equal(b - a, whole.Total);
            Assert.Equal(whole, calendar.Split(a, m) + calendar.Split(m, b));
            if (b > a)
            {
                // The bucket of the first instant received time.
                var first = calendar.Split(a, a.AddTicks(1));
                Assert.Equal(TimeSpan.FromTicks(1), first.Total);
                Assert.Equal(calendar.Classify(a), first.Directed > TimeSpan.Zero ? TimeBucket.Directed
                    : first.Break > TimeSpan.Zero ? TimeBucket.Break
                    : first.NonDirected > TimeSpan.Zero ? TimeBucket.NonDirected : TimeBucket.OutsideHours);
            }
        }, iter: 200, threads: 1);
    }
}
