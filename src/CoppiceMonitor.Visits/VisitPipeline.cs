using System.Net;
using CoppiceMonitor.Capture;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CoppiceMonitor.Visits;

/// <summary>
/// Observations in, visits out, for one school. Observations pass a reorder buffer (ReorderWindowSeconds) and are
/// then processed in timestamp order: DHCP leases and DNS answers update attribution and the name cache; each
/// ClientHello / QUIC Initial / HTTP Host is evidence of a connection; each FlowSummary brings the connection's
/// active minutes. Per device and service, evidence is grouped into visits: only first-party (or messaging) evidence
/// opens a visit; CDN, embed and API names extend an open visit of the same service; a gap longer than
/// IdleGapMinutes closes it. Active time is the number of distinct minutes in which the visit's connections
/// carried data; a visit with no active minute is not a visit. Not thread-safe: one caller.
/// </summary>
public sealed class VisitPipeline
{
    private static readonly TimeSpan FinaliseEvery = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan MinuteSlack = TimeSpan.FromMinutes(1);

    private readonly VisitsOptions _options;
    private readonly ServiceCatalog _catalog;
    private readonly SchoolCalendar _calendar;
    private readonly DeviceAttributor _attributor;
    private readonly DnsNameCache _dns;
    private readonly IVisitSink _sink;
    private readonly ILogger _logger;
    // The reorder heap holds small keys (time, rank, slot) instead of two copies of each Observation: sifting then
    // moves 16 bytes without GC write barriers. Ties on time and rank fall back to the full ObservationOrder, so
    // the release order is exactly that of a heap of observations.
    private readonly PriorityQueue<int, ReorderKey> _reorder;
    private readonly Stack<int> _freeSlots = new();
    private Observation[] _slots = new Observation[256];
    private int _usedSlots;
    private readonly Dictionary<(string Device, string Service), SessionState> _sessions = [];
    private readonly Dictionary<ConnectionKey, List<PendingConnection>> _pending = [];
    private readonly SortedDictionary<DateOnly, Dictionary<(string Service, string Category, DeviceKind? Kind), AnonymousTotal>> _anonymous = [];
    private DateTime _maxSeen = DateTime.MinValue;
    private DateTime _watermark = DateTime.MinValue;
    private DateTime _nextFinalise = DateTime.MinValue;
    private static readonly long UnixEpochMinutes = DateTime.UnixEpoch.Ticks / TimeSpan.TicksPerMinute;
    private static readonly long MaxUnixMinute = (DateTime.MaxValue.Ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMinute;
    private long[] _minuteBuffer = new long[64];
    private readonly List<VisitBuilder> _candidates = [];
    private readonly List<int> _orphans = [];
    private readonly List<VisitBuilder> _builderPool = [];
    private bool[] _consumed = new bool[64];
    private bool[] _inCandidate = new bool[64];

    public VisitPipeline(SchoolCalendar calendar, ServiceCatalog catalog, DeviceRegistry registry, IVisitSink sink,
        VisitsOptions? options = null, ILogger<VisitPipeline>? logger = null)
    {
        _calendar = calendar ?? throw new ArgumentNullException(nameof(calendar));
        _catalog = catalog ?? throw new ArgumentNullException(nameof(catalog));
        _sink = sink ?? throw new ArgumentNullException(nameof(sink));
        _options = options ?? new VisitsOptions();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _attributor = new DeviceAttributor(registry ?? throw new ArgumentNullException(nameof(registry)), calendar.PupilSubnets, calendar.GuestSubnets);
        _dns = new DnsNameCache(_options.DnsNameWindow);
        _reorder = new PriorityQueue<int, ReorderKey>(new ReorderComparer(this));
        Log.PipelineStarted(_logger, calendar.SchoolId, catalog.Rows.Count, catalog.PublicSuffixes.Source, registry.Devices.Count);
    }

    public VisitPipelineCounters Counters { get; } = new();

    public SchoolCalendar Calendar => _calendar;

    /// <summary>Observations waiting in the reorder buffer.</summary>
    public int Buffered => _reorder.Count;

    /// <summary>Swaps in a re-imported registry; attribution of later observations uses it.</summary>
    public void UpdateRegistry(DeviceRegistry registry)
    {
        _attributor.Registry = registry ?? throw new ArgumentNullException(nameof(registry));
        Log.RegistryReplaced(_logger, registry.Devices.Count, registry.Staff.Count);
    }

    public void Add(in Observation observation)
    {
        Counters.Observations++;
        var o = observation.TimestampUtc.Kind == DateTimeKind.Utc
            ? observation
            : observation with { TimestampUtc = DateTime.SpecifyKind(observation.TimestampUtc, DateTimeKind.Utc) };
        if (o.TimestampUtc < _watermark)
        {
            Counters.LateObservations++;
        }

        var slot = Park(o);
        _reorder.Enqueue(slot, new ReorderKey(o.TimestampUtc.Ticks, ObservationOrder.Rank(o.Kind), slot));
        if (o.TimestampUtc > _maxSeen)
        {
            _maxSeen = o.TimestampUtc;
            Advance(_maxSeen - _options.ReorderWindow);
        }
    }

    /// <summary>
    /// Lets time pass when traffic is quiet: observations older than nowUtc minus the reorder window are processed
    /// and visits that can no longer change are emitted.
    /// </summary>
    public void Flush(DateTime nowUtc)
    {
        Advance(DateTime.SpecifyKind(nowUtc, DateTimeKind.Utc) - _options.ReorderWindow);
        Finalise(all: false);
    }

    /// <summary>End of input: everything buffered is processed and every visit and anonymous total emitted.</summary>
    public void Complete()
    {
        while (_reorder.TryDequeue(out var slot, out _))
        {
            var o = Unpark(slot);
            Process(o);
        }

        if (_maxSeen > _watermark)
        {
            _watermark = _maxSeen;
        }

        Finalise(all: true);
        _pending.Clear();
    }

    private void Advance(DateTime watermark)
    {
        if (watermark <= _watermark)
        {
            return;
        }

        _watermark = watermark;
        while (_reorder.TryPeek(out var slot, out var key) && key.Ticks <= _watermark.Ticks)
        {
            _reorder.Dequeue();
            var o = Unpark(slot);
            Process(o);
        }

        if (_watermark >= _nextFinalise)
        {
            Finalise(all: false);
            _nextFinalise = _watermark + FinaliseEvery;
        }
    }

    private int Park(in Observation o)
    {
        if (!_freeSlots.TryPop(out var slot))
        {
            if (_usedSlots == _slots.Length)
            {
                Array.Resize(ref _slots, _slots.Length * 2);
            }

            slot = _usedSlots++;
        }

        _slots[slot] = o;
        return slot;
    }

    private Observation Unpark(int slot)
    {
        var o = _slots[slot];
        _slots[slot] = default; // let the observation's strings and details be collected
        _freeSlots.Push(slot);
        return o;
    }

    private void Process(in Observation o)
    {
        switch (o.Kind)
        {
            case ObservationKind.DhcpLease:
                _attributor.Record(o);
                break;
            case ObservationKind.DnsAnswer when o.Detail is DnsAnswerDetail answer && !string.IsNullOrEmpty(o.Name):
                _dns.Record(o.Client, answer.Addresses, ServiceCatalog.Normalise(o.Name), o.TimestampUtc, answer.HasEchConfig);
                break;
            case ObservationKind.TlsClientHello or ObservationKind.QuicInitial or ObservationKind.HttpHost:
                OnConnection(o);
                break;
            case ObservationKind.FlowSummary when o.Detail is FlowDetail flow:
                OnFlowSummary(o, flow);
                break;
        }
    }

    private void OnConnection(in Observation o)
    {
        var hasEch = o.Detail is ClientHelloDetail { HasEncryptedClientHello: true };
        var host = ResolveName(o.Client, o.Server, o.Name, o.TimestampUtc, hasEch);
        if (host is null)
        {
            Counters.UnnamedConnections++;
            return;
        }

        var at = o.TimestampUtc;
        var classification = _catalog.Classify(host);
        var who = _attributor.Attribute(o.Client, o.ClientMac, at);
        var key = new ConnectionKey(DeviceAttributor.Normalise(o.Client), DeviceAttributor.Normalise(o.Server), o.ServerPort, o.Transport);
        if (!_pending.TryGetValue(key, out var list))
        {
            _pending[key] = list = [];
        }

        list.Add(new PendingConnection(at, o.Name, classification, who));
        foreach (var (service, opens) in Targets(classification))
        {
            var state = Session(who, service);
            state.PendingHellos.Add(at);
            state.Changed = true;
            AddEvent(state, who, new ActivityEvent(at, at, opens && classification.OpensVisit, -1, 1, opens ? classification : null));
        }
    }

    private void OnFlowSummary(in Observation o, FlowDetail flow)
    {
        var key = new ConnectionKey(DeviceAttributor.Normalise(o.Client), DeviceAttributor.Normalise(o.Server), o.ServerPort, o.Transport);
        HostClassification classification;
        DeviceAttribution who;
        var pending = TakePending(key, o.Name, DateTime.SpecifyKind(flow.FirstSeenUtc, DateTimeKind.Utc));
        if (pending is not null)
        {
            classification = pending.Classification;
            who = pending.Who;
            foreach (var (service, _) in Targets(classification))
            {
                var state = Session(who, service);
                state.PendingHellos.Remove(pending.HelloUtc);
                state.Changed = true;
            }
        }
        else
        {
            var at = DateTime.SpecifyKind(flow.FirstSeenUtc, DateTimeKind.Utc);
            var host = ResolveName(o.Client, o.Server, o.Name, at, hasEch: false);
            if (host is null)
            {
                Counters.UnnamedConnections++;
                return;
            }

            classification = _catalog.Classify(host);
            who = _attributor.Attribute(o.Client, o.ClientMac, at);
        }

        if (flow.ActiveMinutes.Count == 0)
        {
            // A connection that stayed open without data adds no time and no evidence.
            return;
        }

        var minutes = DistinctSortedMinutes(flow.ActiveMinutes);
        foreach (var (service, opens) in Targets(classification))
        {
            var state = Session(who, service);
            for (var i = 0; i < minutes.Length; i++)
            {
                var start = FromUnixMinute(minutes[i]);
                AddEvent(state, who, new ActivityEvent(start, start + MinuteSlack, opens && classification.OpensVisit, minutes[i], i == 0 ? 1 : 0,
                    opens ? classification : null));
            }
        }
    }

    /// <summary>The visit keys a host feeds: its own service, plus (extend-only) any services it also serves.</summary>
    private static TargetList Targets(HostClassification classification) => new(classification);

    /// <summary>A flow's active minutes, distinct and ascending, in a buffer reused for the next flow.</summary>
    private ReadOnlySpan<long> DistinctSortedMinutes(IReadOnlyList<long> active)
    {
        if (_minuteBuffer.Length < active.Count)
        {
            _minuteBuffer = new long[Math.Max(active.Count, _minuteBuffer.Length * 2)];
        }

        var span = _minuteBuffer.AsSpan(0, active.Count);
        for (var i = 0; i < span.Length; i++)
        {
            span[i] = active[i];
        }

        span.Sort();
        var kept = span.Length == 0 ? 0 : 1;
        for (var i = 1; i < span.Length; i++)
        {
            if (span[i] != span[kept - 1])
            {
                span[kept++] = span[i];
            }
        }

        return span[..kept];
    }

    /// <summary>Integral minutes after the Unix epoch as UTC (exact, unlike going through a double).</summary>
    private static DateTime FromUnixMinute(long minute) =>
        minute >= -UnixEpochMinutes && minute <= MaxUnixMinute
            ? new(DateTime.UnixEpoch.Ticks + (minute * TimeSpan.TicksPerMinute), DateTimeKind.Utc)
            : DateTime.UnixEpoch.AddMinutes(minute); // out of range: throws exactly as before

    /// <summary>
    /// The pending connection a FlowSummary closes. Without the client port several connections to one server share
    /// a key; the one whose ClientHello is nearest the flow's first packet is the best match.
    /// </summary>
    private PendingConnection? TakePending(ConnectionKey key, string? name, DateTime firstSeenUtc)
    {
        if (!_pending.TryGetValue(key, out var list))
        {
            return null;
        }

        var best = -1;
        var bestDistance = TimeSpan.MaxValue;
        for (var i = 0; i < list.Count; i++)
        {
            if (name is null || list[i].RawName is null || string.Equals(list[i].RawName, name, StringComparison.OrdinalIgnoreCase))
            {
                var distance = (list[i].HelloUtc - firstSeenUtc).Duration();
                if (distance < bestDistance)
                {
                    best = i;
                    bestDistance = distance;
                }
            }
        }

        if (best < 0)
        {
            return null;
        }

        var found = list[best];
        list.RemoveAt(best);
        if (list.Count == 0)
        {
            _pending.Remove(key);
        }

        return found;
    }

    /// <summary>
    /// The name a connection is classified by: its SNI, unless that is missing or an ECH outer name (or the client
    /// fetched ECH keys for the address), in which case the name this client resolved to the server address in the
    /// preceding DnsNameWindowMinutes. Null when nothing names it.
    /// </summary>
    private string? ResolveName(IPAddress client, IPAddress server, string? sni, DateTime atUtc, bool hasEch)
    {
        var name = ServiceCatalog.Normalise(sni);
        var known = _dns.TryResolve(client, server, atUtc, out var dnsName, out var dnsHasEch);
        if (name.Length == 0)
        {
            if (known)
            {
                Counters.NamesFromDns++;
            }

            return known ? dnsName : null;
        }

        // ECH with an outer name we do not know: trust DNS only when the answer carried ECH keys and the client never
        // looked the SNI up itself (Chrome sends GREASE ECH alongside a real SNI, and CDN addresses are shared).
        if (known && !string.Equals(dnsName, name, StringComparison.Ordinal)
            && (_catalog.Classify(name).IsEchOuterName || (hasEch && dnsHasEch && !_dns.WasLookedUp(client, name, atUtc))))
        {
            Counters.NamesFromDns++;
            return dnsName;
        }

        return name;
    }

    private SessionState Session(DeviceAttribution who, string service)
    {
        var key = (who.DeviceKey, service);
        if (!_sessions.TryGetValue(key, out var state))
        {
            _sessions[key] = state = new SessionState(who);
        }

        return state;
    }

    private void AddEvent(SessionState state, DeviceAttribution who, ActivityEvent e)
    {
        if (e.Start < state.FinalisedUpTo)
        {
            Counters.LateEventsDropped++;
            Log.LateEventsDropped(_logger, 1, who.DeviceKey);
            return;
        }

        state.Who = who;
        state.Changed = true;
        state.Events.Add(e);
        if (e.Start < state.EarliestStart)
        {
            state.EarliestStart = e.Start;
        }
    }

    private void Finalise(bool all)
    {
        // No observation has moved time yet (an empty replay, or `run` stopped before its first flush): nothing is
        // open, and the cut-offs below (watermark minus hours) would underflow DateTime.MinValue.
        if (_watermark == DateTime.MinValue)
        {
            return;
        }

        var gap = _options.IdleGap;
        var expiredBefore = _watermark - _options.MaxOpenConnection;
        var forgetBefore = _watermark - _options.MaxOpenConnection - gap - _options.FlowSummaryGrace - TimeSpan.FromHours(1);
        foreach (var (key, state) in _sessions)
        {
            var expired = all ? state.PendingHellos.Count : RemoveBefore(state.PendingHellos, expiredBefore);
            if (expired > 0)
            {
                if (all)
                {
                    state.PendingHellos.Clear();
                }

                state.Changed = true;
                Counters.PendingConnectionsExpired += expired;
                Log.PendingConnectionsExpired(_logger, expired, key.Item1);
            }

            FinaliseSession(state, key.Item2, all);
            if (state.Events.Count == 0 && state.PendingHellos.Count == 0 && (all || state.FinalisedUpTo < forgetBefore))
            {
                // Removing while enumerating is allowed for Dictionary (and avoids a list of keys every 30 s).
                _sessions.Remove(key);
            }
        }

        if (!all)
        {
            foreach (var (key, list) in _pending)
            {
                for (var i = list.Count - 1; i >= 0; i--)
                {
                    if (list[i].HelloUtc < expiredBefore)
                    {
                        list.RemoveAt(i);
                    }
                }

                if (list.Count == 0)
                {
                    _pending.Remove(key);
                }
            }
        }

        _dns.Prune(_watermark);
        _attributor.Prune(_watermark - TimeSpan.FromDays(1));
        EmitAnonymousDays(all);
    }

    private static int RemoveBefore(List<DateTime> times, DateTime before)
    {
        var kept = 0;
        for (var i = 0; i < times.Count; i++)
        {
            if (times[i] >= before)
            {
                times[kept++] = times[i];
            }
        }

        var removed = times.Count - kept;
        times.RemoveRange(kept, removed);
        return removed;
    }

    private void FinaliseSession(SessionState state, string service, bool all)
    {
        var events = state.Events;
        var gap = _options.IdleGap;
        var grace = _options.FlowSummaryGrace;
        if (events.Count == 0 || (!all && state.EarliestStart + gap + grace >= _watermark))
        {
            // Nothing here can be final yet: every visit ends at or after the earliest event.
            return;
        }

        if (!all && !state.Changed && _watermark <= state.RecheckAfter)
        {
            // Same events and pending connections as the last pass, and the watermark has not yet passed the point
            // at which the first unfinished visit (or stray evidence) could become safe: that pass's answer stands.
            return;
        }

        events.Sort(ActivityEvent.Order);
        var minPending = state.PendingHellos.Count > 0 ? state.PendingHellos.Min() : DateTime.MaxValue;
        bool IsSafe(DateTime lastEnd) =>
            all || (lastEnd + gap + grace < _watermark && minPending - MinuteSlack > lastEnd + gap);

        // Group events into candidate visits in time order.
        // Scratch reused across passes (single-threaded): builders come from a pool, the lists and flags are cleared.
        var candidates = _candidates;
        var orphans = _orphans;
        candidates.Clear();
        orphans.Clear();
        var pooled = 0;
        VisitBuilder? current = null;
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            if (current is not null && e.Start > current.LastEnd + gap)
            {
                current = null;
            }

            if (current is null)
            {
                if (!e.Opens)
                {
                    orphans.Add(i);
                    continue;
                }

                if (pooled == _builderPool.Count)
                {
                    _builderPool.Add(new VisitBuilder());
                }

                current = _builderPool[pooled++];
                current.Reset(e.Opener!);
                candidates.Add(current);
                foreach (var o in orphans)
                {
                    // Extend-only evidence from the same minute just before the opener belongs to it (CDN connections
                    // often start a moment before the page's own connection is seen).
                    if (events[o].End >= e.Start - MinuteSlack)
                    {
                        current.Add(events[o], o);
                    }
                }

                orphans.Clear();
            }

            current.Add(e, i);
        }

        if (_consumed.Length < events.Count)
        {
            _consumed = new bool[Math.Max(events.Count, _consumed.Length * 2)];
            _inCandidate = new bool[_consumed.Length];
        }

        var consumed = _consumed.AsSpan(0, events.Count);
        var inCandidate = _inCandidate.AsSpan(0, events.Count);
        consumed.Clear();
        inCandidate.Clear();
        foreach (var candidate in candidates)
        {
            foreach (var index in candidate.Indexes)
            {
                inCandidate[index] = true;
            }
        }

        // The watermark up to which nothing left here can become safe while events and pending connections stay
        // as they are. Evidence already past gap + grace is held back only by a pending connection; its settling
        // marks the session changed, so it needs no recheck by watermark.
        var recheckAfter = DateTime.MaxValue;
        void HeldUntil(DateTime lastEnd)
        {
            var safeAfter = lastEnd + gap + grace;
            if (safeAfter >= _watermark && safeAfter < recheckAfter)
            {
                recheckAfter = safeAfter;
            }
        }

        foreach (var candidate in candidates)
        {
            if (!IsSafe(candidate.LastEnd))
            {
                HeldUntil(candidate.LastEnd);
                break;
            }

            Emit(state, service, candidate);
            foreach (var index in candidate.Indexes)
            {
                consumed[index] = true;
            }

            var horizon = candidate.LastEnd + gap;
            if (horizon > state.FinalisedUpTo)
            {
                state.FinalisedUpTo = horizon;
            }
        }

        for (var i = 0; i < events.Count; i++)
        {
            if (!consumed[i] && !events[i].Opens && !inCandidate[i])
            {
                if (IsSafe(events[i].End))
                {
                    // Extend-only evidence that no visit was open for: an embed or CDN on another site. Not a visit.
                    consumed[i] = true;
                    Counters.ExtendOnlyEventsDiscarded++;
                }
                else
                {
                    HeldUntil(events[i].End);
                }
            }
        }

        state.Changed = false;
        state.RecheckAfter = recheckAfter;

        var kept = 0;
        for (var i = 0; i < events.Count; i++)
        {
            if (!consumed[i])
            {
                events[kept++] = events[i];
            }
        }

        events.RemoveRange(kept, events.Count - kept);
        state.EarliestStart = kept > 0 ? events[0].Start : DateTime.MaxValue;
    }

