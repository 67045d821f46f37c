using System.Globalization;
using System.Net;

namespace CoppiceMonitor.Visits;

/// <summary>Which part of the school day a moment falls in.</summary>
public enum TimeBucket
{
    Directed,
    Break,
    NonDirected,
    OutsideHours,
}

/// <summary>A duration split by <see cref="TimeBucket"/>; the parts always add up to the whole.</summary>
public readonly record struct CalendarSplit(TimeSpan Directed, TimeSpan Break, TimeSpan NonDirected, TimeSpan OutsideHours)
{
    public TimeSpan Total => Directed + Break + NonDirected + OutsideHours;

    public static CalendarSplit operator +(CalendarSplit a, CalendarSplit b) =>
        new(a.Directed + b.Directed, a.Break + b.Break, a.NonDirected + b.NonDirected, a.OutsideHours + b.OutsideHours);

    public CalendarSplit Add(TimeBucket bucket, TimeSpan duration) => bucket switch
    {
        TimeBucket.Directed => this with { Directed = Directed + duration },
        TimeBucket.Break => this with { Break = Break + duration },
        TimeBucket.NonDirected => this with { NonDirected = NonDirected + duration },
        _ => this with { OutsideHours = OutsideHours + duration },
    };
}

/// <summary>
/// A school's timetable, terms and closures in its local time zone (daylight saving handled by converting each UTC
/// instant to local time). Outside every range, at weekends (unless overridden), on closures and outside terms:
/// outside hours. Overlapping ranges are rejected by validation; if present anyway, Directed wins over Break over
/// NonDirected.
/// </summary>
public sealed class SchoolCalendar
{
    private readonly TimeZoneInfo _zone;
    private readonly DaySchedule[] _days = new DaySchedule[7];
    private readonly (DateOnly From, DateOnly To)[] _terms;
    private readonly (DateOnly From, DateOnly To)[] _closures;
    private const int MinuteCacheSize = 4096;
    private readonly long[] _minuteCache = new long[MinuteCacheSize];

    private SchoolCalendar(SchoolOptions options, TimeZoneInfo zone)
    {
        Options = options;
        _zone = zone;
        var t = options.Timetable;
        for (var d = 0; d < 7; d++)
        {
            var day = (DayOfWeek)d;
            var over = t.For(day);
            var weekend = day is DayOfWeek.Saturday or DayOfWeek.Sunday;
            var directed = over?.Directed ?? (weekend ? [] : t.Directed);
            var breaks = over?.Breaks ?? (weekend ? [] : t.Breaks);
            var nonDirected = over?.NonDirected ?? (weekend ? [] : t.NonDirected);
            var ranges = new List<(int Start, int End, TimeBucket Bucket)>();
            ranges.AddRange(directed.Select(r => ToRange(r, TimeBucket.Directed)));
            ranges.AddRange(breaks.Select(r => ToRange(r, TimeBucket.Break)));
            ranges.AddRange(nonDirected.Select(r => ToRange(r, TimeBucket.NonDirected)));
            _days[d] = new DaySchedule([.. ranges.OrderBy(r => r.Bucket)]);
        }

        _terms = [.. options.Terms.Select(ParseDateRangeOrThrow)];
        _closures = [.. options.Closures.Select(ParseDateRangeOrThrow)];
        PupilSubnets = [.. options.PupilSubnets.Select(IPNetwork.Parse)];
        GuestSubnets = [.. options.GuestSubnets.Select(IPNetwork.Parse)];
    }

    public SchoolOptions Options { get; }

    public string SchoolId => Options.Id;

    public TimeZoneInfo TimeZone => _zone;

    public IReadOnlyList<IPNetwork> PupilSubnets { get; }

    public IReadOnlyList<IPNetwork> GuestSubnets { get; }

