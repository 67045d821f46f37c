using System.Net;

namespace CoppiceMonitor.Visits.Tests.Parts;

public class ConnectionNamerTests
{
    private static readonly IPAddress Client = IPAddress.Parse("10.10.1.10");
    private static readonly IPAddress Server = IPAddress.Parse("104.16.1.1");
    private static readonly DateTime At = new(2026, 11, 24, 9, 0, 0, DateTimeKind.Utc);

    private static ConnectionNamer Namer(out VisitPipelineCounters counters)
    {
        counters = new VisitPipelineCounters();
        return new ConnectionNamer(TestData.Catalog, TimeSpan.FromMinutes(10), counters);
    }

    [Fact]
    public void Sni_IsTheName_Normalised()
    {
        var namer = Namer(out var counters);

        Assert.Equal("www.facebook.com", namer.Resolve(Client, Server, "WWW.Facebook.com.", At, hasEch: false));
        Assert.Equal(0, counters.NamesFromDns);
    }

    [Fact]
    public void NoSni_NamedByTheClientsOwnDnsAnswerWithinTheWindow_OnlyThen()
    {
        var namer = Namer(out var counters);
        namer.RecordAnswer(Client, [Server], "www.instagram.com", At, hasEchConfig: false);

        Assert.Equal("www.instagram.com", namer.Resolve(Client, Server, null, At.AddMinutes(9), hasEch: false));
        Assert.Null(namer.Resolve(Client, Server, null, At.AddMinutes(11), hasEch: false));
        Assert.Null(namer.Resolve(IPAddress.Parse("10.10.1.11"), Server, null, At.AddMinutes(1), hasEch: false));
        Assert.Equal(1, counters.NamesFromDns);
    }

    [Fact]
    public void EchOuterName_ReplacedByTheResolvedName()
    {
        var namer = Namer(out _);
        namer.RecordAnswer(Client, [Server], "www.tiktok.com", At, hasEchConfig: true);

        Assert.Equal("www.tiktok.com", namer.Resolve(Client, Server, "cloudflare-ech.com", At.AddSeconds(1), hasEch: true));
    }

    [Fact]
    public void GreaseEchWithARealSniTheClientLookedUp_KeepsTheSni()
    {
        var namer = Namer(out _);
        namer.RecordAnswer(Client, [Server], "shared-cdn.example", At, hasEchConfig: true);
        namer.RecordAnswer(Client, [IPAddress.Parse("104.16.1.2")], "news.example.org", At, hasEchConfig: false);

        Assert.Equal("news.example.org", namer.Resolve(Client, Server, "news.example.org", At.AddSeconds(1), hasEch: true));
    }

    [Fact]
    public void Prune_ForgetsAnswersOlderThanTheWindow()
    {
        var namer = Namer(out _);
        namer.RecordAnswer(Client, [Server], "www.instagram.com", At, hasEchConfig: false);

        namer.Prune(At.AddMinutes(11));

        Assert.Null(namer.Resolve(Client, Server, null, At.AddMinutes(5), hasEch: false));
    }
}