    private void Emit(SessionState state, string service, VisitBuilder visit)
    {
        if (visit.Minutes.Count == 0)
        {
            Counters.VisitsWithoutActivityDropped++;
            return;
        }

        var opener = visit.Opener;
        var category = opener.Category;
        var siteName = opener.IsSpecialCategory ? null : opener.RegistrableDomain;
        var who = state.Who;
        var activeSeconds = visit.Minutes.Count * 60;
        if (who.IsPerson && who.Device is { } device)
        {
            var split = default(CalendarSplit);
            foreach (var (start, end) in Runs(visit.Minutes))
            {
                split += _calendar.Split(start, end);
            }

            var result = new Visit(_calendar.SchoolId, who.StaffId!, device.DeviceId, service, category, visit.Start, visit.LastEnd,
                activeSeconds, (int)split.Directed.TotalSeconds, (int)split.Break.TotalSeconds, (int)split.NonDirected.TotalSeconds,
                (int)split.OutsideHours.TotalSeconds, device.IsAuthorisedFor(service), siteName, visit.Evidence);
            Counters.VisitsEmitted++;
            Log.VisitClosed(_logger, service, who.DeviceKey, visit.Start, activeSeconds);
            _sink.WriteVisit(result);
            return;
        }

        foreach (var minute in visit.Minutes)
        {
            var date = _calendar.LocalDate(FromUnixMinute(minute));
            if (!_anonymous.TryGetValue(date, out var day))
            {
                _anonymous[date] = day = [];
            }

            var key = (service, category, who.Kind);
            if (!day.TryGetValue(key, out var total))
            {
                day[key] = total = new AnonymousTotal();
            }

            total.Seconds += 60;
            total.Devices.Add(who.DeviceKey);
        }

        Counters.AnonymousVisits++;
    }

