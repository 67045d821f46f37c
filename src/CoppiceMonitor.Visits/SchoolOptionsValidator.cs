using System.Net;
using Microsoft.Extensions.Options;

namespace CoppiceMonitor.Visits;

/// <summary>
/// Cross-field validation of a school's configuration; every message names the configuration key at fault
/// (e.g. "Schools:0:Timetable:Friday:Directed:1"). For named options the name is used as the list index.
/// </summary>
public sealed class SchoolOptionsValidator : IValidateOptions<SchoolOptions>
{
    public ValidateOptionsResult Validate(string? name, SchoolOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var prefix = SchoolOptions.SectionName + ":" + (string.IsNullOrEmpty(name) ? "0" : name);
        var errors = Check(options, prefix);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>Validates the whole "Schools" list: each school by index, and ids unique.</summary>
    public static IReadOnlyList<string> CheckAll(IReadOnlyList<SchoolOptions> schools)
    {
        ArgumentNullException.ThrowIfNull(schools);
        var errors = new List<string>();
        if (schools.Count == 0)
        {
            errors.Add($"{SchoolOptions.SectionName}: at least one school is required.");
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < schools.Count; i++)
        {
            var prefix = $"{SchoolOptions.SectionName}:{i}";
            errors.AddRange(Check(schools[i], prefix));
            if (schools[i].Id.Length > 0 && !ids.Add(schools[i].Id))
            {
                errors.Add($"{prefix}:Id: '{schools[i].Id}' is used by an earlier school.");
            }
        }

        return errors;
    }

    public static IReadOnlyList<string> Check(SchoolOptions options, string prefix)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Id))
        {
            errors.Add($"{prefix}:Id: a school id is required.");
        }

        if (SchoolCalendar.FindZone(options.TimeZone) is null)
        {
            errors.Add($"{prefix}:TimeZone: '{options.TimeZone}' is not a time zone id known to this system (e.g. Europe/London).");
        }

        if (options.ExcessiveMinutesPerDay is < 1 or > 1440)
        {
            errors.Add($"{prefix}:ExcessiveMinutesPerDay: {options.ExcessiveMinutesPerDay} must be between 1 and 1440.");
        }

        var t = options.Timetable ?? new TimetableOptions();
        CheckDay(errors, $"{prefix}:Timetable", t.Directed, t.Breaks, t.NonDirected);
        foreach (var day in Enum.GetValues<DayOfWeek>())
        {
            if (t.For(day) is { } over)
            {
                var weekend = day is DayOfWeek.Saturday or DayOfWeek.Sunday;
                CheckDay(errors, $"{prefix}:Timetable:{day}",
                    over.Directed ?? (weekend ? [] : t.Directed),
                    over.Breaks ?? (weekend ? [] : t.Breaks),
                    over.NonDirected ?? (weekend ? [] : t.NonDirected),
                    over.Directed is null, over.Breaks is null, over.NonDirected is null);
            }
        }

        CheckDates(errors, $"{prefix}:Terms", options.Terms);
        CheckDates(errors, $"{prefix}:Closures", options.Closures);
        CheckSubnets(errors, $"{prefix}:PupilSubnets", options.PupilSubnets);
        CheckSubnets(errors, $"{prefix}:GuestSubnets", options.GuestSubnets);
        return errors;
    }

    private static void CheckDay(List<string> errors, string prefix, IList<string> directed, IList<string> breaks, IList<string> nonDirected,
        bool inheritedDirected = false, bool inheritedBreaks = false, bool inheritedNonDirected = false)
    {
        // Inherited lists were already reported under the default timetable; only check them for overlaps.
        var ranges = new List<(int Start, int End, string Key)>();
        Collect(errors, $"{prefix}:Directed", directed, ranges, !inheritedDirected);
        Collect(errors, $"{prefix}:Breaks", breaks, ranges, !inheritedBreaks);
        Collect(errors, $"{prefix}:NonDirected", nonDirected, ranges, !inheritedNonDirected);
        ranges.Sort((a, b) => a.Start.CompareTo(b.Start));
        for (var i = 1; i < ranges.Count; i++)
        {
            if (ranges[i].Start < ranges[i - 1].End)
            {
                errors.Add($"{ranges[i].Key}: overlaps {ranges[i - 1].Key}; a minute can be in one range only.");
            }
        }
    }

    private static void Collect(List<string> errors, string key, IList<string> values, List<(int, int, string)> ranges, bool report)
    {
        for (var i = 0; i < values.Count; i++)
        {
            if (SchoolCalendar.TryParseTimeRange(values[i], out var start, out var end))
            {
                ranges.Add((start, end, $"{key}:{i}"));
            }
            else if (report)
            {
                errors.Add($"{key}:{i}: '{values[i]}' is not a local time range HH:mm-HH:mm with the end after the start.");
            }
        }
    }

    private static void CheckDates(List<string> errors, string key, IList<string> values)
    {
        for (var i = 0; i < values.Count; i++)
        {
            if (!SchoolCalendar.TryParseDateRange(values[i], out _, out _))
            {
                errors.Add($"{key}:{i}: '{values[i]}' is not a date range yyyy-MM-dd..yyyy-MM-dd with the end on or after the start.");
            }
        }
    }

    private static void CheckSubnets(List<string> errors, string key, IList<string> values)
    {
        for (var i = 0; i < values.Count; i++)
        {
            if (!IPNetwork.TryParse(values[i], out _))
            {
                errors.Add($"{key}:{i}: '{values[i]}' is not a CIDR network such as 10.20.0.0/16.");
            }
        }
    }
}
