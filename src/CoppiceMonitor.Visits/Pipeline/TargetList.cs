namespace CoppiceMonitor.Visits;

/// <summary>
/// The visit keys a host feeds: its own service, plus (extend-only) any services it also serves. Allocation-free:
/// foreach binds to the struct enumerator.
/// </summary>
internal readonly struct TargetList(HostClassification classification)
{
    public TargetEnumerator GetEnumerator() => new(classification);
}

internal struct TargetEnumerator(HostClassification classification)
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