    private void EmitAnonymousDays(bool all)
    {
        var wait = _options.IdleGap + _options.FlowSummaryGrace + _options.MaxOpenConnection;
        List<DateOnly>? done = null;
        foreach (var (date, day) in _anonymous)
        {
            if (!all && _calendar.StartOfLocalDayUtc(date.AddDays(1)) + wait >= _watermark)
            {
                break;
            }

            foreach (var ((service, category, kind), total) in day.OrderBy(p => p.Key.Service, StringComparer.Ordinal).ThenBy(p => p.Key.Kind))
            {
                _sink.WriteAnonymousUsage(new AnonymousUsage(_calendar.SchoolId, date, service, category, kind, total.Seconds, total.Devices.Count));
                Counters.AnonymousRowsEmitted++;
            }

            (done ??= []).Add(date);
        }

        done?.ForEach(d => _anonymous.Remove(d));
    }

    /// <summary>Consecutive minutes as [start, end) UTC intervals.</summary>
    private static IEnumerable<(DateTime Start, DateTime End)> Runs(List<long> minutes)
    {
        long? runStart = null;
        long previous = 0;
        foreach (var m in minutes)
        {
            if (runStart is null)
            {
                runStart = m;
            }
            else if (m != previous + 1)
            {
                yield return (FromUnixMinute(runStart.Value), FromUnixMinute(previous + 1));
                runStart = m;
            }

            previous = m;
        }

        if (runStart is not null)
        {
            yield return (FromUnixMinute(runStart.Value), FromUnixMinute(previous + 1));
        }
    }

