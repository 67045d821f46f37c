using System.Net;
using CoppiceMonitor.Capture;
using static CoppiceMonitor.Visits.Tests.TestData;

namespace CoppiceMonitor.Visits.Tests;

/// <summary>
/// Policy 11: a figure too high is the worst defect. Keep-alives, pushes, preconnects and embeds of a first-party
/// name inside another site's page must not become minutes; real use beside them must stay exact.
/// </summary>
public class FairMinutesTests
{
    private const string AliceIp = "10.10.1.10";
    private static readonly DateTime Tuesday = Utc(2026, 11, 24, 0, 0);

    /// <summary>What a minute of use looks like on the wire: a request and a response of a few KB.</summary>
    private static readonly MinuteBytes Use = new(420, 18_000);

    /// <summary>An HTTP/2 or QUIC PING and its answer, a WebSocket/MQTT ping, a long-poll heartbeat.</summary>
    private static readonly MinuteBytes KeepAlive = new(39, 39);

    /// <summary>A message pushed by the server and the client's small acknowledgement.</summary>
    private static readonly MinuteBytes Push = new(45, 2_400);

    /// <summary>A TLS handshake with no request (browser preconnect): the client sends only its Finished.</summary>
    private static readonly MinuteBytes HandshakeOnly = new(64, 4_100);

    private static long Minute(DateTime t) => (long)(t - DateTime.UnixEpoch).TotalMinutes;

    /// <summary>A connection whose minutes carry the given bytes, from its ClientHello to its FlowSummary.</summary>
    private static IEnumerable<Observation> Flow(string server, string sni, DateTime start, List<(DateTime Minute, MinuteBytes Bytes)> minutes,
        double? closesAfterSeconds = null)
    {
        yield return Hello(start, AliceIp, server, sni, AliceMac);
        var last = closesAfterSeconds is { } after ? start.AddSeconds(after)
            : minutes.Count > 0 ? minutes.Max(m => m.Minute).AddMinutes(1) : start.AddSeconds(5);
        var detail = new FlowDetail(start, last, minutes.Sum(m => (long)m.Bytes.FromClient), minutes.Sum(m => (long)m.Bytes.ToClient),
            [.. minutes.Select(m => Minute(m.Minute))])
        {
            MinuteBytes = [.. minutes.Select(m => m.Bytes)],
        };
        // Capture summarises a flow closed by FIN at its last packet, an idle one after its idle timeout.
        yield return new Observation(closesAfterSeconds is null ? last.AddSeconds(90) : last, ObservationKind.FlowSummary, IPAddress.Parse(AliceIp), AliceMac, IPAddress.Parse(server),
            443, TransportProtocol.Tcp, 10, sni, detail);
    }

    private static List<(DateTime, MinuteBytes)> Run(DateTime from, int count, MinuteBytes bytes) =>
        [.. Enumerable.Range(0, count).Select(i => (from.AddMinutes(i), bytes))];

    [Fact]
    public void TabLeftOpenOnFacebookForAnHourAndAHalf_OnlyTheMinutesOfUseCount()
    {
        // Within MaxOpenConnectionMinutes (120): the connection's summary still finds its ClientHello.
        var at = Tuesday.AddHours(9);
        var minutes = Run(at, 6, Use).Concat(Run(at.AddMinutes(6), 90, KeepAlive)).ToList();

        var sink = PipelineRunner.Run(Flow("157.240.1.1", "www.facebook.com", at, minutes));

        var visit = Assert.Single(sink.Visits);
        Assert.Equal(("Facebook", 6 * 60), (visit.Service, visit.ActiveSeconds));
    }

    [Fact]
    public void IdleYouTubeTabOverQuicWithPingsEveryMinute_NoMinutesAfterTheVideoEnded()
    {
        var at = Tuesday.AddHours(12).AddMinutes(20);
        var minutes = Run(at, 9, new MinuteBytes(900, 2_000_000)).Concat(Run(at.AddMinutes(9), 45, new MinuteBytes(30, 28))).ToList();

        var sink = PipelineRunner.Run(Flow("142.250.1.1", "www.youtube.com", at, minutes));

        Assert.Equal(9 * 60, Assert.Single(sink.Visits).ActiveSeconds);
    }

