namespace CoppiceMonitor.Visits;

/// <summary>
/// A point (connection seen) or one active minute of a connection, in one device's session of one service.
/// Opens: first-party evidence that may open a visit. Minute: the Unix minute it makes active (-1 for a point).
/// </summary>
internal readonly record struct ActivityEvent(DateTime Start, DateTime End, bool Opens, long Minute, int Evidence, HostClassification? Opener)
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
