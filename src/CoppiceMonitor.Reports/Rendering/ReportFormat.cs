using System.Globalization;

namespace CoppiceMonitor.Reports.Rendering;

/// <summary>Numbers and dates as every rendering prints them: invariant culture, minutes to one decimal place.</summary>
public static class ReportFormat
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>One decimal place, midpoint away from zero (12.25 -> 12.3), invariant culture.</summary>
    public static string Minutes(double minutes) =>
        Math.Round(minutes, 1, MidpointRounding.AwayFromZero).ToString("0.0", Invariant);

    public static string SignedMinutes(double minutes)
    {
        var rounded = Math.Round(minutes, 1, MidpointRounding.AwayFromZero);
        return rounded switch
        {
            > 0 => "+" + rounded.ToString("0.0", Invariant),
            < 0 => "\u2212" + (-rounded).ToString("0.0", Invariant),
            _ => "no change",
        };
    }

    public static string Percent(double share) =>
        Math.Round(share * 100, 1, MidpointRounding.AwayFromZero).ToString("0.0", Invariant) + "%";

    public static string IsoDate(DateOnly date) => date.ToString("yyyy-MM-dd", Invariant);

    public static string LongDate(DateOnly date) => date.ToString("dddd d MMMM yyyy", Invariant);

    public static string ShortDay(DateOnly date) => date.ToString("ddd d MMM", Invariant);

    public static string PeriodText(ReportPeriod period) =>
        period.Days == 1 ? LongDate(period.From) : $"{LongDate(period.From)} to {LongDate(period.To)}";
}