    /// <summary>Allocation-free enumeration of <see cref="Targets"/> (foreach binds to the struct enumerator).</summary>
    private readonly struct TargetList(HostClassification classification)
    {
        public TargetEnumerator GetEnumerator() => new(classification);
    }

    private struct TargetEnumerator(HostClassification classification)
    {
        private int _index = -2;

        public readonly (string Service, bool Own) Current =>
            _index < 0 ? (classification.Service, true) : (classification.AlsoExtends[_index], false);

        public bool MoveNext()
        {
            if (_index == -2)
            {
                _index = -1;
                return true;
            }

            var also = classification.AlsoExtends;
            while (++_index < also.Count)
            {
                if (!string.Equals(also[_index], classification.Service, StringComparison.Ordinal))
                {
                    return true;
                }
            }

            return false;
        }
    }

    private readonly record struct ReorderKey(long Ticks, int Rank, int Slot);

    private sealed class ReorderComparer(VisitPipeline owner) : IComparer<ReorderKey>
    {
        public int Compare(ReorderKey x, ReorderKey y)
        {
            var c = x.Ticks.CompareTo(y.Ticks);
            if (c != 0)
            {
                return c;
            }

            c = x.Rank.CompareTo(y.Rank);
            return c != 0 ? c : ObservationOrder.Instance.Compare(owner._slots[x.Slot], owner._slots[y.Slot]);
        }
    }