    [Fact]
    public void BackgroundSyncLongPollAndPushChannelAllAfternoon_NoVisit()
    {
        var at = Tuesday.AddHours(13);
        var observations = new List<Observation>();
        // A long-poll heartbeat: the client re-asks every minute, the server answers with an empty response.
        observations.AddRange(Flow("157.240.1.2", "www.facebook.com", at, Run(at, 180, new MinuteBytes(180, 220))));
        // A messaging push channel: pushes every 12 minutes with a small acknowledgement, pings between.
        var push = Enumerable.Range(0, 180).Select(i => (at.AddMinutes(i), i % 12 == 0 ? Push : KeepAlive)).ToList();
        observations.AddRange(Flow("157.240.1.3", "web.whatsapp.com", at, push));

        var sink = PipelineRunner.Run(observations);

        Assert.Empty(sink.Visits);
    }

    [Fact]
    public void BrowserPreconnectWithoutARequest_NoVisit()
    {
        var at = Tuesday.AddHours(10);

        var sink = PipelineRunner.Run(Flow("142.250.1.1", "www.youtube.com", at, Run(at, 1, HandshakeOnly)));

        Assert.Empty(sink.Visits);
    }

    [Fact]
    public void LikeButtonFromWwwFacebookComInANewsPage_NoFacebookVisit_ButTheRealVisitLaterCountsExactly()
    {
        var page = Tuesday.AddHours(9);
        var observations = new List<Observation>();
        observations.AddRange(Flow("212.58.1.1", "www.bbc.co.uk", page, Run(page, 8, Use)));
        // The like button: www.facebook.com, 2 s after the page, one small minute.
        observations.AddRange(Flow("157.240.1.1", "www.facebook.com", page.AddSeconds(2), Run(page, 1, new MinuteBytes(900, 30_000))));
        // Her own Facebook visit at lunch: 12 minutes.
        var lunch = Tuesday.AddHours(12).AddMinutes(20);
        observations.AddRange(Flow("157.240.1.1", "www.facebook.com", lunch, Run(lunch, 12, Use)));
        // A second news page with the same button in the afternoon.
        var afternoon = Tuesday.AddHours(14);
        observations.AddRange(Flow("212.58.1.2", "www.bbc.co.uk", afternoon, Run(afternoon, 3, Use)));
        observations.AddRange(Flow("157.240.1.1", "www.facebook.com", afternoon.AddSeconds(1), Run(afternoon, 1, new MinuteBytes(700, 12_000))));

        var sink = PipelineRunner.Run(observations);

        var facebook = Assert.Single(sink.Visits, v => v.Service == "Facebook");
        Assert.Equal((lunch, 12 * 60), (facebook.StartUtc, facebook.ActiveSeconds));
        Assert.Equal([8 * 60, 3 * 60], sink.Visits.Where(v => v.Service == "bbc.co.uk").OrderBy(v => v.StartUtc).Select(v => v.ActiveSeconds));
    }

    [Fact]
    public void ClickingThroughFromANewsPageToFacebook_IsAVisit()
    {
        var page = Tuesday.AddHours(9);
        var observations = new List<Observation>();
        observations.AddRange(Flow("212.58.1.1", "www.bbc.co.uk", page, Run(page, 2, Use)));
        // Within seconds, but the person stays and scrolls: large and long, so her own visit.
        observations.AddRange(Flow("157.240.1.1", "www.facebook.com", page.AddSeconds(3), Run(page, 9, Use)));

        var sink = PipelineRunner.Run(observations);

        Assert.Equal(9 * 60, Assert.Single(sink.Visits, v => v.Service == "Facebook").ActiveSeconds);
    }

    [Fact]
    public void TwoSitesOpenedOneAfterTheOtherWithinSeconds_BothVisits_TheFirstHadClosed()
    {
        var at = Tuesday.AddHours(12).AddMinutes(20);
        var observations = new List<Observation>();
        // Each a short connection that closes before the next site opens (as curl, or quick link-hopping, does).
        observations.AddRange(Flow("157.240.2.174", "www.instagram.com", at, Run(at, 1, Use), closesAfterSeconds: 1));
        observations.AddRange(Flow("157.240.2.175", "www.instagram.com", at.AddSeconds(1.2), Run(at, 1, Use), closesAfterSeconds: 1));
        observations.AddRange(Flow("23.40.1.1", "www.tiktok.com", at.AddSeconds(2.5), Run(at, 1, Use), closesAfterSeconds: 1));
        observations.AddRange(Flow("23.40.1.2", "www.tiktok.com", at.AddSeconds(3.8), Run(at, 1, Use), closesAfterSeconds: 1));

        var sink = PipelineRunner.Run(observations);

        Assert.Equal(["Instagram", "TikTok"], sink.Visits.Select(v => v.Service).Order());
        Assert.All(sink.Visits, v => Assert.Equal(60, v.ActiveSeconds));
    }

