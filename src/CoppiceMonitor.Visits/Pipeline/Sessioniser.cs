using Microsoft.Extensions.Logging;

namespace CoppiceMonitor.Visits;

/// <summary>Receives each visit the sessioniser closes. The builder is reused after the call returns.</summary>
internal interface IClosedVisitHandler
{
    void OnVisitClosed(DeviceAttribution who, string service, VisitBuilder visit);
}

/// <summary>
/// Per device and service, groups activity events into visits: only first-party (or messaging) evidence opens a
/// visit; extend-only evidence (CDN, embed, API) joins an open visit of the same service, or one opened within the
/// same minute after it; a gap longer than IdleGap closes a visit. A visit is handed on once nothing can change it:
/// its end plus IdleGap and FlowSummaryGrace is behind the watermark, and no connection still waiting for its
/// FlowSummary could extend it. Extend-only evidence no visit took is discarded. Not thread-safe: one caller.
/// </summary>
internal sealed class Sessioniser(VisitsOptions options, VisitPipelineCounters counters, ILogger logger, IClosedVisitHandler handler)
{
    internal static readonly TimeSpan MinuteSlack = TimeSpan.FromMinutes(1);

    private readonly TimeSpan _gap = options.IdleGap;
    private readonly TimeSpan _grace = options.FlowSummaryGrace;
    private readonly Dictionary<(string Device, string Service), SessionState> _sessions = [];

    // Scratch reused across passes (single-threaded): builders come from a pool, the lists and flags are cleared.
    private readonly List<VisitBuilder> _candidates = [];
    private readonly List<int> _orphans = [];
    private readonly List<VisitBuilder> _builderPool = [];
    private bool[] _consumed = new bool[64];
    private bool[] _inCandidate = new bool[64];

    // The pass in progress.
    private DateTime _watermark;
    private bool _all;
    private DateTime _minPending;
    private DateTime _recheckAfter;

    /// <summary>Device/service sessions with events, pending connections or a recent finalised visit.</summary>
    public int Count => _sessions.Count;

    /// <summary>A connection opened: it is evidence now, and visits it could extend wait for its FlowSummary.</summary>
    public void AddConnectionOpened(DeviceAttribution who, string service, DateTime atUtc, bool opensVisit, HostClassification? opener)
    {
        var state = Session(who, service);
        state.PendingHellos.Add(atUtc);
        state.Changed = true;
        AddEvent(state, who, new ActivityEvent(atUtc, atUtc, opensVisit, -1, 1, opener));
    }

    /// <summary>The FlowSummary of a connection opened at <paramref name="helloUtc"/> arrived: nothing waits for it any more.</summary>
    public void SettleConnection(DeviceAttribution who, string service, DateTime helloUtc)
    {
        var state = Session(who, service);
        state.PendingHellos.Remove(helloUtc);
        state.Changed = true;
    }

    /// <summary>
    /// The connection opened at <paramref name="helloUtc"/> turned out to be an embed in another site's page: its
    /// opening evidence becomes extend-only, so it can join the person's own visit but not open one.
    /// </summary>
    public void DemoteOpener(DeviceAttribution who, string service, DateTime helloUtc)
    {
        if (!_sessions.TryGetValue((who.DeviceKey, service), out var state))
        {
            return;
        }

        var events = state.Events;
        for (var i = 0; i < events.Count; i++)
        {
            if (events[i].Opens && events[i].Minute < 0 && events[i].Start == helloUtc)
            {
                events[i] = events[i] with { Opens = false };
                state.Changed = true;
                return;
            }
        }
    }

    /// <summary>A connection's active minutes (distinct, ascending); the first counts as one piece of evidence.</summary>
    public void AddActiveMinutes(DeviceAttribution who, string service, ReadOnlySpan<long> minutes, bool opensVisit, HostClassification? opener)
    {
        var state = Session(who, service);
        for (var i = 0; i < minutes.Length; i++)
        {
            var start = UnixMinutes.ToUtc(minutes[i]);
            AddEvent(state, who, new ActivityEvent(start, start + MinuteSlack, opensVisit, minutes[i], i == 0 ? 1 : 0, opener));
        }
    }

