using CoppiceMonitor.Capture;

namespace CoppiceMonitor.Visits;

/// <summary>
/// Holds observations until the watermark passes them and releases them in <see cref="ObservationOrder"/>, so any
/// arrival order within the reorder window is processed identically. The heap holds small keys (time, rank, slot)
/// instead of two copies of each Observation: sifting then moves 16 bytes without GC write barriers. Ties on time
/// and rank fall back to the full ObservationOrder, so the release order is exactly that of a heap of observations.
/// </summary>
internal sealed class ReorderBuffer
{
    private readonly PriorityQueue<int, ReorderKey> _heap;
    private readonly Stack<int> _freeSlots = new();
    private Observation[] _slots = new Observation[256];
    private int _usedSlots;

    public ReorderBuffer()
    {
        _heap = new PriorityQueue<int, ReorderKey>(new ReorderComparer(this));
    }

    public int Count => _heap.Count;

    public void Add(in Observation o)
    {
        var slot = Park(o);
        _heap.Enqueue(slot, new ReorderKey(o.TimestampUtc.Ticks, ObservationOrder.Rank(o.Kind), slot));
    }

    /// <summary>The first observation in order if it is at or before <paramref name="watermark"/>.</summary>
    public bool TryTakeUpTo(DateTime watermark, out Observation observation)
    {
        if (_heap.TryPeek(out var slot, out var key) && key.Ticks <= watermark.Ticks)
        {
            _heap.Dequeue();
            observation = Unpark(slot);
            return true;
        }

        observation = default;
        return false;
    }

    /// <summary>The first observation in order, whatever its time (end of input).</summary>
    public bool TryTake(out Observation observation)
    {
        if (_heap.TryDequeue(out var slot, out _))
        {
            observation = Unpark(slot);
            return true;
        }

        observation = default;
        return false;
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

    private readonly record struct ReorderKey(long Ticks, int Rank, int Slot);

    private sealed class ReorderComparer(ReorderBuffer owner) : IComparer<ReorderKey>
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
}
