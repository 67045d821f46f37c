using System.Globalization;

namespace CoppiceMonitor.Reports.Rendering;

/// <summary>
/// Numbers and dates as every rendering prints them: invariant culture, whole minutes (a "41.0" suggests a precision
/// network timing does not have, and reads as a decimal figure to be compared).
/// </summary>
public static class ReportFormat
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>Whole minutes, midpoint away from zero (12.5 -> 13), invariant culture.</summary>
    public static string Minutes(double minutes) => WholeMinutes(minutes).ToString("0", Invariant);

    /// <summary>The whole number of minutes a figure is shown as; a figure that shows as 0 is no figure at all.</summary>
    public static double WholeMinutes(double minutes) => Math.Round(minutes, 0, MidpointRounding.AwayFromZero);

    public static string SignedMinutes(double minutes)
    {
        var rounded = WholeMinutes(minutes);
        return rounded switch
        {
            > 0 => "+" + rounded.ToString("0", Invariant),
            < 0 => "\u2212" + (-rounded).ToString("0", Invariant),
            _ => "no change",
        };
    }

    /// <summary>What a comparison cell says when the previous period holds no data: never a change from zero.</summary>
    public static string NoPreviousData(ReportPeriod period) => $"no data for the previous {period.Noun}";

    public static string Percent(double share) =>
        Math.Round(share * 100, 1, MidpointRounding.AwayFromZero).ToString("0.0", Invariant) + "%";

    public static string IsoDate(DateOnly date) => date.ToString("yyyy-MM-dd", Invariant);

    public static string LongDate(DateOnly date) => date.ToString("dddd d MMMM yyyy", Invariant);

    public static string ShortDay(DateOnly date) => date.ToString("ddd d MMM", Invariant);

    /// <summary>"Weekly", "Monthly", "Daily" or "" (a range has no adjective; its dates are in the title).</summary>
    public static string PeriodAdjective(ReportPeriod period) => period.Kind switch
    {
        ReportPeriodKind.Day => "Daily",
        ReportPeriodKind.Week => "Weekly",
        ReportPeriodKind.Month => "Monthly",
        _ => string.Empty,
    };

    /// <summary>"Weekly social-media summary", or "Social-media summary" for a range (the dates follow it).</summary>
    public static string Title(ReportPeriod period, string what) =>
        PeriodAdjective(period) is { Length: > 0 } adjective ? adjective + " " + what : char.ToUpperInvariant(what[0]) + what[1..];

    /// <summary>
    /// Table columns for a period: one per day up to 8 days ("Mon 7"), otherwise one per week, Monday to Sunday and
    /// clipped to the period, labelled by its first day ("7 Sep"), so a month does not need 31 columns.
    /// </summary>
    public static IReadOnlyList<(string Label, DateOnly From, DateOnly To)> Columns(ReportPeriod period)
    {
        if (period.Days <= 8)
        {
            return [.. period.Dates.Select(d => (d.ToString("ddd d", Invariant), d, d))];
        }

        var columns = new List<(string, DateOnly, DateOnly)>();
        for (var from = period.From; from <= period.To;)
        {
            var sunday = from.AddDays((7 - (int)from.DayOfWeek) % 7);
            var to = sunday < period.To ? sunday : period.To;
            columns.Add((from.ToString("d MMM", Invariant), from, to));
            from = to.AddDays(1);
        }

        return columns;
    }

    public static string PeriodText(ReportPeriod period) =>
        period.Days == 1 ? LongDate(period.From) : $"{LongDate(period.From)} to {LongDate(period.To)}";
}
