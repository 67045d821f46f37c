using CoppiceMonitor.Reports.Jobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SchedulingOptions = CoppiceMonitor.Reports.Jobs.SchedulingOptions;

namespace CoppiceMonitor.Reports.Tests;

public sealed class ReportSettingsTests
{
    [Fact]
    public void Bind_DocumentedSettings_AreValid()
    {
        var services = Build(new ConfigurationBuilder().AddJsonFile(Path.Combine(RepoRoot(), "docs", "settings", "reports.jsonc")));

        var reports = services.GetRequiredService<IOptions<ReportOptions>>().Value;
        var smtp = services.GetRequiredService<IOptions<SmtpOptions>>().Value;
        var schedule = services.GetRequiredService<IOptions<SchedulingOptions>>().Value;

        Assert.Equal(ReportDeliveryMode.Smtp, reports.Delivery);
        Assert.Equal(SmtpSecurity.StartTls, smtp.Security);
        Assert.Equal("0 0 7 ? * MON", schedule.WeeklyLineManagerCron);
    }

    [Fact]
    public void Validate_SmtpDeliveryWithoutHost_FailsWithClearMessage()
    {
        var services = Build(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Reports:Delivery"] = "Smtp",
            ["Scheduling:Enabled"] = "false",
        }));

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<ReportOptions>>().Value);
        Assert.Contains("Reports:Smtp:Host is required", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_FolderDeliveryWithoutSmtp_IsValid()
    {
        var services = Build(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Reports:Delivery"] = "Folder",
            ["Scheduling:Enabled"] = "false",
        }));

        Assert.Equal(ReportDeliveryMode.Folder, services.GetRequiredService<IOptions<ReportOptions>>().Value.Delivery);
    }

    [Theory]
    [InlineData("Health")]
    [InlineData("Religion")]
    [InlineData("Politics")]
    [InlineData("TradeUnion")]
    [InlineData("SexualOrientation")]
    [InlineData("health")]
    public void Validate_SpecialCategoryInReportsCategories_IsRefusedNamingKeyAndPolicy(string category)
    {
        var services = Build(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Reports:Delivery"] = "Folder",
            ["Reports:Categories:0"] = "SocialMedia",
            ["Reports:Categories:1"] = category,
            ["Scheduling:Enabled"] = "false",
        }));

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<ReportOptions>>().Value);
        Assert.Contains("Reports:Categories", error.Message, StringComparison.Ordinal);
        Assert.Contains("policy 10.3", error.Message, StringComparison.Ordinal);
        Assert.Contains(category, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EffectiveCategories_NeverHoldsASpecialCategory()
    {
        var options = new ReportOptions { Categories = { "SocialMedia", "Health", "politics" } };

        Assert.Equal(["SocialMedia"], options.EffectiveCategories());
        Assert.DoesNotContain(new ReportOptions().EffectiveCategories(), Model.ReportCategories.IsSpecial);
    }

    private static ServiceProvider Build(IConfigurationBuilder builder)
    {
        var configuration = builder
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Coppice"] = "Host=127.0.0.1;Database=unused" })
            .Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddCoppiceScheduling(configuration);
        return services.BuildServiceProvider();
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CoppiceMonitor.sln")) || File.Exists(Path.Combine(dir.FullName, "CoppiceMonitor.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("repository root (CoppiceMonitor.sln) not found above " + AppContext.BaseDirectory);
    }
}