    private readonly record struct ConnectionKey(IPAddress Client, IPAddress Server, ushort Port, TransportProtocol Transport);

    private sealed record PendingConnection(DateTime HelloUtc, string? RawName, HostClassification Classification, DeviceAttribution Who);

    private sealed class SessionState(DeviceAttribution who)
    {
        public DeviceAttribution Who { get; set; } = who;

        public List<ActivityEvent> Events { get; } = [];

        public List<DateTime> PendingHellos { get; } = [];

        public DateTime FinalisedUpTo { get; set; } = DateTime.MinValue;

        public DateTime EarliestStart { get; set; } = DateTime.MaxValue;

        /// <summary>Events or pending connections changed since the last finalising pass.</summary>
        public bool Changed { get; set; } = true;

        /// <summary>After an unchanged pass, the watermark up to which another pass cannot finalise anything.</summary>
        public DateTime RecheckAfter { get; set; } = DateTime.MinValue;
    }

    private sealed class AnonymousTotal
    {
        public int Seconds { get; set; }

        public HashSet<string> Devices { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>A point (connection seen) or one active minute of a connection.</summary>
    private readonly record struct ActivityEvent(DateTime Start, DateTime End, bool Opens, long Minute, int Evidence, HostClassification? Opener)
    {
        public static readonly Comparison<ActivityEvent> Order = (a, b) =>
        {
            var c = a.Start.CompareTo(b.Start);
            if (c != 0)
            {
                return c;
            }

            c = b.Opens.CompareTo(a.Opens);
            if (c != 0)
            {
                return c;
            }

            c = a.End.CompareTo(b.End);
            return c != 0 ? c : string.CompareOrdinal(a.Opener?.RegistrableDomain, b.Opener?.RegistrableDomain);
        };
    }

    private sealed class VisitBuilder
    {
        public HostClassification Opener { get; private set; } = null!;

        public DateTime Start { get; private set; } = DateTime.MaxValue;

        public DateTime LastEnd { get; private set; } = DateTime.MinValue;

        public void Reset(HostClassification opener)
        {
            Opener = opener;
            Start = DateTime.MaxValue;
            LastEnd = DateTime.MinValue;
            Evidence = 0;
            _minutes.Clear();
            _minutesSorted = true;
            Indexes.Clear();
        }

        private readonly List<long> _minutes = [];
        private bool _minutesSorted = true;

        /// <summary>The distinct active minutes, ascending.</summary>
        public List<long> Minutes
        {
            get
            {
                if (!_minutesSorted)
                {
                    _minutes.Sort();
                    var kept = 1;
                    for (var i = 1; i < _minutes.Count; i++)
                    {
                        if (_minutes[i] != _minutes[kept - 1])
                        {
                            _minutes[kept++] = _minutes[i];
                        }
                    }

                    _minutes.RemoveRange(kept, _minutes.Count - kept);
                    _minutesSorted = true;
                }

                return _minutes;
            }
        }

        public int Evidence { get; private set; }

        /// <summary>
        /// Indexes of the events in this visit. Each index is added once: FinaliseSession hands every event either to
        /// the open candidate or to the orphan list, and orphans are handed to at most one candidate.
        /// </summary>
        public List<int> Indexes { get; } = [];

        public void Add(ActivityEvent e, int index)
        {
            Indexes.Add(index);

            if (e.Start < Start)
            {
                Start = e.Start;
            }

            if (e.End > LastEnd)
            {
                LastEnd = e.End;
            }

            if (e.Minute >= 0)
            {
                _minutes.Add(e.Minute);
                _minutesSorted = false;
            }

            Evidence += e.Evidence;
        }
    }
}

/// <summary>What the pipeline did, for `status` and logs.</summary>
public sealed class VisitPipelineCounters
{
    public long Observations { get; internal set; }

    /// <summary>Observations that arrived behind the reorder window (may lose evidence).</summary>
    public long LateObservations { get; internal set; }

    /// <summary>Connections with no SNI and no DNS answer naming the server.</summary>
    public long UnnamedConnections { get; internal set; }

    /// <summary>Connections named from DNS because the SNI was missing or an ECH outer name.</summary>
    public long NamesFromDns { get; internal set; }

    public long LateEventsDropped { get; internal set; }

    public long PendingConnectionsExpired { get; internal set; }

    /// <summary>Embed, CDN and API evidence with no open visit of its service (e.g. share buttons on other sites).</summary>
    public long ExtendOnlyEventsDiscarded { get; internal set; }

    public long VisitsWithoutActivityDropped { get; internal set; }

    public long VisitsEmitted { get; internal set; }

    public long AnonymousVisits { get; internal set; }

    public long AnonymousRowsEmitted { get; internal set; }
}
