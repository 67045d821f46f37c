using static CoppiceMonitor.Visits.Tests.TestData;

namespace CoppiceMonitor.Visits.Tests;

public class VisitPipelineTests
{
    // The head's PC has a static address in the registry; Alice's laptop is found by its MAC on the segment.
    private const string HeadPc = "10.10.0.9";
    private const string AliceIp = "10.10.1.10";

    private static readonly DateTime Tuesday = Utc(2026, 11, 24, 0, 0);

    [Fact]
    public void NewsPageWithFacebookAndXEmbeds_NoSocialMediaVisit()
    {
        var at = Tuesday.AddHours(9);
        var reading = Minutes(at, 8).ToList();
        var observations = new List<Capture.Observation>();
        observations.AddRange(Connection(AliceIp, "151.101.0.81", "www.bbc.co.uk", at, reading, AliceMac));
        observations.AddRange(Connection(AliceIp, "151.101.0.82", "static.files.bbci.co.uk", at.AddSeconds(1), reading, AliceMac));
        observations.AddRange(Connection(AliceIp, "157.240.1.35", "connect.facebook.net", at.AddSeconds(2), reading.Take(2).ToList(), AliceMac));
        observations.AddRange(Connection(AliceIp, "157.240.1.36", "static.xx.fbcdn.net", at.AddSeconds(2), reading.Take(2).ToList(), AliceMac));
        observations.AddRange(Connection(AliceIp, "104.244.42.1", "platform.twitter.com", at.AddSeconds(3), reading.Take(3).ToList(), AliceMac));
        observations.AddRange(Connection(AliceIp, "104.244.42.2", "syndication.twitter.com", at.AddSeconds(3), reading.Take(3).ToList(), AliceMac));
        observations.AddRange(Connection(AliceIp, "104.244.42.3", "pbs.twimg.com", at.AddSeconds(4), reading.Take(3).ToList(), AliceMac));

        var sink = PipelineRunner.Run(observations);

        Assert.DoesNotContain(sink.Visits, v => v.Category is ServiceCategories.SocialMedia or ServiceCategories.Video);
        // bbci.co.uk is catalogued as the BBC's asset host (a CDN): it never opens a visit of its own.
        Assert.Equal(["bbc.co.uk"], sink.Visits.Select(v => v.Service));
        Assert.All(sink.Visits, v => Assert.Equal(8 * 60, v.ActiveSeconds));
    }

    [Fact]
    public void InstagramScrolling30MinutesOver3LongLivedConnections_About30Minutes()
    {
        var at = Tuesday.AddHours(13).AddMinutes(30);
        var observations = new List<Capture.Observation>();
        observations.AddRange(Connection(AliceIp, "157.240.2.174", "www.instagram.com", at, Minutes(at, 30, step: 3).ToList(), AliceMac));
        observations.AddRange(Connection(AliceIp, "157.240.2.175", "scontent-lhr8-1.cdninstagram.com", at.AddSeconds(2), Minutes(at, 30).ToList(), AliceMac));
        observations.AddRange(Connection(AliceIp, "157.240.2.176", "i.instagram.com", at.AddSeconds(3), Minutes(at, 30, step: 2).ToList(), AliceMac));

        var sink = PipelineRunner.Run(observations);

        var visit = Assert.Single(sink.Visits);
        Assert.Equal("Instagram", visit.Service);
        Assert.Equal("instagram.com", visit.SiteName);
        Assert.Equal("s-alice", visit.StaffId);
        Assert.Equal("d-alice-laptop", visit.DeviceId);
        Assert.Equal(30 * 60, visit.ActiveSeconds);
        Assert.Equal(30 * 60, visit.DirectedSeconds);
        Assert.Equal(at, visit.StartUtc);
        Assert.Equal(at.AddMinutes(30), visit.EndUtc);
        Assert.Equal(6, visit.EvidenceCount);
        Assert.False(visit.IsWorkUse);
    }

    [Fact]
    public void VisitAcrossEndOfMorningBreak_SplitsBreakAndDirected()
    {
        var at = Tuesday.AddHours(10).AddMinutes(40);

        var sink = PipelineRunner.Run(Connection(AliceIp, "157.240.1.1", "www.facebook.com", at, Minutes(at, 20).ToList(), AliceMac));

        var visit = Assert.Single(sink.Visits);
        Assert.Equal(1200, visit.ActiveSeconds);
        Assert.Equal(600, visit.BreakSeconds);
        Assert.Equal(600, visit.DirectedSeconds);
        Assert.Equal(0, visit.NonDirectedSeconds + visit.OutsideHoursSeconds);
    }

