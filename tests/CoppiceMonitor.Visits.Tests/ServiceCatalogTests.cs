namespace CoppiceMonitor.Visits.Tests;

public class ServiceCatalogTests
{
    private static readonly string[] RequiredServices =
    [
        "Facebook", "Instagram", "WhatsApp", "Messenger", "Threads", "TikTok", "X/Twitter", "Snapchat", "LinkedIn", "Reddit",
        "YouTube", "Pinterest", "Tumblr", "Discord", "Twitch", "Telegram", "Bluesky", "Mastodon", "BeReal", "Quora", "VK",
        "WeChat", "Weibo",
    ];

    [Fact]
    public void LoadDefault_ShippedFiles_LoadWithEveryRequiredService()
    {
        var catalog = TestData.Catalog;

        Assert.True(catalog.Rows.Count > 1300, $"only {catalog.Rows.Count} rows");
        foreach (var service in RequiredServices)
        {
            Assert.Contains(service, catalog.Services);
            Assert.Contains(catalog.Rows, r => r.Service == service && r.Role == HostRole.FirstParty);
        }
    }

    [Fact]
    public void ShippedFiles_NoSuffixGivenToTwoServices()
    {
        var conflicts = TestData.Catalog.Rows
            .GroupBy(r => (r.Suffix, Match: r.Match == CatalogueMatch.Tld ? CatalogueMatch.Suffix : r.Match))
            .Where(g => g.Select(r => r.Service).Distinct().Count() > 1)
            .Select(g => g.Key.Suffix)
            .ToList();

        Assert.Empty(conflicts);
    }

    [Fact]
    public void ShippedFiles_EveryRowComesFromTheDataFiles()
    {
        Assert.All(TestData.Catalog.Rows, r =>
            Assert.True(r.Origin.StartsWith("services.tsv:", StringComparison.Ordinal) || r.Origin.StartsWith("special-categories.tsv:", StringComparison.Ordinal), r.Origin));
    }

    [SkippableFact]
    public void ShippedFile_CoversEveryRowOfTheDomainSources()
    {
        var source = Path.Combine(SharedFolder.SkipIfAbsent(), "domain-sources", "social-media.tsv");
        var shipped = TestData.Catalog.Rows.Select(r => (r.Service, r.Suffix)).ToHashSet();
        var missing = File.ReadLines(source).Skip(1)
            .Select(line => line.Split('\t'))
            .Where(f => f.Length > 2 && !shipped.Contains((f[0], f[1].ToLowerInvariant())))
            .Select(f => $"{f[0]} {f[1]}")
            .ToList();

        Assert.Empty(missing);
    }

