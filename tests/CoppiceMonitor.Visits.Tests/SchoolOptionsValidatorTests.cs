using Microsoft.Extensions.Configuration;

namespace CoppiceMonitor.Visits.Tests;

public class SchoolOptionsValidatorTests
{
    private static List<SchoolOptions> Bind(Dictionary<string, string?> values)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        return configuration.GetSection(SchoolOptions.SectionName).Get<List<SchoolOptions>>() ?? [];
    }

    private static Dictionary<string, string?> SampleKeys() => new()
    {
        ["Schools:0:Id"] = "coppice-primary",
        ["Schools:0:TimeZone"] = "Europe/London",
        ["Schools:0:Timetable:Directed:0"] = "08:50-10:30",
        ["Schools:0:Timetable:Directed:1"] = "10:50-12:15",
        ["Schools:0:Timetable:Directed:2"] = "13:15-15:20",
        ["Schools:0:Timetable:Breaks:0"] = "10:30-10:50",
        ["Schools:0:Timetable:Breaks:1"] = "12:15-13:15",
        ["Schools:0:Timetable:NonDirected:0"] = "08:00-08:50",
        ["Schools:0:Timetable:NonDirected:1"] = "15:20-17:30",
        ["Schools:0:Timetable:Friday:Directed:0"] = "08:50-10:30",
        ["Schools:0:Timetable:Friday:Directed:1"] = "10:50-12:15",
        ["Schools:0:Terms:0"] = "2026-09-02..2026-10-23",
        ["Schools:0:Terms:1"] = "2026-11-02..2026-12-18",
        ["Schools:0:Closures:0"] = "2026-11-27..2026-11-27",
        ["Schools:0:ExcessiveMinutesPerDay"] = "60",
        ["Schools:0:PupilSubnets:0"] = "10.20.0.0/16",
        ["Schools:0:GuestSubnets:0"] = "10.30.0.0/16",
    };

    [Fact]
    public void Bind_ContractShape_BindsEveryKeyAndValidates()
    {
        var schools = Bind(SampleKeys());

        var school = Assert.Single(schools);
        Assert.Equal("coppice-primary", school.Id);
        Assert.Equal(3, school.Timetable.Directed.Count);
        Assert.Equal(["08:50-10:30", "10:50-12:15"], school.Timetable.Friday!.Directed!);
        Assert.Null(school.Timetable.Friday.Breaks);
        Assert.Equal(2, school.Terms.Count);
        Assert.Single(school.Closures);
        Assert.Equal(60, school.ExcessiveMinutesPerDay);
        Assert.Equal(["10.20.0.0/16"], school.PupilSubnets);
        Assert.Empty(SchoolOptionsValidator.CheckAll(schools));
        Assert.True(new SchoolOptionsValidator().Validate("0", school).Succeeded);
    }

    [Fact]
    public void CheckAll_BadValues_EachMessageNamesTheKey()
    {
        var keys = SampleKeys();
        keys["Schools:0:TimeZone"] = "Europe/Nowhere";
        keys["Schools:0:Timetable:Directed:1"] = "10.50-12.15";
        keys["Schools:0:Timetable:Friday:Directed:0"] = "08:50-10:40";
        keys["Schools:0:Terms:1"] = "2026-11-02..2026-10-18";
        keys["Schools:0:PupilSubnets:0"] = "10.20.0.0/33";
        keys["Schools:0:ExcessiveMinutesPerDay"] = "0";
        keys["Schools:1:Id"] = "coppice-primary";

        var errors = SchoolOptionsValidator.CheckAll(Bind(keys));

        Assert.Contains(errors, e => e.StartsWith("Schools:0:TimeZone:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Schools:0:Timetable:Directed:1:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Schools:0:Timetable:Friday:Breaks:0: overlaps Schools:0:Timetable:Friday:Directed:0", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Schools:0:Terms:1:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Schools:0:PupilSubnets:0:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Schools:0:ExcessiveMinutesPerDay:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Schools:1:Id:", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_NamedOptions_UsesNameAsIndex()
    {
        var result = new SchoolOptionsValidator().Validate("2", new SchoolOptions { Id = "x", Timetable = { Directed = { "9-10" } } });

        Assert.True(result.Failed);
        Assert.Contains("Schools:2:Timetable:Directed:0", result.FailureMessage, StringComparison.Ordinal);
    }
}
