namespace CoppiceMonitor.Visits;

/// <summary>
/// One school (configuration section "Schools", a list: Schools:0:Id, Schools:0:TimeZone, ...). Times are local
/// to <see cref="TimeZone"/>; ranges are "HH:mm-HH:mm", date ranges "yyyy-MM-dd..yyyy-MM-dd" (inclusive).
/// </summary>
public sealed class SchoolOptions
{
    public const string SectionName = "Schools";

    /// <summary>Stable identifier stored with every visit (e.g. "coppice-primary").</summary>
    public string Id { get; set; } = "";

    /// <summary>IANA time zone of the timetable and term dates.</summary>
    public string TimeZone { get; set; } = "Europe/London";

    public TimetableOptions Timetable { get; set; } = new();

    /// <summary>Term date ranges; days outside every term are outside hours. Empty: every weekday is a term day.</summary>
    public IList<string> Terms { get; init; } = [];

    /// <summary>Closures inside terms (INSET days, bank holidays, snow days): outside hours.</summary>
    public IList<string> Closures { get; init; } = [];

    /// <summary>Policy 9.1: minutes of personal social media per day above which a day counts as excessive.</summary>
    public int ExcessiveMinutesPerDay { get; set; } = 60;

    /// <summary>CIDR ranges of pupil networks: traffic there is never attributed to a person.</summary>
    public IList<string> PupilSubnets { get; init; } = [];

    /// <summary>CIDR ranges of guest networks: traffic there is never attributed to a person.</summary>
    public IList<string> GuestSubnets { get; init; } = [];
}

/// <summary>The weekly timetable: Monday-Friday ranges, with optional per-weekday overrides.</summary>
public sealed class TimetableOptions
{
    /// <summary>Lessons: pupils present, directed time.</summary>
    public IList<string> Directed { get; init; } = [];

    /// <summary>Breaks and lunch.</summary>
    public IList<string> Breaks { get; init; } = [];

    /// <summary>At school but not directed (before and after school).</summary>
    public IList<string> NonDirected { get; init; } = [];

    public DayTimetableOptions? Monday { get; set; }

    public DayTimetableOptions? Tuesday { get; set; }

    public DayTimetableOptions? Wednesday { get; set; }

    public DayTimetableOptions? Thursday { get; set; }

    public DayTimetableOptions? Friday { get; set; }

    /// <summary>Weekends are outside hours unless given here explicitly.</summary>
    public DayTimetableOptions? Saturday { get; set; }

    public DayTimetableOptions? Sunday { get; set; }

    public DayTimetableOptions? For(DayOfWeek day) => day switch
    {
        DayOfWeek.Monday => Monday,
        DayOfWeek.Tuesday => Tuesday,
        DayOfWeek.Wednesday => Wednesday,
        DayOfWeek.Thursday => Thursday,
        DayOfWeek.Friday => Friday,
        DayOfWeek.Saturday => Saturday,
        _ => Sunday,
    };
}

/// <summary>A weekday override: each list given replaces the default list of the same name for that day.</summary>
public sealed class DayTimetableOptions
{
    public IList<string>? Directed { get; set; }

    public IList<string>? Breaks { get; set; }

    public IList<string>? NonDirected { get; set; }
}
