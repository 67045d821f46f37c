namespace CoppiceMonitor.Simulation.Scenario;

/// <summary>One planned activity: a site on a device, as runs of consecutive active minutes.</summary>
internal sealed record PlannedVisit(SimDevice Device, SimSite Site, IReadOnlyList<ActiveRun> Runs, bool AuthorisedWorkUse);

/// <summary>Consecutive UTC minutes with data, the first starting at <see cref="StartUtc"/> (inside that minute).</summary>
internal readonly record struct ActiveRun(DateTime StartUtc, int Minutes);

/// <summary>When a device is on the network.</summary>
internal readonly record struct Presence(SimDevice Device, DateTime ArrivalUtc, DateTime DepartureUtc);

/// <summary>
/// The day's story in the default timetable (Europe/London): directed 08:50-10:30, 10:50-12:15, 13:15-15:20;
/// breaks 10:30-10:50 and 12:15-13:15; non-directed 08:00-08:50 and 15:20-17:30.
/// </summary>
internal sealed class DayPlanner
{
    private readonly Random _random;
    private readonly DateOnly _date;
    private readonly TimeZoneInfo _zone;
    private readonly Dictionary<SimDevice, List<(DateTime Start, DateTime End)>> _busy = [];

    public DayPlanner(Random random, DateOnly date, TimeZoneInfo zone)
    {
        _random = random;
        _date = date;
        _zone = zone;
    }

    public List<Presence> Presences { get; } = [];

    public List<PlannedVisit> Visits { get; } = [];

    public List<PlannedBackground> Background { get; } = [];

    public DateTime LocalToUtc(int hour, int minute) =>
        TimeZoneInfo.ConvertTimeToUtc(_date.ToDateTime(new TimeOnly(hour, minute)), _zone);

    public void Plan(SchoolPopulation population)
    {
        var roles = population.Roles;
        foreach (var device in population.Devices)
        {
            switch (device.Kind)
            {
                case SimDeviceKind.Staff:
                    PlanStaffDevice(device, roles);
                    break;
                case SimDeviceKind.Shared:
                    PlanShared(device);
                    break;
                case SimDeviceKind.Pupil:
                    PlanPupil(device);
                    break;
                case SimDeviceKind.Guest:
                    PlanGuest(device);
                    break;
            }
        }
    }

    private DateTime Between(DateTime from, DateTime to) =>
        from.AddSeconds(_random.NextDouble() * Math.Max(0, (to - from).TotalSeconds));

    private (DateTime Arrival, DateTime Departure) Arrive(SimDevice device, DateTime earliest, DateTime latest, DateTime leaveFrom, DateTime leaveTo)
    {
        var arrival = Between(earliest, latest);
        var departure = Between(leaveFrom, leaveTo);
        Presences.Add(new Presence(device, arrival, departure));
        return (arrival, departure);
    }

