namespace CoppiceMonitor.Simulation.Scenario;

/// <summary>How a hostname relates to the service it belongs to (mirrors the catalogue's roles).</summary>
internal enum HostRole
{
    FirstParty,
    Cdn,
    Embed,
    Messaging,

    /// <summary>Another service's first-party name loaded inside this site's page (a like button from www.facebook.com).</summary>
    FirstPartyEmbed,

    /// <summary>A browser's speculative connection to another service's first-party name: handshake only, no request.</summary>
    Preconnect,
}

/// <summary>A server name the simulated clients connect to, with its DNS shape.</summary>
internal sealed record SimHost(string Name, string Service, HostRole Role, string AddressBlock, string? Cname = null);

/// <summary>
/// A site people visit: its first-party host, the hosts a page load also opens (CDNs, embedded widgets), and
/// what the truth file says about it. Service names follow the shared domain list (Facebook, X/Twitter, ...);
/// sites outside the catalogue are named by their registrable domain, as the Visits catalogue does. SocialMedia
/// marks the services of the social-media list; Category is the catalogue's (SocialMedia, Video, Messaging, ...).
/// </summary>
internal sealed record SimSite(
    string Service,
    string Category,
    bool SocialMedia,
    bool SpecialCategory,
    SimHost FirstParty,
    IReadOnlyList<SimHost> Supporting,
    IReadOnlyList<SimHost> Embeds,
    bool OffersQuic,
    bool Video)
{
    /// <summary>Other services' first-party names this site's pages load (one small request each).</summary>
    public IReadOnlyList<SimHost> FirstPartyEmbeds { get; init; } = [];

    /// <summary>Other services' first-party names the browser preconnects to from this site's pages.</summary>
    public IReadOnlyList<SimHost> Preconnects { get; init; } = [];
}

/// <summary>The fixed set of sites the simulator knows. Server addresses derive from a hash of each name.</summary>
internal static class SimulatedSites
{
    private static SimHost Host(string name, string service, HostRole role, string block, string? cname = null) =>
        new(name, service, role, block, cname);

    public static readonly SimSite Instagram = new("Instagram", "SocialMedia", true, false,
        Host("www.instagram.com", "Instagram", HostRole.FirstParty, "157.240", "z-p42-instagram.c10r.instagram.com"),
        [Host("scontent-lhr8-1.cdninstagram.com", "Instagram", HostRole.Cdn, "157.240"),
         Host("static.cdninstagram.com", "Instagram", HostRole.Cdn, "157.240")],
        [], true, false);

    public static readonly SimSite TikTok = new("TikTok", "SocialMedia", true, false,
        Host("www.tiktok.com", "TikTok", HostRole.FirstParty, "23.40", "www.tiktok.com.edgekey.net"),
        [Host("v16-webapp-prime.tiktokcdn-eu.com", "TikTok", HostRole.Cdn, "23.41"),
         Host("lf16-tiktok-web.ttwstatic.com", "TikTok", HostRole.Cdn, "23.41")],
        [], false, true);

    /// <summary>In the social-media list, but the catalogue's category for it is Video.</summary>
    public static readonly SimSite YouTube = new("YouTube", "Video", true, false,
        Host("www.youtube.com", "YouTube", HostRole.FirstParty, "142.250", "youtube-ui.l.google.com"),
        [Host("rr3---sn-aigl6nsk.googlevideo.com", "YouTube", HostRole.Cdn, "173.194"),
         Host("i.ytimg.com", "YouTube", HostRole.Cdn, "142.250")],
        [], true, true);

    public static readonly SimSite Facebook = new("Facebook", "SocialMedia", true, false,
        Host("www.facebook.com", "Facebook", HostRole.FirstParty, "157.240", "star-mini.c10r.facebook.com"),
        [Host("static.xx.fbcdn.net", "Facebook", HostRole.Cdn, "157.240"),
         Host("scontent-lhr6-1.xx.fbcdn.net", "Facebook", HostRole.Cdn, "157.240")],
        [], true, false);

    public static readonly SimSite X = new("X/Twitter", "SocialMedia", true, false,
        Host("x.com", "X/Twitter", HostRole.FirstParty, "104.244"),
        [Host("abs.twimg.com", "X/Twitter", HostRole.Cdn, "151.101", "dualstack.twimg.twitter.map.fastly.net"),
         Host("pbs.twimg.com", "X/Twitter", HostRole.Cdn, "151.101", "dualstack.twimg.twitter.map.fastly.net")],
        [], false, false);