    /// <summary>Builds the calendar; throws <see cref="ArgumentException"/> listing every invalid key.</summary>
    public static SchoolCalendar Create(SchoolOptions options, string keyPrefix = "Schools:0")
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = SchoolOptionsValidator.Check(options, keyPrefix);
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(Environment.NewLine, errors), nameof(options));
        }

        return new SchoolCalendar(options, FindZone(options.TimeZone)!);
    }

    /// <summary>The local date of a UTC instant in the school's zone.</summary>
    public DateOnly LocalDate(DateTime utc) =>
        TryCached(utc, out var date, out _) ? date : DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(AsUtc(utc), _zone));

    /// <summary>The UTC instant at which a local date starts (local midnight, or the first valid local time).</summary>
    public DateTime StartOfLocalDayUtc(DateOnly date)
    {
        var local = date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        while (_zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(1);
        }

        return TimeZoneInfo.ConvertTimeToUtc(local, _zone);
    }

    public TimeBucket Classify(DateTime utc) =>
        TryCached(utc, out _, out var bucket) ? bucket : ClassifyLocal(TimeZoneInfo.ConvertTimeFromUtc(AsUtc(utc), _zone));

    /// <summary>
    /// Local date and bucket from a small per-UTC-minute cache: visits are split minute by minute and the time-zone
    /// conversion dominated that. Only minutes whose offset is a whole number of minutes are cached (so both values
    /// are constant across the minute); older LMT offsets are converted every time. Entries are single 64-bit
    /// words, so concurrent readers see either a whole entry or a miss.
    /// </summary>
    private bool TryCached(DateTime utc, out DateOnly date, out TimeBucket bucket)
    {
        var minute = utc.Ticks / TimeSpan.TicksPerMinute;
        var slot = (int)(minute & (MinuteCacheSize - 1));
        var entry = Volatile.Read(ref _minuteCache[slot]);
        if (entry >>> 24 == minute + 1)
        {
            date = DateOnly.FromDayNumber((int)((entry >> 2) & 0x3F_FFFF));
            bucket = (TimeBucket)(entry & 3);
            return true;
        }

        var minuteStart = new DateTime(minute * TimeSpan.TicksPerMinute, DateTimeKind.Utc);
        var local = TimeZoneInfo.ConvertTimeFromUtc(minuteStart, _zone);
        if ((local.Ticks - minuteStart.Ticks) % TimeSpan.TicksPerMinute != 0)
        {
            date = default;
            bucket = default;
            return false;
        }

        date = DateOnly.FromDateTime(local);
        bucket = ClassifyLocal(local);
        Volatile.Write(ref _minuteCache[slot], ((minute + 1) << 24) | ((long)date.DayNumber << 2) | (long)bucket);
        return true;
    }

    private TimeBucket ClassifyLocal(DateTime local)
    {
        var date = DateOnly.FromDateTime(local);
        if (IsIn(_closures, date) || (_terms.Length > 0 && !IsIn(_terms, date)))
        {
            return TimeBucket.OutsideHours;
        }

        var minute = (local.Hour * 60) + local.Minute;
        foreach (var (start, end, bucket) in _days[(int)local.DayOfWeek].Ranges)
        {
            if (minute >= start && minute < end)
            {
                return bucket;
            }
        }

        return TimeBucket.OutsideHours;
    }

    /// <summary>
    /// Splits [startUtc, endUtc) by bucket. Ranges sit on whole local minutes and the zone's offsets are whole
    /// minutes, so the bucket is constant within each UTC minute: classifying minute by minute is exact, and the
    /// parts add up to the whole span by construction.
    /// </summary>
    public CalendarSplit Split(DateTime startUtc, DateTime endUtc)
    {
        var split = default(CalendarSplit);
        var t = AsUtc(startUtc);
        var end = AsUtc(endUtc);
        while (t < end)
        {
            var minuteStart = new DateTime(t.Ticks - (t.Ticks % TimeSpan.TicksPerMinute), DateTimeKind.Utc);
            var next = minuteStart.AddMinutes(1);
            if (next > end)
            {
                next = end;
            }

            split = split.Add(Classify(minuteStart), next - t);
            t = next;
        }

        return split;
    }

    internal static TimeZoneInfo? FindZone(string id)
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            // Windows without ICU (invariant globalisation) knows only Windows ids; cover the product's own zone.
            return id == "Europe/London" && OperatingSystem.IsWindows()
                ? TimeZoneInfo.FindSystemTimeZoneById("GMT Standard Time")
                : null;
        }
    }

    internal static bool TryParseTimeRange(string text, out int startMinute, out int endMinute)
    {
        startMinute = endMinute = 0;
        var parts = text.Split('-', StringSplitOptions.TrimEntries);
        return parts.Length == 2 && TryParseMinute(parts[0], out startMinute) && TryParseMinute(parts[1], out endMinute)
            && endMinute > startMinute;
    }

    internal static bool TryParseDateRange(string text, out DateOnly from, out DateOnly to)
    {
        from = to = default;
        var parts = text.Split("..", StringSplitOptions.TrimEntries);
        return parts.Length == 2
            && DateOnly.TryParseExact(parts[0], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out from)
            && DateOnly.TryParseExact(parts[1], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out to)
            && to >= from;
    }

    private static bool TryParseMinute(string text, out int minute)
    {
        minute = 0;
        if (text == "24:00")
        {
            minute = 24 * 60;
            return true;
        }

        if (!TimeOnly.TryParseExact(text, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
        {
            return false;
        }

        minute = (time.Hour * 60) + time.Minute;
        return true;
    }

    private static (int, int, TimeBucket) ToRange(string text, TimeBucket bucket)
    {
        _ = TryParseTimeRange(text, out var start, out var end);
        return (start, end, bucket);
    }

    private static (DateOnly, DateOnly) ParseDateRangeOrThrow(string text)
    {
        _ = TryParseDateRange(text, out var from, out var to);
        return (from, to);
    }

    private static bool IsIn((DateOnly From, DateOnly To)[] ranges, DateOnly date)
    {
        foreach (var (from, to) in ranges)
        {
            if (date >= from && date <= to)
            {
                return true;
            }
        }

        return false;
    }

    private static DateTime AsUtc(DateTime t) => t.Kind == DateTimeKind.Utc ? t : DateTime.SpecifyKind(t, DateTimeKind.Utc);

    private sealed record DaySchedule((int Start, int End, TimeBucket Bucket)[] Ranges);
}