    private void PlanStaffDevice(SimDevice device, SchoolPopulation.Highlights roles)
    {
        var laptop = device.DeviceId.EndsWith("-LT", StringComparison.Ordinal) || device.DeviceId.EndsWith("-PC", StringComparison.Ordinal);
        // The excessive user's phone stays on a charger in the staff room until the building closes.
        var (arrival, departure) = device.StaffId == roles.ExcessiveUserId
            ? Arrive(device, LocalToUtc(7, 40), LocalToUtc(8, 0), LocalToUtc(18, 15), LocalToUtc(18, 25))
            : Arrive(device, LocalToUtc(7, 30), LocalToUtc(8, 35), LocalToUtc(15, 45), LocalToUtc(17, 50));
        var window = (Start: arrival.AddMinutes(3), End: departure.AddMinutes(-3));

        if (laptop)
        {
            // The story's fixed visits go first so that random ones cannot crowd them out.
            if (device.DeviceId == roles.AuthorisedDeviceId)
            {
                // Policy section 5: this device runs the school's own Facebook and Instagram in lesson time.
                TryAdd(device, SimulatedSites.Facebook, Between(LocalToUtc(9, 5), LocalToUtc(9, 30)), 8, window, authorised: true);
                TryAdd(device, SimulatedSites.Instagram, Between(LocalToUtc(11, 0), LocalToUtc(11, 30)), 6, window, authorised: true);
            }

            if (device.StaffId == roles.HeadteacherId && device.DeviceId.EndsWith("-LT", StringComparison.Ordinal))
            {
                // Her own Facebook visit at lunch, beside the like buttons of the news pages she reads.
                TryAdd(device, SimulatedSites.Facebook, LocalToUtc(12, 30), 7, window);
                Background.Add(BackgroundPlanner.ForLaptop(device, LocalToUtc(9, 2)));
            }

            if (device.StaffId == roles.SpecialCategoryUserId)
            {
                TryAdd(device, SimulatedSites.TradeUnion, Between(LocalToUtc(12, 25), LocalToUtc(12, 40)), 6, window);
            }

            // Work in lessons: Classroom, Office, GOV.UK; some news with embedded social widgets.
            var work = 5 + _random.Next(5);
            for (var i = 0; i < work; i++)
            {
                var slot = DirectedSlot();
                TryAdd(device, SimulatedSites.Work[_random.Next(SimulatedSites.Work.Count)], slot, 4 + _random.Next(16), window);
            }

            if (device.StaffId == roles.HeadteacherId && device.DeviceId.EndsWith("-LT", StringComparison.Ordinal))
            {
                TryAdd(device, SimulatedSites.BbcNews, LocalToUtc(9, 35), 5, window);
            }
            else if (_random.Next(2) == 0)
            {
                TryAdd(device, SimulatedSites.BbcNews, Between(LocalToUtc(8, 0), LocalToUtc(8, 45)), 3 + _random.Next(6), window);
            }

            if (_random.Next(5) == 0)
            {
                TryAdd(device, SocialFor(device), Between(LocalToUtc(12, 20), LocalToUtc(12, 50)), 3 + _random.Next(10), window);
            }

            // Marking and planning after the pupils leave, for some until after 17:30 (outside hours).
            if (_random.Next(10) < 4)
            {
                TryAdd(device, SimulatedSites.Work[_random.Next(SimulatedSites.Work.Count)], Between(LocalToUtc(15, 30), LocalToUtc(17, 25)), 4 + _random.Next(16), window);
            }

            return;
        }

        if (device.StaffId == roles.ExcessiveUserId)
        {
            // Well over the 60 minutes a day threshold (all category SocialMedia): lessons, both breaks and after school.
            TryAdd(device, SimulatedSites.TikTok, LocalToUtc(9, 12), 10, window);
            TryAdd(device, SimulatedSites.Instagram, LocalToUtc(10, 31), 17, window);
            TryAdd(device, SimulatedSites.Facebook, LocalToUtc(12, 17), 24, window);
            TryAdd(device, SimulatedSites.TikTok, LocalToUtc(12, 58), 20, window);
            TryAdd(device, SimulatedSites.Reddit, LocalToUtc(15, 27), 22, window);
            var tikTok = Visits.Last(v => v.Device == device && v.Site == SimulatedSites.TikTok).Runs[0].StartUtc;
            Background.AddRange(BackgroundPlanner.ForPhone(_random, device, Presences[^1], tikTok.AddSeconds(20)));
            return;
        }

        if (_random.Next(10) < 7)
        {
            TryAdd(device, SocialFor(device), Between(LocalToUtc(10, 30), LocalToUtc(10, 38)), 3 + _random.Next(9), window);
        }

        if (_random.Next(10) < 8)
        {
            TryAdd(device, SocialFor(device), Between(LocalToUtc(12, 15), LocalToUtc(12, 25)), 5 + _random.Next(16), window);
        }

        if (_random.Next(10) < 5)
        {
            TryAdd(device, SocialFor(device), Between(LocalToUtc(12, 45), LocalToUtc(12, 55)), 4 + _random.Next(12), window);
        }

        if (_random.Next(10) < 6)
        {
            TryAdd(device, SocialFor(device), Between(LocalToUtc(15, 22), LocalToUtc(16, 30)), 5 + _random.Next(20), window);
        }

        if (_random.Next(10) < 3)
        {
            TryAdd(device, SocialFor(device), DirectedSlot(), 2 + _random.Next(6), window);
        }

        // Messages and work email on the phone during the day.
        for (var i = _random.Next(3); i > 0; i--)
        {
            TryAdd(device, _random.Next(2) == 0 ? SimulatedSites.WhatsApp : SimulatedSites.Office, DirectedSlot(), 1 + _random.Next(4), window);
        }
    }

