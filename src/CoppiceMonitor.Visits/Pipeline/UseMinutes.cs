using CoppiceMonitor.Capture;

namespace CoppiceMonitor.Visits;

/// <summary>
/// The minutes of a flow that count as use: distinct and ascending, and, when Capture reported bytes per minute,
/// only those in which the server sent at least UseMinServerBytesPerMinute and the client at least
/// UseMinClientBytesPerMinute (a request/response burst). Minutes with payload below either are keep-alives or
/// pushes: they add no time and no evidence. Buffers are reused for the next flow (single-threaded).
/// </summary>
internal sealed class UseMinutes(int minServerBytes, int minClientBytes)
{
    private long[] _minutes = new long[64];
    private MinuteBytes[] _bytes = new MinuteBytes[64];

    /// <summary>The flow's use minutes; <paramref name="ignored"/> = its payload minutes that were not use.</summary>
    public ReadOnlySpan<long> Of(FlowDetail flow, out int ignored)
    {
        var active = flow.ActiveMinutes;
        var bytes = flow.MinuteBytes;
        Grow(active.Count);
        var n = active.Count;
        for (var i = 0; i < n; i++)
        {
            _minutes[i] = active[i];
        }

        var judged = bytes is not null && bytes.Count == n && (minServerBytes > 0 || minClientBytes > 0);
        if (!judged)
        {
            _minutes.AsSpan(0, n).Sort();
            var distinct = Distinct(n);
            ignored = 0;
            return _minutes.AsSpan(0, distinct);
        }

        for (var i = 0; i < n; i++)
        {
            _bytes[i] = bytes![i];
        }

        // Capture lists minutes ascending; sort and merge only when packets came out of order.
        var merged = n;
        if (!StrictlyAscending(n))
        {
            _minutes.AsSpan(0, n).Sort(_bytes.AsSpan(0, n));
            merged = MergeSameMinute(n);
        }

        var kept = 0;
        for (var i = 0; i < merged; i++)
        {
            if (_bytes[i].ToClient >= minServerBytes && _bytes[i].FromClient >= minClientBytes)
            {
                _minutes[kept++] = _minutes[i];
            }
        }

        ignored = merged - kept;
        return _minutes.AsSpan(0, kept);
    }

    private bool StrictlyAscending(int n)
    {
        for (var i = 1; i < n; i++)
        {
            if (_minutes[i] <= _minutes[i - 1])
            {
                return false;
            }
        }

        return true;
    }

    private void Grow(int count)
    {
        if (_minutes.Length < count)
        {
            var size = Math.Max(count, _minutes.Length * 2);
            _minutes = new long[size];
            _bytes = new MinuteBytes[size];
        }
    }

    private int Distinct(int n)
    {
        var kept = n == 0 ? 0 : 1;
        for (var i = 1; i < n; i++)
        {
            if (_minutes[i] != _minutes[kept - 1])
            {
                _minutes[kept++] = _minutes[i];
            }
        }

        return kept;
    }

    /// <summary>A minute listed twice (packets out of order) is one minute with the bytes of both.</summary>
    private int MergeSameMinute(int n)
    {
        var kept = n == 0 ? 0 : 1;
        for (var i = 1; i < n; i++)
        {
            if (_minutes[i] == _minutes[kept - 1])
            {
                var a = _bytes[kept - 1];
                var b = _bytes[i];
                _bytes[kept - 1] = new MinuteBytes(
                    (int)Math.Min(int.MaxValue, (long)a.FromClient + b.FromClient),
                    (int)Math.Min(int.MaxValue, (long)a.ToClient + b.ToClient));
            }
            else
            {
                _minutes[kept] = _minutes[i];
                _bytes[kept++] = _bytes[i];
            }
        }

        return kept;
    }
}
