namespace CoppiceMonitor.Visits.Tests;

public class PublicSuffixListTests
{
    [Fact]
    public void LoadEmbedded_ShippedCopy_ParsesThousandsOfRules()
    {
        var list = PublicSuffixList.LoadEmbedded();

        Assert.True(list.RuleCount > 5000, $"{list.RuleCount} rules");
        Assert.Equal("embedded", list.Source);
        Assert.Equal("bbc.co.uk", list.GetRegistrableDomain("www.news.bbc.co.uk"));
    }

    [Theory]
    [InlineData("www.ck", "www.ck")]
    [InlineData("a.www.ck", "www.ck")]
    [InlineData("a.b.ck", "a.b.ck")]
    [InlineData("x.y.example.com", "example.com")]
    [InlineData("com", "com")]
    [InlineData("foo.unknowntld", "foo.unknowntld")]
    [InlineData("a.foo.unknowntld", "foo.unknowntld")]
    public void GetRegistrableDomain_WildcardsExceptionsAndDefaultRule(string host, string expected)
    {
        var list = PublicSuffixList.Parse(new StringReader("// test rules\ncom\n*.ck\n!www.ck\nco.uk\n"));

        Assert.Equal(expected, list.GetRegistrableDomain(host));
    }
}
