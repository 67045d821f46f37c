using CoppiceMonitor.Capture;

namespace CoppiceMonitor.Visits.Tests.Parts;

public class EmbedDetectorTests
{
    private static readonly DateTime Page = new(2026, 11, 24, 9, 0, 0, DateTimeKind.Utc);

    private static FlowDetail Flow(DateTime first, long bytes) => new(first, first.AddSeconds(20), bytes / 10, bytes - (bytes / 10), [1]);

    [Fact]
    public void SmallShortFirstPartyFlowSecondsAfterAnotherSitesPage_IsAnEmbed()
    {
        var embeds = new EmbedDetector(new VisitsOptions());
        embeds.RecordPageLoad("alice", "bbc.co.uk", Page);

        Assert.True(embeds.IsEmbed("alice", "Facebook", Flow(Page.AddSeconds(2), 30_000), useMinutes: 1));
    }

    [Theory]
    [InlineData("bob", "Facebook", 2, 30_000, 1)] // another device's page
    [InlineData("alice", "bbc.co.uk", 2, 30_000, 1)] // the page's own service
    [InlineData("alice", "Facebook", 6, 30_000, 1)] // too long after the page load
    [InlineData("alice", "Facebook", -1, 30_000, 1)] // before the page load
    [InlineData("alice", "Facebook", 2, 400_000, 1)] // too large
    [InlineData("alice", "Facebook", 2, 30_000, 3)] // used for too long
    public void OtherwiseNot(string device, string service, int secondsAfterPage, long bytes, int useMinutes)
    {
        var embeds = new EmbedDetector(new VisitsOptions());
        embeds.RecordPageLoad("alice", "bbc.co.uk", Page);

        Assert.False(embeds.IsEmbed(device, service, Flow(Page.AddSeconds(secondsAfterPage), bytes), useMinutes));
    }

    [Fact]
    public void ThePagesConnectionHadClosedBeforeItStarted_NotAnEmbed_ButASiteOpenedAfterIt()
    {
        var embeds = new EmbedDetector(new VisitsOptions());
        embeds.RecordPageLoad("alice", "Instagram", Page);
        embeds.RecordPageEnd("alice", "Instagram", Page, Page.AddSeconds(1));

        Assert.False(embeds.IsEmbed("alice", "TikTok", Flow(Page.AddSeconds(2), 30_000), useMinutes: 1));
        Assert.True(embeds.IsEmbed("alice", "TikTok", Flow(Page.AddSeconds(1), 30_000), useMinutes: 1));
    }

    [Fact]
    public void WindowZero_Off()
    {
        var embeds = new EmbedDetector(new VisitsOptions { EmbedWindowSeconds = 0 });
        embeds.RecordPageLoad("alice", "bbc.co.uk", Page);

        Assert.False(embeds.IsEmbed("alice", "Facebook", Flow(Page.AddSeconds(1), 1000), useMinutes: 1));
    }
}
