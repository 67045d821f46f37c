using CoppiceMonitor.Capture;
using CoppiceMonitor.Reports;
using CoppiceMonitor.Service.Hosting;
using CoppiceMonitor.Service.Jobs;
using CoppiceMonitor.Service.Pipeline;
using CoppiceMonitor.Storage;
using CoppiceMonitor.Storage.Ingest;
using CoppiceMonitor.Storage.Retention;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SchedulingOptions = CoppiceMonitor.Service.Jobs.SchedulingOptions;

namespace CoppiceMonitor.Service.Tests.Jobs;

/// <summary>Settings files bound and validated through the real Add&lt;Feature&gt; registrations the executable uses.</summary>
public sealed class SettingsTests
{
    [Fact]
    public void Bind_SampleAppSettings_EverySectionPassesItsValidators()
    {
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(RepoRoot(), "appsettings.sample.json"))
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Coppice"] = "Host=127.0.0.1;Database=unused" })
            .Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddServiceOptions(configuration);
        services.AddCoppiceCapture(configuration);
        services.AddCoppiceVisits(configuration);
        services.AddCoppiceStorage(configuration);
        services.AddCoppiceReports(configuration);
        services.AddCoppiceScheduling(configuration);
        using var provider = services.BuildServiceProvider();

        // Every ValidateOnStart registration (data annotations and cross-field validators) runs here.
        CoppiceHost.ValidateOptions(provider);
        Assert.Equal(5000, provider.GetRequiredService<IOptions<IngestOptions>>().Value.ObservationBatchSize);
        Assert.Equal(90, provider.GetRequiredService<IOptions<RetentionOptions>>().Value.VisitsDays);
        Assert.Equal("smtp.school.example", provider.GetRequiredService<IOptions<SmtpOptions>>().Value.Host);
        Assert.Equal("0 30 2 * * ?", provider.GetRequiredService<IOptions<SchedulingOptions>>().Value.RetentionPurgeCron);
    }

    [Fact]
    public void Validate_RetentionSchoolWindowOutOfRange_FailsNamingTheKey()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Coppice"] = "Host=127.0.0.1;Database=unused",
            ["Retention:Schools:oak:VisitsDays"] = "0",
        }).Build();
        using var provider = new ServiceCollection().AddLogging().AddCoppiceStorage(configuration).BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<RetentionOptions>>().Value);
        Assert.Contains("Retention:Schools:oak:VisitsDays", error.Message, StringComparison.Ordinal);
    }

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

    private static ServiceProvider Build(IConfigurationBuilder builder)
    {
        var configuration = builder
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Coppice"] = "Host=127.0.0.1;Database=unused" })
            .Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddCoppiceStorage(configuration);
        services.AddCoppiceReports(configuration);
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