    public static readonly SimSite Reddit = new("Reddit", "SocialMedia", true, false,
        Host("www.reddit.com", "Reddit", HostRole.FirstParty, "151.101", "reddit.map.fastly.net"),
        [Host("www.redditstatic.com", "Reddit", HostRole.Cdn, "151.101"),
         Host("i.redd.it", "Reddit", HostRole.Cdn, "151.101")],
        [], false, false);

    public static readonly SimSite LinkedIn = new("LinkedIn", "SocialMedia", true, false,
        Host("www.linkedin.com", "LinkedIn", HostRole.FirstParty, "13.107"),
        [Host("static.licdn.com", "LinkedIn", HostRole.Cdn, "2.16", "static.licdn.com.edgekey.net"),
         Host("media.licdn.com", "LinkedIn", HostRole.Cdn, "2.16")],
        [], false, false);

    /// <summary>In the social-media list, but the catalogue's category for it is Messaging.</summary>
    public static readonly SimSite WhatsApp = new("WhatsApp", "Messaging", true, false,
        Host("web.whatsapp.com", "WhatsApp", HostRole.FirstParty, "157.240", "mmx-ds.cdn.whatsapp.net"),
        [Host("static.whatsapp.net", "WhatsApp", HostRole.Cdn, "157.240")],
        [], false, false);

    public static readonly SimSite Classroom = new("google.com", "General", false, false,
        Host("classroom.google.com", "google.com", HostRole.FirstParty, "142.250", "www3.l.google.com"),
        [Host("ssl.gstatic.com", "gstatic.com", HostRole.Cdn, "142.250"),
         Host("lh3.googleusercontent.com", "googleusercontent.com", HostRole.Cdn, "142.250")],
        [], true, false);

    public static readonly SimSite Office = new("office.com", "General", false, false,
        Host("www.office.com", "office.com", HostRole.FirstParty, "52.97", "www.office.com.b-0004.b-msedge.net"),
        [Host("res.cdn.office.net", "office.net", HostRole.Cdn, "13.107"),
         Host("outlook.office.com", "office.com", HostRole.FirstParty, "52.97")],
        [], false, false);

    /// <summary>BBC News with social widgets: the embeds must never count as social-media visits.</summary>
    public static readonly SimSite BbcNews = new("bbc.co.uk", "General", false, false,
        Host("www.bbc.co.uk", "bbc.co.uk", HostRole.FirstParty, "212.58", "www.bbc.co.uk.pri.bbc.co.uk"),
        [Host("ichef.bbci.co.uk", "bbci.co.uk", HostRole.Cdn, "212.58"),
         Host("static.files.bbci.co.uk", "bbci.co.uk", HostRole.Cdn, "212.58")],
        [Host("connect.facebook.net", "Facebook", HostRole.Embed, "157.240", "scontent.xx.fbcdn.net"),
         Host("platform.twitter.com", "X/Twitter", HostRole.Embed, "151.101", "cs196.wac.edgecastcdn.net"),
         Host("www.youtube-nocookie.com", "YouTube", HostRole.Embed, "142.250", "youtube-ui.l.google.com")],
        false, false)
    {
        // The like button is served from www.facebook.com itself; the page's video link makes Chrome preconnect.
        FirstPartyEmbeds = [Host("www.facebook.com", "Facebook", HostRole.FirstPartyEmbed, "157.240", "star-mini.c10r.facebook.com")],
        Preconnects = [Host("www.youtube.com", "YouTube", HostRole.Preconnect, "142.250", "youtube-ui.l.google.com")],
    };

    /// <summary>gov.uk and service.gov.uk are public suffixes, so the registrable domains are one level deeper.</summary>
    public static readonly SimSite GovUk = new("www.gov.uk", "General", false, false,
        Host("www.gov.uk", "www.gov.uk", HostRole.FirstParty, "151.101", "www-gov-uk.map.fastly.net"),
        [Host("assets.publishing.service.gov.uk", "publishing.service.gov.uk", HostRole.Cdn, "151.101")],
        [], false, false);

    /// <summary>A trade union site: policy 10.3 special category, recorded as the category only.</summary>
    public static readonly SimSite TradeUnion = new("neu.org.uk", "TradeUnion", false, true,
        Host("neu.org.uk", "neu.org.uk", HostRole.FirstParty, "185.42"),
        [Host("www.neu.org.uk", "neu.org.uk", HostRole.FirstParty, "185.42")],
        [], false, false);

    public static readonly IReadOnlyList<SimSite> StaffSocial =
        [Instagram, TikTok, YouTube, Facebook, X, Reddit, LinkedIn, WhatsApp];

    public static readonly IReadOnlyList<SimSite> PupilSocial = [YouTube, TikTok, Instagram, Reddit];

    public static readonly IReadOnlyList<SimSite> Work = [Classroom, Office, Classroom, GovUk];
}
