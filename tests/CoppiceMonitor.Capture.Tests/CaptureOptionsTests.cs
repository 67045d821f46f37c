using System.ComponentModel.DataAnnotations;

namespace CoppiceMonitor.Capture.Tests;

public sealed class CaptureOptionsTests
{
    private static List<ValidationResult> Validate(CaptureOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }

    [Fact]
    public void Defaults_AreValidAndKeepTcpUdpAndTunnels()
    {
        var options = new CaptureOptions();

        Assert.Empty(Validate(options));
        Assert.Equal("Capture", CaptureOptions.SectionName);
        Assert.Contains("tcp or udp", options.Filter, StringComparison.Ordinal);
        Assert.Contains("vlan", options.Filter, StringComparison.Ordinal);
        Assert.True(options.Promiscuous);
    }

    [Theory]
    [InlineData(nameof(CaptureOptions.SnapLength))]
    [InlineData(nameof(CaptureOptions.MaxFlows))]
    [InlineData(nameof(CaptureOptions.FlowIdleSeconds))]
    [InlineData(nameof(CaptureOptions.KernelBufferBytes))]
    public void Validate_OutOfRangeValue_IsReported(string property)
    {
        var options = new CaptureOptions();
        typeof(CaptureOptions).GetProperty(property)!.SetValue(options, 1);

        var result = Assert.Single(Validate(options));
        Assert.Contains(property, result.MemberNames);
    }
}
