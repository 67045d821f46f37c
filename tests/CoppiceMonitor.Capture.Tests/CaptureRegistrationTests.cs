using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CoppiceMonitor.Capture.Tests;

public sealed class CaptureRegistrationTests
{
    private static ServiceProvider Build(Dictionary<string, string?> settings) =>
        new ServiceCollection()
            .AddCoppiceCapture(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
            .BuildServiceProvider();

    private static List<ValidationResult> Validate(CaptureOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }

    [Fact]
    public void AddCoppiceCapture_BindsTheSectionIntoTheFactory()
    {
        using var services = Build(new() { ["Capture:MaxFlows"] = "5000", ["Capture:Interfaces:0"] = "eth1" });

        var factory = services.GetRequiredService<CaptureFactory>();

        Assert.Equal(5000, factory.Options.MaxFlows);
        Assert.Equal(["eth1"], factory.Options.Interfaces);
        Assert.NotNull(factory.CreateDecoder(new Builders.CollectingSink()));
    }

    [Fact]
    public void AddCoppiceCapture_OutOfRangeValue_FailsNamingTheField()
    {
        using var services = Build(new() { ["Capture:SnapLength"] = "10" });

        var ex = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<CaptureOptions>>().Value);
        Assert.Contains("SnapLength", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddCoppiceCapture_CrossFieldRuleBroken_FailsNamingBothFields()
    {
        using var services = Build(new() { ["Capture:MaxFlows"] = "100", ["Capture:MaxQuicPendingConnections"] = "200" });

        var ex = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<CaptureFactory>().Options);
        Assert.Contains("MaxQuicPendingConnections", ex.Message, StringComparison.Ordinal);
        Assert.Contains("MaxFlows", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_DuplicateOrEmptyInterface_IsReported()
    {
        var options = new CaptureOptions { Interfaces = ["eth1", "eth1", " "] };

        var results = Validate(options);

        Assert.Equal(2, results.Count);
        Assert.All(results, r => Assert.Contains(nameof(CaptureOptions.Interfaces), r.MemberNames));
        Assert.Contains(results, r => r.ErrorMessage!.Contains("'eth1' twice", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_ReadTimeoutNotShorterThanFlowIdle_IsReported()
    {
        var options = new CaptureOptions { ReadTimeoutMilliseconds = 5000, FlowIdleSeconds = 5 };

        var result = Assert.Single(Validate(options));

        Assert.Contains(nameof(CaptureOptions.ReadTimeoutMilliseconds), result.MemberNames);
        Assert.Contains(nameof(CaptureOptions.FlowIdleSeconds), result.MemberNames);
    }
}
