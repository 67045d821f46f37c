using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace CoppiceMonitor.Reports;

/// <summary>The shape of a report period: it decides the title ("Weekly", "Monthly") and the comparison wording.</summary>
public enum ReportPeriodKind
{
    Day,

    /// <summary>Monday to Sunday.</summary>
    Week,

    /// <summary>A whole calendar month.</summary>
    Month,

    /// <summary>Any other range of dates.</summary>
    Range,
}

/// <summary>
/// An inclusive range of local calendar dates in the school's time zone (a report covers whole school days, so the
/// UTC instants depend on the zone and on daylight saving; see <see cref="ToUtcRange"/>).
/// </summary>
public readonly record struct ReportPeriod
{
    public ReportPeriod(DateOnly from, DateOnly to)
    {
        if (to < from)
        {
            throw new ArgumentException($"Period end {to:yyyy-MM-dd} is before its start {from:yyyy-MM-dd}.", nameof(to));
        }

        From = from;
        To = to;
    }

    public DateOnly From { get; }

    public DateOnly To { get; }

    public int Days => To.DayNumber - From.DayNumber + 1;

    /// <summary>
    /// The period compared against: the previous calendar month for a whole month (August for September, not the 30
    /// days before), otherwise the period of the same length immediately before this one.
    /// </summary>
    public ReportPeriod Previous => Kind == ReportPeriodKind.Month
        ? new(From.AddMonths(-1), From.AddDays(-1))
        : new(From.AddDays(-Days), From.AddDays(-1));

    /// <summary>What the period is, so titles and wording can say "week", "month" or name the range.</summary>
    public ReportPeriodKind Kind =>
        Days == 1 ? ReportPeriodKind.Day
        : Days == 7 && From.DayOfWeek == DayOfWeek.Monday ? ReportPeriodKind.Week
        : From.Day == 1 && To == From.AddMonths(1).AddDays(-1) ? ReportPeriodKind.Month
        : ReportPeriodKind.Range;

    /// <summary>"day", "week", "month" or "period": the word a sentence uses for this period.</summary>
    public string Noun => Kind switch
    {
        ReportPeriodKind.Day => "day",
        ReportPeriodKind.Week => "week",
        ReportPeriodKind.Month => "month",
        _ => "period",
    };

    public IEnumerable<DateOnly> Dates => Enumerable.Range(0, Days).Select(From.AddDays);

    /// <summary>Monday to Sunday of the week before the one containing <paramref name="today"/>.</summary>
    public static ReportPeriod PreviousWeek(DateOnly today)
    {
        var daysSinceMonday = ((int)today.DayOfWeek + 6) % 7;
        var thisMonday = today.AddDays(-daysSinceMonday);
        return new ReportPeriod(thisMonday.AddDays(-7), thisMonday.AddDays(-1));
    }

    /// <summary>The whole calendar month before the one containing <paramref name="today"/>.</summary>
    public static ReportPeriod PreviousMonth(DateOnly today)
    {
        var firstOfThisMonth = new DateOnly(today.Year, today.Month, 1);
        var firstOfPrevious = firstOfThisMonth.AddMonths(-1);
        return new ReportPeriod(firstOfPrevious, firstOfThisMonth.AddDays(-1));
    }

    /// <summary>Parses "last-week", "last-month" or "yyyy-MM-dd..yyyy-MM-dd" (the `report send --period` forms).</summary>
    public static bool TryParse(string? text, DateOnly today, [NotNullWhen(true)] out ReportPeriod? period)
    {
        period = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text.Trim();
        if (text.Equals("last-week", StringComparison.OrdinalIgnoreCase))
        {
            period = PreviousWeek(today);
            return true;
        }

        if (text.Equals("last-month", StringComparison.OrdinalIgnoreCase))
        {
            period = PreviousMonth(today);
            return true;
        }

        var separator = text.IndexOf("..", StringComparison.Ordinal);
        if (separator <= 0)
        {
            return false;
        }

        if (DateOnly.TryParseExact(text[..separator], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var from)
            && DateOnly.TryParseExact(text[(separator + 2)..], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var to)
            && to >= from)
        {
            period = new ReportPeriod(from, to);
            return true;
        }

        return false;
    }

    /// <summary>
    /// UTC instants [start, end) covering local midnight of <see cref="From"/> to local midnight after <see cref="To"/>.
    /// </summary>
    public (DateTime StartUtc, DateTime EndUtc) ToUtcRange(TimeZoneInfo timeZone)
    {
        ArgumentNullException.ThrowIfNull(timeZone);
        return (LocalMidnightToUtc(From, timeZone), LocalMidnightToUtc(To.AddDays(1), timeZone));
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{From:yyyy-MM-dd}..{To:yyyy-MM-dd}");

    private static DateTime LocalMidnightToUtc(DateOnly date, TimeZoneInfo timeZone)
    {
        var local = date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);

        // UK clocks change at 01:00/02:00, never at midnight, but a zone that skips midnight must not throw here.
        while (timeZone.IsInvalidTime(local))
        {
            local = local.AddMinutes(30);
        }

        return TimeZoneInfo.ConvertTimeToUtc(local, timeZone);
    }
}