    [Fact]
    public void EmbedWhileHerOwnFacebookVisitIsOpen_ExtendsItWithoutOpeningAnother()
    {
        var at = Tuesday.AddHours(12).AddMinutes(20);
        var observations = new List<Observation>();
        observations.AddRange(Flow("157.240.1.1", "www.facebook.com", at, Run(at, 10, Use)));
        var news = at.AddMinutes(4).AddSeconds(10);
        observations.AddRange(Flow("212.58.1.1", "www.bbc.co.uk", news, Run(news, 2, Use)));
        observations.AddRange(Flow("157.240.1.2", "www.facebook.com", news.AddSeconds(2), Run(news, 1, new MinuteBytes(800, 20_000))));

        var sink = PipelineRunner.Run(observations);

        var facebook = Assert.Single(sink.Visits, v => v.Service == "Facebook");
        Assert.Equal(10 * 60, facebook.ActiveSeconds);
    }

    [Fact]
    public void FlowWithoutPerMinuteBytes_EveryPayloadMinuteCounts_AsBefore()
    {
        var at = Tuesday.AddHours(9);

        var sink = PipelineRunner.Run(Connection(AliceIp, "157.240.1.1", "www.facebook.com", at, Minutes(at, 7).ToList(), AliceMac));

        Assert.Equal(7 * 60, Assert.Single(sink.Visits).ActiveSeconds);
    }

    [Fact]
    public void ThresholdsAtZero_EveryPayloadMinuteCounts()
    {
        var at = Tuesday.AddHours(9);
        var minutes = Run(at, 3, Use).Concat(Run(at.AddMinutes(3), 4, KeepAlive)).ToList();

        var sink = PipelineRunner.Run(Flow("157.240.1.1", "www.facebook.com", at, minutes),
            options: new VisitsOptions { UseMinServerBytesPerMinute = 0, UseMinClientBytesPerMinute = 0 });

        Assert.Equal(7 * 60, Assert.Single(sink.Visits).ActiveSeconds);
    }
    [Fact]
    public void PhoneOnAChargerAfterSchool_BackgroundRefreshEvery30Minutes_NoVisit_ButAOneMinuteGlanceCounts()
    {
        var evening = Tuesday.AddHours(17).AddMinutes(40);
        var observations = new List<Observation>();
        for (var i = 0; i < 10; i++)
        {
            // One API request and its response on one connection: the app refreshing its feed with the screen off.
            var at = evening.AddMinutes(30 * i);
            observations.AddRange(Flow("157.240.2.174", "i.instagram.com", at, Run(at, 1, new MinuteBytes(650, 24_000))));
        }

        // At 21:10 she picks the phone up and looks for one minute: the app and its images over two connections.
        var glance = Tuesday.AddHours(21).AddMinutes(10).AddSeconds(20);
        observations.AddRange(Flow("157.240.2.180", "www.instagram.com", glance, Run(glance, 1, Use)));
        observations.AddRange(Flow("157.240.2.181", "scontent-lhr8-1.cdninstagram.com", glance.AddSeconds(1), Run(glance, 1, new MinuteBytes(300, 250_000))));

        var sink = PipelineRunner.Run(observations);

        var visit = Assert.Single(sink.Visits);
        Assert.Equal((glance.AddSeconds(-20), 60), (visit.StartUtc, visit.ActiveSeconds));
    }

    [Fact]
    public void BrowserPrefetchOfAResultPage_OneRequestOnOneConnection_NoVisit()
    {
        var at = Tuesday.AddHours(10).AddMinutes(5);

        var sink = PipelineRunner.Run(Flow("104.244.42.1", "x.com", at, Run(at, 1, new MinuteBytes(700, 60_000))));

        Assert.Empty(sink.Visits);
    }
}