    [Theory]
    [InlineData(2026, 10, 25)]
    [InlineData(2027, 3, 28)]
    public void VisitAcrossTheClockChangeOnLastSundayOfMarchAndOctober_RealElapsedMinutesOutsideHours(int year, int month, int day)
    {
        // 00:40-01:20 UTC covers the moment the clocks change (01:00 UTC) in both months.
        var at = Utc(year, month, day, 0, 40);

        var sink = PipelineRunner.Run(Connection(AliceIp, "157.240.1.1", "www.facebook.com", at, Minutes(at, 40).ToList(), AliceMac));

        var visit = Assert.Single(sink.Visits);
        Assert.Equal(40 * 60, visit.ActiveSeconds);
        Assert.Equal(40 * 60, visit.OutsideHoursSeconds);
        Assert.Equal(TimeSpan.FromMinutes(40), visit.EndUtc - visit.StartUtc);
    }

    [Fact]
    public void DhcpLeaseMovesAddressToAnotherDeviceMidDay_EachVisitToTheHolderAtTheTime()
    {
        // Capture behind the router: every frame carries the router's MAC, so only the leases tell devices apart.
        const string shared = "10.10.5.5";
        var observations = new List<Capture.Observation>
        {
            DhcpAck(Tuesday.AddHours(8), AliceMac, shared, 86_400),
            DhcpAck(Tuesday.AddHours(12), BobMac, shared, 86_400),
        };
        var morning = Tuesday.AddHours(9);
        observations.AddRange(Connection(shared, "157.240.1.1", "www.facebook.com", morning, Minutes(morning, 10).ToList()));
        // Starts before the move, summarised after it: still Alice's.
        var beforeNoon = Tuesday.AddHours(11).AddMinutes(50);
        observations.AddRange(Connection(shared, "157.240.2.174", "www.instagram.com", beforeNoon, Minutes(beforeNoon, 8).ToList()));
        var afternoon = Tuesday.AddHours(13);
        observations.AddRange(Connection(shared, "157.240.1.1", "www.facebook.com", afternoon, Minutes(afternoon, 10).ToList()));

        var sink = PipelineRunner.Run(observations);

        Assert.Equal(3, sink.Visits.Count);
        var byStart = sink.Visits.OrderBy(v => v.StartUtc).ToList();
        Assert.Equal(("s-alice", "Facebook"), (byStart[0].StaffId, byStart[0].Service));
        Assert.Equal(("s-alice", "Instagram"), (byStart[1].StaffId, byStart[1].Service));
        Assert.Equal(("s-bob", "Facebook"), (byStart[2].StaffId, byStart[2].Service));
        Assert.Equal("d-bob-phone", byStart[2].DeviceId);
    }

    [Fact]
    public void PupilDevices_AnonymousTotalsOnly()
    {
        var at = Tuesday.AddHours(12).AddMinutes(20);
        var observations = new List<Capture.Observation>();
        // A registered pupil tablet on the staff network, two devices on the pupil subnet, one unknown staff-VLAN device.
        observations.AddRange(Connection("10.10.7.7", "157.240.2.174", "www.instagram.com", at, Minutes(at, 10).ToList(), PupilMac));
        observations.AddRange(Connection("10.20.3.4", "157.240.2.174", "www.instagram.com", at, Minutes(at, 5).ToList(), AliceMac));
        observations.AddRange(Connection("10.20.3.5", "157.240.2.174", "www.instagram.com", at, Minutes(at, 5).ToList()));
        observations.AddRange(Connection("10.10.99.1", "142.250.1.1", "www.youtube.com", at, Minutes(at, 3).ToList()));
        observations.AddRange(Connection("10.30.0.8", "142.250.1.1", "www.youtube.com", at, Minutes(at, 4).ToList()));

        var sink = PipelineRunner.Run(observations);

        Assert.Empty(sink.Visits);
        var rows = sink.Anonymous.OrderBy(a => a.Service, StringComparer.Ordinal).ThenBy(a => a.Kind).ToList();
        Assert.Equal(3, rows.Count);
        Assert.Equal(new AnonymousUsage("coppice-primary", new DateOnly(2026, 11, 24), "Instagram", "SocialMedia", DeviceKind.Pupil, 20 * 60, 3), rows[0]);
        Assert.Equal(new AnonymousUsage("coppice-primary", new DateOnly(2026, 11, 24), "YouTube", "Video", null, 3 * 60, 1), rows[1]);
        Assert.Equal(new AnonymousUsage("coppice-primary", new DateOnly(2026, 11, 24), "YouTube", "Video", DeviceKind.Guest, 4 * 60, 1), rows[2]);
    }