    private void PlanShared(SimDevice device)
    {
        var (arrival, departure) = Arrive(device, LocalToUtc(7, 0), LocalToUtc(7, 10), LocalToUtc(18, 0), LocalToUtc(18, 10));
        var window = (arrival.AddMinutes(3), departure.AddMinutes(-3));
        TryAdd(device, SimulatedSites.BbcNews, LocalToUtc(10, 33), 8, window);
        TryAdd(device, SimulatedSites.Facebook, LocalToUtc(12, 20), 12, window);
        TryAdd(device, SimulatedSites.YouTube, LocalToUtc(12, 45), 9, window);
    }

    private void PlanPupil(SimDevice device)
    {
        var (arrival, departure) = Arrive(device, LocalToUtc(8, 20), LocalToUtc(8, 50), LocalToUtc(15, 15), LocalToUtc(15, 35));
        var window = (arrival.AddMinutes(2), departure.AddMinutes(-2));
        TryAdd(device, SimulatedSites.Classroom, DirectedSlot(), 3 + _random.Next(12), window);
        TryAdd(device, SimulatedSites.Classroom, DirectedSlot(), 3 + _random.Next(12), window);
        if (_random.Next(10) < 5)
        {
            TryAdd(device, SimulatedSites.PupilSocial[_random.Next(SimulatedSites.PupilSocial.Count)],
                Between(LocalToUtc(10, 30), LocalToUtc(10, 40)), 2 + _random.Next(7), window);
        }

        if (_random.Next(10) < 6)
        {
            TryAdd(device, SimulatedSites.PupilSocial[_random.Next(SimulatedSites.PupilSocial.Count)],
                Between(LocalToUtc(12, 20), LocalToUtc(12, 55)), 3 + _random.Next(15), window);
        }
    }

    private void PlanGuest(SimDevice device)
    {
        var (arrival, departure) = Arrive(device, LocalToUtc(9, 0), LocalToUtc(11, 0), LocalToUtc(13, 0), LocalToUtc(15, 0));
        var window = (arrival.AddMinutes(2), departure.AddMinutes(-2));
        TryAdd(device, SimulatedSites.LinkedIn, Between(arrival.AddMinutes(5), arrival.AddMinutes(30)), 4 + _random.Next(6), window);
        TryAdd(device, SimulatedSites.BbcNews, Between(arrival.AddMinutes(45), arrival.AddMinutes(90)), 3 + _random.Next(5), window);
    }

    private SimSite SocialFor(SimDevice device) =>
        SimulatedSites.StaffSocial[_random.Next(SimulatedSites.StaffSocial.Count)];

    /// <summary>A random moment inside one of the three directed blocks.</summary>
    private DateTime DirectedSlot() => _random.Next(3) switch
    {
        0 => Between(LocalToUtc(8, 55), LocalToUtc(10, 10)),
        1 => Between(LocalToUtc(10, 55), LocalToUtc(12, 0)),
        _ => Between(LocalToUtc(13, 20), LocalToUtc(15, 0)),
    };

    /// <summary>
    /// Adds a visit of about <paramref name="minutes"/> active minutes if it fits the device's day and does not come
    /// within 6 minutes of another visit on the same device (so each planned visit stays one visit downstream).
    /// Long visits get short pauses (1-2 idle minutes), which start new connections as real pages do.
    /// </summary>
    private void TryAdd(SimDevice device, SimSite site, DateTime start, int minutes, (DateTime Start, DateTime End) window, bool authorised = false)
    {
        start = start.AddSeconds(_random.Next(0, 40) - start.Second);
        var runs = new List<ActiveRun>();
        var remaining = minutes;
        var cursor = start;
        while (remaining > 0)
        {
            var run = remaining > 8 && _random.Next(2) == 0 ? 4 + _random.Next(remaining - 4) : remaining;
            runs.Add(new ActiveRun(cursor, run));
            remaining -= run;
            var gap = 1 + _random.Next(2);
            var next = cursor.AddMinutes(run + gap);
            cursor = new DateTime(next.Year, next.Month, next.Day, next.Hour, next.Minute, _random.Next(0, 40), DateTimeKind.Utc);
        }

        var end = runs[^1].StartUtc.AddMinutes(runs[^1].Minutes + 1);
        if (start < window.Start || end > window.End)
        {
            return;
        }

        var busy = _busy.TryGetValue(device, out var list) ? list : _busy[device] = [];
        if (busy.Any(b => start < b.End.AddMinutes(6) && b.Start < end.AddMinutes(6)))
        {
            return;
        }

        busy.Add((start, end));
        Visits.Add(new PlannedVisit(device, site, runs, authorised));
    }
}
