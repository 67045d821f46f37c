namespace CoppiceMonitor.Visits;

/// <summary>
/// Per local day, service, category and device kind: the active minutes and distinct devices of traffic that is
/// never attributed to a person. A day is emitted once it can no longer change (its end plus
/// <paramref name="settle"/> is behind the watermark) and then forgotten; later minutes of it come as a further row.
/// </summary>
internal sealed class AnonymousTotals(SchoolCalendar calendar, TimeSpan settle)
{
    private readonly SortedDictionary<DateOnly, Dictionary<(string Service, string Category, DeviceKind? Kind), Total>> _days = [];

    public int Days => _days.Count;

    /// <summary>One active minute of an unattributed device.</summary>
    public void AddMinute(DateTime minuteUtc, string service, string category, DeviceKind? kind, string deviceKey)
    {
        var date = calendar.LocalDate(minuteUtc);
        if (!_days.TryGetValue(date, out var day))
        {
            _days[date] = day = [];
        }

        var key = (service, category, kind);
        if (!day.TryGetValue(key, out var total))
        {
            day[key] = total = new Total();
        }

        total.Seconds += 60;
        total.Devices.Add(deviceKey);
    }

    /// <summary>Writes every day that can no longer change (all: every day); returns the rows written.</summary>
    public int EmitSettledDays(IVisitSink sink, DateTime watermark, bool all)
    {
        var rows = 0;
        List<DateOnly>? done = null;
        foreach (var (date, day) in _days)
        {
            if (!all && calendar.StartOfLocalDayUtc(date.AddDays(1)) + settle >= watermark)
            {
                break;
            }

            foreach (var ((service, category, kind), total) in day.OrderBy(p => p.Key.Service, StringComparer.Ordinal).ThenBy(p => p.Key.Kind))
            {
                sink.WriteAnonymousUsage(new AnonymousUsage(calendar.SchoolId, date, service, category, kind, total.Seconds, total.Devices.Count));
                rows++;
            }

            (done ??= []).Add(date);
        }

        done?.ForEach(d => _days.Remove(d));
        return rows;
    }

    private sealed class Total
    {
        public int Seconds { get; set; }

        public HashSet<string> Devices { get; } = new(StringComparer.Ordinal);
    }
}
