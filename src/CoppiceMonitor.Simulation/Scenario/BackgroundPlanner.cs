namespace CoppiceMonitor.Simulation.Scenario;

/// <summary>
/// Traffic that is not use and must add no minutes (policy 11): a push channel held open all day, a tab left open
/// after use (keep-alives), an app's background refresh on a phone left on a charger, a browser's prefetch. Each
/// connection is (start, exchanges after its first minute).
/// </summary>
internal sealed record PlannedBackground(SimDevice Device, string Scenario, SimHost Host, IReadOnlyList<(DateTime Start, IReadOnlyList<Exchange> Tail)> Connections);

/// <summary>Plans the day's background scenarios on the devices whose day is fixed by the story.</summary>
internal static class BackgroundPlanner
{
    public const string PushChannel = "push-channel";
    public const string IdleTab = "idle-tab";
    public const string BackgroundRefresh = "background-refresh";
    public const string Prefetch = "prefetch";

    /// <summary>An HTTP/2 PING or WebSocket ping record and its answer: 17 bytes of payload each way.</summary>
    private const int PingBytes = 17;

    /// <summary>A phone's day: push channel, a tab left open from <paramref name="idleTabFrom"/> for 80 minutes, refreshes on the charger.</summary>
    public static IEnumerable<PlannedBackground> ForPhone(Random random, SimDevice phone, Presence phonePresence, DateTime idleTabFrom)
    {
        var idleTabTo = idleTabFrom.AddMinutes(80);
        // A messaging app's push channel from arrival to departure: a ping a minute, a pushed message every 12
        // minutes answered by a small acknowledgement.
        var open = phonePresence.ArrivalUtc.AddMinutes(4);
        var close = phonePresence.DepartureUtc.AddMinutes(-4);
        var push = new List<Exchange>();
        var minute = 1;
        for (var at = open.AddMinutes(1); at < close; at = at.AddMinutes(1), minute++)
        {
            var when = at.AddSeconds(random.Next(0, 50) - at.Second);
            push.Add(minute % 12 == 0
                ? new Exchange(when, 28, 1800 + random.Next(1400), ServerFirst: true)
                : new Exchange(when, PingBytes, PingBytes));
        }

        yield return new PlannedBackground(phone, PushChannel, SimulatedSites.WhatsApp.FirstParty, [(open, push)]);

        // A TikTok tab left open after use: the player's connection pings every ~50 s until she leaves.
        var idle = new List<Exchange>();
        for (var at = idleTabFrom.AddMinutes(1); at < idleTabTo; at = at.AddSeconds(45 + random.Next(10)))
        {
            idle.Add(new Exchange(at, PingBytes, PingBytes));
        }

        yield return new PlannedBackground(phone, IdleTab, SimulatedSites.TikTok.FirstParty, [(idleTabFrom, idle)]);

        // The phone stays on a charger after school: Instagram refreshes its feed every 30 minutes, one request on
        // one connection each time, with nobody looking.
        var refreshes = new List<(DateTime, IReadOnlyList<Exchange>)>();
        for (var at = phonePresence.DepartureUtc.AddMinutes(-100); at < close.AddMinutes(-2); at = at.AddMinutes(30))
        {
            refreshes.Add((at.AddSeconds(random.Next(0, 30)), []));
        }

        yield return new PlannedBackground(phone, BackgroundRefresh, SimulatedSites.Instagram.FirstParty, refreshes);
    }

    /// <summary>Chrome prefetches a result page the person never opens: one request on one connection.</summary>
    public static PlannedBackground ForLaptop(SimDevice laptop, DateTime prefetchAt) =>
        new(laptop, Prefetch, SimulatedSites.X.FirstParty, [(prefetchAt, [])]);
}
