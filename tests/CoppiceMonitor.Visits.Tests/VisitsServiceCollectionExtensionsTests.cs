using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CoppiceMonitor.Visits.Tests;

public class VisitsServiceCollectionExtensionsTests
{
    private static ServiceProvider Build(Dictionary<string, string?> values)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        return new ServiceCollection().AddVisits(configuration).BuildServiceProvider();
    }

    [Fact]
    public void AddVisits_ValidConfiguration_BindsOptionsAndCatalogue()
    {
        using var provider = Build(new()
        {
            ["Schools:0:Id"] = "coppice-primary",
            ["Schools:0:Timetable:Directed:0"] = "08:50-10:30",
            ["Visits:IdleGapMinutes"] = "7",
            ["Catalogue:SpecialCategories:clinic.example.org"] = "Health",
        });

        var schools = provider.GetRequiredService<IOptions<SchoolsOptions>>().Value;
        Assert.Equal("coppice-primary", Assert.Single(schools.Schools).Id);
        Assert.Equal(7, provider.GetRequiredService<IOptions<VisitsOptions>>().Value.IdleGapMinutes);
        Assert.Equal(120, provider.GetRequiredService<IOptions<VisitsOptions>>().Value.ReorderWindowSeconds);
        Assert.Equal("Health", provider.GetRequiredService<ServiceCatalog>().Classify("www.clinic.example.org").Service);
    }

    [Fact]
    public void AddVisits_InvalidValues_ValidationNamesTheKeys()
    {
        using var provider = Build(new()
        {
            ["Schools:0:Id"] = "coppice-primary",
            ["Schools:0:Closures:0"] = "2026-11-27",
            ["Visits:IdleGapMinutes"] = "0",
        });

        var schools = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<SchoolsOptions>>().Value);
        Assert.Contains("Schools:0:Closures:0", schools.Message, StringComparison.Ordinal);
        var visits = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<VisitsOptions>>().Value);
        Assert.Contains("IdleGapMinutes", visits.Message, StringComparison.Ordinal);
    }
}
