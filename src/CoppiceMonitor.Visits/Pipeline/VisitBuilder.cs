namespace CoppiceMonitor.Visits;

/// <summary>A candidate visit being grouped: its opener, extent, distinct active minutes and the events in it.</summary>
internal sealed class VisitBuilder
{
    private readonly List<long> _minutes = [];
    private bool _minutesSorted = true;

    public HostClassification Opener { get; private set; } = null!;

    public DateTime Start { get; private set; } = DateTime.MaxValue;

    public DateTime LastEnd { get; private set; } = DateTime.MinValue;

    public int Evidence { get; private set; }

    /// <summary>Connections in this visit: ClientHellos seen, or flows summarised without one, whichever is more.</summary>
    public int Connections => Math.Max(_hellos, _flowStarts);

    private int _hellos;
    private int _flowStarts;

    /// <summary>
    /// Indexes of the events in this visit. Each index is added once: the sessioniser hands every event either to
    /// the open candidate or to the orphan list, and orphans are handed to at most one candidate.
    /// </summary>
    public List<int> Indexes { get; } = [];

    /// <summary>The distinct active minutes, ascending.</summary>
    public List<long> Minutes
    {
        get
        {
            if (!_minutesSorted)
            {
                SortDistinct();
            }

            return _minutes;
        }
    }

    public void Reset(HostClassification opener)
    {
        Opener = opener;
        Start = DateTime.MaxValue;
        LastEnd = DateTime.MinValue;
        Evidence = 0;
        _hellos = 0;
        _flowStarts = 0;
        _minutes.Clear();
        _minutesSorted = true;
        Indexes.Clear();
    }

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
            _flowStarts += e.Evidence;
        }
        else
        {
            _hellos += e.Evidence;
        }

        Evidence += e.Evidence;
    }

    private void SortDistinct()
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
}