    [Fact]
    public void Parse_SuffixWithConflictingServices_ThrowsNamingTheLine()
    {
        const string text = "service\tsuffix\trole\tmatch\tcategory\talso_extends\nA\texample.org\tfirst-party\tsuffix\tSocialMedia\t\nB\texample.org\tcdn\tsuffix\tSocialMedia\t\n";

        var e = Assert.Throws<InvalidDataException>(() =>
            ServiceCatalog.Parse(new StringReader(text), null, TestData.Catalog.PublicSuffixes));

        Assert.Contains("line 3", e.Message, StringComparison.Ordinal);
        Assert.Contains("example.org", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("www.facebook.com", "Facebook", HostRole.FirstParty, "SocialMedia")]
    [InlineData("connect.facebook.net", "Facebook", HostRole.Embed, "SocialMedia")]
    [InlineData("facebook.net", "Facebook", HostRole.Embed, "SocialMedia")]
    [InlineData("static.xx.fbcdn.net", "Facebook", HostRole.Cdn, "SocialMedia")]
    [InlineData("fbcdn-profile-a.akamaihd.net", "Facebook", HostRole.Cdn, "SocialMedia")]
    [InlineData("fbcdn-zzz-new.akamaihd.net", "Facebook", HostRole.Cdn, "SocialMedia")]
    [InlineData("platform.twitter.com", "X/Twitter", HostRole.Embed, "SocialMedia")]
    [InlineData("x.com", "X/Twitter", HostRole.FirstParty, "SocialMedia")]
    [InlineData("twitter.co.uk", "X/Twitter", HostRole.FirstParty, "SocialMedia")]
    [InlineData("www.instagram.com", "Instagram", HostRole.FirstParty, "SocialMedia")]
    [InlineData("i.instagram.com", "Instagram", HostRole.Api, "SocialMedia")]
    [InlineData("scontent-lhr8-1.cdninstagram.com", "Instagram", HostRole.Cdn, "SocialMedia")]
    [InlineData("web.whatsapp.com", "WhatsApp", HostRole.Messaging, "Messaging")]
    [InlineData("www.youtube.com", "YouTube", HostRole.FirstParty, "Video")]
    [InlineData("www.youtube-nocookie.com", "YouTube", HostRole.Embed, "Video")]
    [InlineData("blog.youtube", "YouTube", HostRole.FirstParty, "Video")]
    [InlineData("bereal.com", "BeReal", HostRole.FirstParty, "SocialMedia")]
    [InlineData("cdn.bere.al", "BeReal", HostRole.FirstParty, "SocialMedia")]
    [InlineData("snap.licdn.com", "LinkedIn", HostRole.Embed, "SocialMedia")]
    [InlineData("WWW.TikTok.com.", "TikTok", HostRole.FirstParty, "SocialMedia")]
    public void Classify_CatalogueHosts_ServiceRoleAndCategory(string host, string service, HostRole role, string category)
    {
        var c = TestData.Catalog.Classify(host);

        Assert.Equal(service, c.Service);
        Assert.Equal(role, c.Role);
        Assert.Equal(category, c.Category);
        Assert.True(c.IsCatalogued);
    }

    [Theory]
    [InlineData("news.bbc.co.uk", "bbc.co.uk")]
    [InlineData("www.nhs.uk", "www.nhs.uk")] // nhs.uk is itself a public suffix; general health information is not special
    [InlineData("www.bbc.com", "bbc.com")]
    [InlineData("someone.github.io", "someone.github.io")]
    [InlineData("a.b.example.com", "example.com")]
    [InlineData("www.gov.uk", "www.gov.uk")]
    [InlineData("localhost", "localhost")]
    public void Classify_UncataloguedSite_RegistrableDomainAsGeneral(string host, string expected)
    {
        var c = TestData.Catalog.Classify(host);

        Assert.Equal(expected, c.Service);
        Assert.Equal(ServiceCategories.General, c.Category);
        Assert.Equal(HostRole.FirstParty, c.Role);
        Assert.False(c.IsCatalogued);
        Assert.False(c.IsSpecialCategory);
    }

    [Theory]
    [InlineData("www.labour.org.uk", "Politics")]
    [InlineData("conservatives.com", "Politics")]
    [InlineData("www.churchofengland.org", "Religion")]
    [InlineData("neu.org.uk", "TradeUnion")]
    [InlineData("www.mind.org.uk", "Health")]
    [InlineData("www.stonewall.org.uk", "SexualOrientation")]
    [InlineData("grindr.com", "SexualOrientation")]
    public void Classify_SpecialCategory_CategoryOnlyNoSiteName(string host, string category)
    {
        var c = TestData.Catalog.Classify(host);

        Assert.True(c.IsSpecialCategory);
        Assert.Equal(category, c.Category);
        Assert.Equal(category, c.Service);
        Assert.Null(c.RegistrableDomain);
    }

    [Theory]
    [InlineData("dns.google")]
    [InlineData("cloudflare-dns.com")]
    [InlineData("mozilla.cloudflare-dns.com")]
    [InlineData("doh.opendns.com")]
    [InlineData("dns.quad9.net")]
    public void Classify_DohResolver_Recognised(string host)
    {
        var c = TestData.Catalog.Classify(host);

        Assert.True(c.IsDnsOverHttps);
        Assert.Equal(ServiceCategories.EncryptedDns, c.Category);
    }

    [Fact]
    public void Classify_EchOuterName_Recognised()
    {
        var c = TestData.Catalog.Classify("cloudflare-ech.com");

        Assert.True(c.IsEchOuterName);
        Assert.Equal(ServiceCategories.Hidden, c.Category);
        Assert.False(TestData.Catalog.Classify("www.cloudflare.com").IsEchOuterName);
    }

    [Fact]
    public void Classify_LabelPrefixPattern_OnlyForTheBrandsRegistrableDomain()
    {
        // 'wx.*' and 'mastodon.*' must not swallow unrelated sites that merely have such a label.
        Assert.Equal("example.org", TestData.Catalog.Classify("wx.example.org").Service);
        Assert.Equal("example.org", TestData.Catalog.Classify("mastodon.example.org").Service);
        Assert.Equal("Mastodon", TestData.Catalog.Classify("mastodon.green").Service);
    }

    [Fact]
    public void Load_ConfigurationAdditions_AddServicesSpecialCategoriesAndCategoryOverrides()
    {
        var options = new CatalogueOptions
        {
            Services = { new CatalogueEntryOptions { Service = "LocalChat", Suffix = "chat.example.net", Role = "messaging", Category = "Messaging" } },
            SpecialCategories = { ["clinic.example.org"] = "health" },
            ServiceCategories = { ["YouTube"] = "SocialMedia" },
        };

        var catalog = ServiceCatalog.Load(TestData.Catalog.PublicSuffixes, options);

        Assert.Equal("LocalChat", catalog.Classify("eu.chat.example.net").Service);
        Assert.Equal(HostRole.Messaging, catalog.Classify("eu.chat.example.net").Role);
        Assert.Equal("Health", catalog.Classify("www.clinic.example.org").Service);
        Assert.Equal("SocialMedia", catalog.Classify("www.youtube.com").Category);
    }

    [Fact]
    public void Load_ConfiguredSpecialCategoryNotSpecial_ThrowsNamingTheKey()
    {
        var options = new CatalogueOptions { SpecialCategories = { ["example.org"] = "Sport" } };

        var e = Assert.Throws<InvalidDataException>(() => ServiceCatalog.Load(TestData.Catalog.PublicSuffixes, options));

        Assert.Contains("Catalogue:SpecialCategories:example.org", e.Message, StringComparison.Ordinal);
    }
}
