using Microsoft.Extensions.Options;

namespace CoppiceMonitor.Reports.Tests;

/// <summary>Issue 17: Reports:Categories can never bring a special category (policy 10.3) into a routine report.</summary>
public sealed class ReportOptionsTests
{
    [Theory]
    [InlineData("Health")]
    [InlineData("Religion")]
    [InlineData("Politics")]
    [InlineData("TradeUnion")]
    [InlineData("SexualOrientation")]
    [InlineData("health")]
    public void Validate_SpecialCategoryInReportsCategories_IsRefusedNamingKeyAndPolicy(string category)
    {
        var options = new ReportOptions { Delivery = ReportDeliveryMode.Folder, Categories = { "SocialMedia", category } };

        var result = new ReportOptionsValidator(Options.Create(new SmtpOptions())).Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("Reports:Categories", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("policy 10.3", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains(category, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_OrdinaryCategories_Pass()
    {
        var options = new ReportOptions { Delivery = ReportDeliveryMode.Folder, Categories = { "SocialMedia", "Video" } };

        Assert.True(new ReportOptionsValidator(Options.Create(new SmtpOptions())).Validate(null, options).Succeeded);
    }

    [Fact]
    public void EffectiveCategories_NeverHoldsASpecialCategory()
    {
        var options = new ReportOptions { Categories = { "SocialMedia", "Health", "politics" } };

        Assert.Equal(["SocialMedia"], options.EffectiveCategories());
        Assert.DoesNotContain(new ReportOptions().EffectiveCategories(), Model.ReportCategories.IsSpecial);
    }
}