    [Fact]
    public void SpecialCategorySite_KeepsNoName()
    {
        var at = Tuesday.AddHours(16);
        var observations = new List<Capture.Observation>();
        observations.AddRange(Connection(AliceIp, "185.1.1.1", "www.labour.org.uk", at, Minutes(at, 6).ToList(), AliceMac));
        observations.AddRange(Connection(AliceIp, "185.1.1.2", "donate.libdems.org.uk", at.AddMinutes(2), Minutes(at.AddMinutes(2), 6).ToList(), AliceMac));
        observations.AddRange(Connection("10.20.1.1", "185.1.1.3", "www.mind.org.uk", at, Minutes(at, 4).ToList()));

        var sink = PipelineRunner.Run(observations);

        var visit = Assert.Single(sink.Visits);
        Assert.Equal("Politics", visit.Service);
        Assert.Equal("Politics", visit.Category);
        Assert.Null(visit.SiteName);
        Assert.Equal(8 * 60, visit.ActiveSeconds);
        Assert.Equal(8 * 60, visit.NonDirectedSeconds);
        var anonymous = Assert.Single(sink.Anonymous);
        Assert.Equal("Health", anonymous.Service);
        var text = string.Join("|", sink.Visits.Select(v => v.ToString())) + string.Join("|", sink.Anonymous.Select(a => a.ToString()));
        Assert.DoesNotContain("labour", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("libdems", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("mind.org", text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void MissingSniAndEchOuterName_NamedFromTheClientsDnsAnswers()
    {
        var at = Tuesday.AddHours(15).AddMinutes(30);
        var observations = new List<Capture.Observation>
        {
            DnsAnswer(at.AddMinutes(-3), HeadPc, "www.tiktok.com", false, "23.1.1.1"),
            DnsAnswer(at.AddMinutes(-1), HeadPc, "www.reddit.com", true, "104.16.1.1"),
            // Another client's lookup must not name the head's connection.
            DnsAnswer(at.AddMinutes(-1), "10.10.0.50", "www.pinterest.com", false, "104.16.9.9"),
            Hello(at, HeadPc, "23.1.1.1", null),
            Hello(at, HeadPc, "104.16.1.1", "cloudflare-ech.com", ech: true),
            Hello(at, HeadPc, "104.16.9.9", "cloudflare-ech.com", ech: true),
        };
        observations.Add(Summary(at.AddMinutes(7), HeadPc, "23.1.1.1", null, at, at.AddMinutes(5), Minutes(at, 5)));
        observations.Add(Summary(at.AddMinutes(7), HeadPc, "104.16.1.1", "cloudflare-ech.com", at, at.AddMinutes(4), Minutes(at, 4)));
        observations.Add(Summary(at.AddMinutes(7), HeadPc, "104.16.9.9", "cloudflare-ech.com", at, at.AddMinutes(2), Minutes(at, 2)));

        var sink = PipelineRunner.Run(observations);

        var services = sink.Visits.ToDictionary(v => v.Service, v => v.ActiveSeconds);
        Assert.Equal(300, services["TikTok"]);
        Assert.Equal(240, services["Reddit"]);
        Assert.Equal(120, services["Encrypted Client Hello"]);
        Assert.Equal(ServiceCategories.Hidden, sink.Visits.Single(v => v.Service == "Encrypted Client Hello").Category);
        Assert.Equal(3, sink.Visits.Count);
    }

    [Fact]
    public void EchWithUnknownOuterName_NamedFromDnsUnlessTheClientLookedTheSniUp()
    {
        var at = Tuesday.AddHours(15).AddMinutes(30);
        var observations = new List<Capture.Observation>
        {
            DnsAnswer(at.AddMinutes(-2), HeadPc, "www.reddit.com", true, "104.16.1.1"),
            // Unknown provider's outer name, never looked up by the client: the DNS answer (with ECH keys) names it.
            Hello(at, HeadPc, "104.16.1.1", "public.ech-provider.example", ech: true),
            Summary(at.AddMinutes(6), HeadPc, "104.16.1.1", "public.ech-provider.example", at, at.AddMinutes(3), Minutes(at, 3)),
            // A GREASE ECH extension beside a real SNI the client resolved itself, on the same shared CDN address.
            DnsAnswer(at.AddMinutes(4), HeadPc, "www.bbc.co.uk", false, "151.101.0.81"),
            Hello(at.AddMinutes(5), HeadPc, "104.16.1.1", "www.bbc.co.uk", ech: true),
            Summary(at.AddMinutes(9), HeadPc, "104.16.1.1", "www.bbc.co.uk", at.AddMinutes(5), at.AddMinutes(7), Minutes(at.AddMinutes(5), 2)),
        };

        var sink = PipelineRunner.Run(observations);

        Assert.Equal(["Reddit", "bbc.co.uk"], sink.Visits.Select(v => v.Service).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void DnsAnswerOlderThanTheWindow_NotUsed()
    {
        var at = Tuesday.AddHours(15);
        var observations = new List<Capture.Observation>
        {
            DnsAnswer(at.AddMinutes(-11), HeadPc, "www.tiktok.com", false, "23.1.1.1"),
            Hello(at, HeadPc, "23.1.1.1", null),
            Summary(at.AddMinutes(7), HeadPc, "23.1.1.1", null, at, at.AddMinutes(5), Minutes(at, 5)),
        };

        var sink = PipelineRunner.Run(observations);

        Assert.Empty(sink.Visits);
    }

    [Fact]
    public void AuthorisedServiceOnDevice_IsWorkUse()
    {
        var at = Tuesday.AddHours(14);
        var observations = new List<Capture.Observation>();
        observations.AddRange(Connection(HeadPc, "157.240.1.1", "www.facebook.com", at, Minutes(at, 5).ToList()));
        observations.AddRange(Connection(HeadPc, "157.240.2.174", "www.instagram.com", at, Minutes(at, 5).ToList()));

        var sink = PipelineRunner.Run(observations);

        Assert.True(sink.Visits.Single(v => v.Service == "Facebook").IsWorkUse);
        Assert.False(sink.Visits.Single(v => v.Service == "Instagram").IsWorkUse);
        Assert.All(sink.Visits, v => Assert.Equal("s-head", v.StaffId));
    }

    [Fact]
    public void GapLongerThanIdleGap_TwoVisits_ShorterGap_OneVisit()
    {
        var at = Tuesday.AddHours(17).AddMinutes(40);
        var observations = new List<Capture.Observation>();
        observations.AddRange(Connection(AliceIp, "157.240.1.1", "www.facebook.com", at, Minutes(at, 5).ToList(), AliceMac));
        observations.AddRange(Connection(AliceIp, "157.240.1.1", "www.facebook.com", at.AddMinutes(8), Minutes(at.AddMinutes(8), 2).ToList(), AliceMac));
        observations.AddRange(Connection(AliceIp, "157.240.1.1", "www.facebook.com", at.AddMinutes(30), Minutes(at.AddMinutes(30), 3).ToList(), AliceMac));

        var sink = PipelineRunner.Run(observations);

        Assert.Equal([7 * 60, 3 * 60], sink.Visits.OrderBy(v => v.StartUtc).Select(v => v.ActiveSeconds));
        Assert.All(sink.Visits, v => Assert.Equal(v.ActiveSeconds, v.OutsideHoursSeconds));
    }

    [Fact]
    public void IdleLongLivedConnection_AddsNoTime()
    {
        var at = Tuesday.AddHours(9);
        var observations = new List<Capture.Observation>
        {
            Hello(at, AliceIp, "157.240.1.1", "www.facebook.com", AliceMac),
            // Open for an hour, data only in its first two minutes.
            Summary(at.AddMinutes(62), AliceIp, "157.240.1.1", "www.facebook.com", at, at.AddMinutes(60), Minutes(at, 2), AliceMac),
            Hello(at.AddHours(2), AliceIp, "157.240.1.2", "www.instagram.com", AliceMac),
            Summary(at.AddHours(2).AddMinutes(30), AliceIp, "157.240.1.2", "www.instagram.com", at.AddHours(2), at.AddHours(2).AddMinutes(28), [], AliceMac),
        };

        var sink = PipelineRunner.Run(observations);

        var visit = Assert.Single(sink.Visits);
        Assert.Equal("Facebook", visit.Service);
        Assert.Equal(120, visit.ActiveSeconds);
    }

    [Fact]
    public void EmbedDuringAnOpenVisitOfTheSameService_ExtendsIt()
    {
        var at = Tuesday.AddHours(12).AddMinutes(30);
        var observations = new List<Capture.Observation>();
        observations.AddRange(Connection(AliceIp, "157.240.1.1", "www.facebook.com", at, Minutes(at, 3).ToList(), AliceMac));
        observations.AddRange(Connection(AliceIp, "157.240.1.9", "connect.facebook.net", at.AddMinutes(1), Minutes(at.AddMinutes(1), 6).ToList(), AliceMac));
        // Shared Meta CDN extends the Facebook visit too.
        observations.AddRange(Connection(AliceIp, "157.240.1.8", "static.xx.fbcdn.net", at.AddMinutes(6), Minutes(at.AddMinutes(6), 3).ToList(), AliceMac));

        var sink = PipelineRunner.Run(observations);

        var visit = Assert.Single(sink.Visits);
        Assert.Equal(9 * 60, visit.ActiveSeconds);
        Assert.Equal(at.AddMinutes(9), visit.EndUtc);
    }

    [Fact]
    public void ObservationsOutOfOrderWithinWindow_SameVisitsAsInOrder()
    {
        var at = Tuesday.AddHours(9);
        var observations = new List<Capture.Observation>
        {
            DhcpAck(at.AddMinutes(-30), AliceMac, "10.10.5.5", 3600),
        };
        observations.AddRange(Connection("10.10.5.5", "157.240.1.1", "www.facebook.com", at, Minutes(at, 4).ToList()));
        observations.AddRange(Connection("10.10.5.5", "157.240.1.9", "connect.facebook.net", at.AddSeconds(30), Minutes(at, 7).ToList()));
        var inOrder = observations.OrderBy(o => o.TimestampUtc).ToList();
        // The embed's hello arrives 30 s before the page's: within the 2-minute reorder window.
        var shuffled = inOrder.ToList();
        (shuffled[1], shuffled[2]) = (shuffled[2], shuffled[1]);

        Assert.NotEqual(inOrder, shuffled);
        var a = PipelineRunner.Run(inOrder, sortByTime: false);
        var b = PipelineRunner.Run(shuffled, sortByTime: false);

        Assert.Equal(a.Visits, b.Visits);
        Assert.Equal(7 * 60, Assert.Single(a.Visits).ActiveSeconds);
    }

    [Fact]
    public void Flush_QuietPeriod_EmitsFinishedVisitBeforeComplete()
    {
        var sink = new RecordingSink();
        var pipeline = new VisitPipeline(SchoolCalendar.Create(DefaultSchool()), Catalog, Registry(), sink);
        var at = Tuesday.AddHours(9);
        foreach (var o in Connection(AliceIp, "157.240.1.1", "www.facebook.com", at, Minutes(at, 3).ToList(), AliceMac).OrderBy(o => o.TimestampUtc))
        {
            pipeline.Add(o);
        }

        pipeline.Flush(at.AddMinutes(6));
        Assert.Empty(sink.Visits);

        pipeline.Flush(at.AddMinutes(30));
        Assert.Single(sink.Visits);
        Assert.Equal(0, pipeline.Buffered);
    }

    [Fact]
    public void UpdateRegistry_NewStaffDevice_AttributedAfterwards()
    {
        var sink = new RecordingSink();
        var pipeline = new VisitPipeline(SchoolCalendar.Create(DefaultSchool()), Catalog, DeviceRegistry.Empty, sink);
        pipeline.UpdateRegistry(Registry());
        var at = Tuesday.AddHours(9);
        foreach (var o in Connection(AliceIp, "157.240.1.1", "www.facebook.com", at, Minutes(at, 3).ToList(), AliceMac).OrderBy(o => o.TimestampUtc))
        {
            pipeline.Add(o);
        }

        pipeline.Complete();

        Assert.Equal("s-alice", Assert.Single(sink.Visits).StaffId);
    }
}
