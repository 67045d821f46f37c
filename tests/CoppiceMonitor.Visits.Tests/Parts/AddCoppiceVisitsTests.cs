using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CoppiceMonitor.Visits.Tests.Parts;

public class AddCoppiceVisitsTests
{
    private static ServiceProvider Build(Dictionary<string, string?> values)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection();
        services.AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        services.AddCoppiceVisits(configuration);
        services.AddCoppiceVisits(configuration);
        return services.BuildServiceProvider();
    }

    private static Dictionary<string, string?> OneSchool() => new()
    {
        ["Schools:0:Id"] = "coppice-primary",
        ["Schools:0:Timetable:Directed:0"] = "08:50-10:30",
        ["Schools:1:Id"] = "coppice-north",
        ["Schools:1:Timetable:Directed:0"] = "09:00-12:00",
        ["Visits:IdleGapMinutes"] = "7",
    };

    /// <summary>What ValidateOnStart runs: every registered startup validation.</summary>
    private static void ValidateOnStart(ServiceProvider provider)
    {
        provider.GetRequiredService<IStartupValidator>().Validate();
    }

    [Fact]
    public void ValidConfiguration_FactoryBuildsEachSchoolsPipeline_WithTheBoundOptions()
    {
        using var provider = Build(OneSchool());
        ValidateOnStart(provider);

        var factory = provider.GetRequiredService<VisitPipelineFactory>();

        Assert.Equal(["coppice-primary", "coppice-north"], factory.Schools.Select(s => s.Id));
        Assert.Equal(7, factory.Options.IdleGapMinutes);
        Assert.Same(factory.Catalog, factory.Catalog);
        var pipeline = factory.Create(factory.Find("coppice-north")!, new RecordingSink(), TestData.Registry());
        Assert.Equal("coppice-north", pipeline.Calendar.SchoolId);
    }

    [Fact]
    public void BadValuesEverywhere_StartFails_NamingEveryKey()
    {
        var values = OneSchool();
        values["Schools:1:Timetable:Friday:Directed:0"] = "25:00-26:00";
        values["Schools:1:Id"] = "coppice-primary";
        values["Visits:IdleGapMinutes"] = "0";
        values["Visits:FlowSummaryGraceMinutes"] = "30";
        values["Visits:MaxOpenConnectionMinutes"] = "20";
        values["Catalogue:Services:0:Service"] = "LocalChat";
        values["Catalogue:Services:0:Suffix"] = "chat.example.net";
        values["Catalogue:Services:0:Role"] = "owner";
        values["Catalogue:ServiceCategories:YouTube"] = "Health";
        using var provider = Build(values);

        var error = Assert.ThrowsAny<Exception>(() => ValidateOnStart(provider));

        var text = error is AggregateException many
            ? string.Join("\n", many.InnerExceptions.Select(e => e.Message))
            : error.Message;
        Assert.Contains("Schools:1:Timetable:Friday:Directed:0", text, StringComparison.Ordinal);
        Assert.Contains("Schools:1:Id", text, StringComparison.Ordinal);
        Assert.Contains("IdleGapMinutes", text, StringComparison.Ordinal);
        Assert.Contains("Visits:MaxOpenConnectionMinutes", text, StringComparison.Ordinal);
        Assert.Contains("Catalogue:Services:0:Role", text, StringComparison.Ordinal);
        Assert.Contains("Catalogue:ServiceCategories:YouTube", text, StringComparison.Ordinal);
    }

    [Fact]
    public void NoSchoolConfigured_StartFails()
    {
        using var provider = Build(new Dictionary<string, string?>());

        var error = Assert.ThrowsAny<Exception>(() => ValidateOnStart(provider));

        Assert.Contains("Schools", error.Message, StringComparison.Ordinal);
    }
}
