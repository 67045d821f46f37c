using CoppiceMonitor.Service.Verbs;

namespace CoppiceMonitor.Service.Tests.Verbs;

public sealed class PeriodArgumentTests
{
    [Theory]
    [InlineData("2026-11-25", "2026-11-16", "2026-11-22")] // Wednesday -> previous Monday..Sunday
    [InlineData("2026-11-23", "2026-11-16", "2026-11-22")] // Monday
    [InlineData("2026-11-29", "2026-11-16", "2026-11-22")] // Sunday belongs to the week that started 23rd
    public void TryParse_LastWeek_IsThePreviousMondayToSunday(string today, string from, string to)
    {
        Assert.True(PeriodArgument.TryParse("last-week", DateOnly.Parse(today, System.Globalization.CultureInfo.InvariantCulture), out var period, out _));
        Assert.Equal((DateOnly.Parse(from, System.Globalization.CultureInfo.InvariantCulture), DateOnly.Parse(to, System.Globalization.CultureInfo.InvariantCulture)), period);
    }

    [Fact]
    public void TryParse_LastMonth_InJanuary_IsDecemberOfTheYearBefore()
    {
        Assert.True(PeriodArgument.TryParse("last-month", new DateOnly(2027, 1, 10), out var period, out _));
        Assert.Equal((new DateOnly(2026, 12, 1), new DateOnly(2026, 12, 31)), period);
    }

    [Fact]
    public void TryParse_Range_IsInclusive()
    {
        Assert.True(PeriodArgument.TryParse("2026-11-16..2026-11-20", default, out var period, out _));
        Assert.Equal((new DateOnly(2026, 11, 16), new DateOnly(2026, 11, 20)), period);
    }

    [Theory]
    [InlineData("2026-11-20..2026-11-16", "TO is before FROM")]
    [InlineData("2026-11-16", "last-week, last-month or FROM..TO")]
    [InlineData("16/11/2026..20/11/2026", "last-week, last-month or FROM..TO")]
    public void TryParse_Invalid_ExplainsWhy(string text, string expected)
    {
        Assert.False(PeriodArgument.TryParse(text, default, out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }
}