    /// <summary>
    /// Hands on every visit that can no longer change at <paramref name="watermark"/> (all: every visit, end of
    /// input), gives up on connections open longer than MaxOpenConnection, and forgets idle sessions.
    /// </summary>
    public void Finalise(DateTime watermark, bool all)
    {
        _watermark = watermark;
        _all = all;
        var expiredBefore = watermark - options.MaxOpenConnection;
        var forgetBefore = watermark - options.MaxOpenConnection - _gap - _grace - TimeSpan.FromHours(1);
        foreach (var (key, state) in _sessions)
        {
            ExpirePendingHellos(state, key.Device, expiredBefore);
            FinaliseSession(state, key.Service);
            if (state.Events.Count == 0 && state.PendingHellos.Count == 0 && (all || state.FinalisedUpTo < forgetBefore))
            {
                // Removing while enumerating is allowed for Dictionary (and avoids a list of keys every 30 s).
                _sessions.Remove(key);
            }
        }
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
            counters.LateEventsDropped++;
            Log.LateEventsDropped(logger, 1, who.DeviceKey);
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

    private void ExpirePendingHellos(SessionState state, string deviceKey, DateTime expiredBefore)
    {
        var expired = _all ? state.PendingHellos.Count : RemoveBefore(state.PendingHellos, expiredBefore);
        if (expired > 0)
        {
            if (_all)
            {
                state.PendingHellos.Clear();
            }

            state.Changed = true;
            counters.PendingConnectionsExpired += expired;
            Log.PendingConnectionsExpired(logger, expired, deviceKey);
        }
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

    private void FinaliseSession(SessionState state, string service)
    {
        if (!NeedsPass(state))
        {
            return;
        }

        var events = state.Events;
        events.Sort(ActivityEvent.Order);
        _minPending = state.PendingHellos.Count > 0 ? state.PendingHellos.Min() : DateTime.MaxValue;
        _recheckAfter = DateTime.MaxValue;
        GroupCandidates(events);
        MarkCandidateEvents(events.Count);
        EmitSafeCandidates(state, service);
        DiscardStrayEvidence(events);
        state.Changed = false;
        state.RecheckAfter = _recheckAfter;
        RemoveConsumed(state);
    }

    /// <summary>Whether a pass over this session could finalise anything.</summary>
    private bool NeedsPass(SessionState state)
    {
        if (state.Events.Count == 0 || (!_all && state.EarliestStart + _gap + _grace >= _watermark))
        {
            // Nothing here can be final yet: every visit ends at or after the earliest event.
            return false;
        }

        // Same events and pending connections as the last pass, and the watermark has not yet passed the point at
        // which the first unfinished visit (or stray evidence) could become safe: that pass's answer stands.
        return _all || state.Changed || _watermark > state.RecheckAfter;
    }

    /// <summary>Nothing can join a visit ending at <paramref name="lastEnd"/> any more.</summary>
    private bool IsSafe(DateTime lastEnd) =>
        _all || (lastEnd + _gap + _grace < _watermark && _minPending - MinuteSlack > lastEnd + _gap);

    /// <summary>
    /// Records the watermark up to which nothing left here can become safe while events and pending connections
    /// stay as they are. Evidence already past gap + grace is held back only by a pending connection; its settling
    /// marks the session changed, so it needs no recheck by watermark.
    /// </summary>
    private void HeldUntil(DateTime lastEnd)
    {
        var safeAfter = lastEnd + _gap + _grace;
        if (safeAfter >= _watermark && safeAfter < _recheckAfter)
        {
            _recheckAfter = safeAfter;
        }
    }

    /// <summary>Groups the sorted events into candidate visits in time order.</summary>
    private void GroupCandidates(List<ActivityEvent> events)
    {
        _candidates.Clear();
        _orphans.Clear();
        var pooled = 0;
        VisitBuilder? current = null;
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            if (current is not null && e.Start > current.LastEnd + _gap)
            {
                current = null;
            }

            if (current is null)
            {
                if (!e.Opens)
                {
                    _orphans.Add(i);
                    continue;
                }

                current = OpenCandidate(events, e, ref pooled);
            }

            current.Add(e, i);
        }
    }

    private VisitBuilder OpenCandidate(List<ActivityEvent> events, ActivityEvent opener, ref int pooled)
    {
        if (pooled == _builderPool.Count)
        {
            _builderPool.Add(new VisitBuilder());
        }

        var candidate = _builderPool[pooled++];
        candidate.Reset(opener.Opener!);
        _candidates.Add(candidate);
        foreach (var o in _orphans)
        {
            // Extend-only evidence from the same minute just before the opener belongs to it (CDN connections
            // often start a moment before the page's own connection is seen).
            if (events[o].End >= opener.Start - MinuteSlack)
            {
                candidate.Add(events[o], o);
            }
        }

        _orphans.Clear();
        return candidate;
    }

    private void MarkCandidateEvents(int count)
    {
        if (_consumed.Length < count)
        {
            _consumed = new bool[Math.Max(count, _consumed.Length * 2)];
            _inCandidate = new bool[_consumed.Length];
        }

        _consumed.AsSpan(0, count).Clear();
        var inCandidate = _inCandidate.AsSpan(0, count);
        inCandidate.Clear();
        foreach (var candidate in _candidates)
        {
            foreach (var index in candidate.Indexes)
            {
                inCandidate[index] = true;
            }
        }
    }

    /// <summary>Hands on candidates in time order up to the first that could still change.</summary>
    private void EmitSafeCandidates(SessionState state, string service)
    {
        foreach (var candidate in _candidates)
        {
            if (!IsSafe(candidate.LastEnd))
            {
                HeldUntil(candidate.LastEnd);
                break;
            }

            handler.OnVisitClosed(state.Who, service, candidate);
            foreach (var index in candidate.Indexes)
            {
                _consumed[index] = true;
            }

            var horizon = candidate.LastEnd + _gap;
            if (horizon > state.FinalisedUpTo)
            {
                state.FinalisedUpTo = horizon;
            }
        }
    }

    /// <summary>Extend-only evidence that no visit was open for (an embed or CDN on another site): not a visit.</summary>
    private void DiscardStrayEvidence(List<ActivityEvent> events)
    {
        for (var i = 0; i < events.Count; i++)
        {
            if (!_consumed[i] && !events[i].Opens && !_inCandidate[i])
            {
                if (IsSafe(events[i].End))
                {
                    _consumed[i] = true;
                    counters.ExtendOnlyEventsDiscarded++;
                }
                else
                {
                    HeldUntil(events[i].End);
                }
            }
        }
    }

    private void RemoveConsumed(SessionState state)
    {
        var events = state.Events;
        var kept = 0;
        for (var i = 0; i < events.Count; i++)
        {
            if (!_consumed[i])
            {
                events[kept++] = events[i];
            }
        }

        events.RemoveRange(kept, events.Count - kept);
        state.EarliestStart = kept > 0 ? events[0].Start : DateTime.MaxValue;
    }

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
}
