using CoppiceMonitor.Capture;
using Xunit;

namespace CoppiceMonitor.Capture.Tests;

public sealed class MacAddressTests
{
    [Theory]
    [InlineData("AA:bb:0c:0d:ee:0F")]
    [InlineData("aa-bb-0c-0d-ee-0f")]
    [InlineData("aabb0c0dee0f")]
    public void TryParse_CommonForms_RoundTripToColonForm(string text)
    {
        Assert.True(MacAddress.TryParse(text, out var mac));
        Assert.Equal("aa:bb:0c:0d:ee:0f", mac.ToString());
        Assert.Equal(mac, MacAddress.FromSpan([0xaa, 0xbb, 0x0c, 0x0d, 0xee, 0x0f]));
    }

    [Theory]
    [InlineData("")]
    [InlineData("aa:bb:cc:dd:ee")]
    [InlineData("aa:bb:cc:dd:ee:ff:00")]
    [InlineData("zz:bb:cc:dd:ee:ff")]
    public void TryParse_BadText_ReturnsFalse(string text) => Assert.False(MacAddress.TryParse(text, out _));
}
