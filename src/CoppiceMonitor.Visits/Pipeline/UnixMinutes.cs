namespace CoppiceMonitor.Visits;

/// <summary>Whole minutes after the Unix epoch (how Capture reports a flow's active minutes).</summary>
internal static class UnixMinutes
{
    private static readonly long EpochMinutes = DateTime.UnixEpoch.Ticks / TimeSpan.TicksPerMinute;
    private static readonly long MaxMinute = (DateTime.MaxValue.Ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMinute;

    /// <summary>Integral minutes after the Unix epoch as UTC (exact, unlike going through a double).</summary>
    public static DateTime ToUtc(long minute) =>
        minute >= -EpochMinutes && minute <= MaxMinute
            ? new(DateTime.UnixEpoch.Ticks + (minute * TimeSpan.TicksPerMinute), DateTimeKind.Utc)
            : DateTime.UnixEpoch.AddMinutes(minute); // out of range: throws exactly as before

    /// <summary>Consecutive minutes (distinct, ascending) as [start, end) UTC intervals.</summary>
    public static IEnumerable<(DateTime Start, DateTime End)> Runs(List<long> minutes)
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
                yield return (ToUtc(runStart.Value), ToUtc(previous + 1));
                runStart = m;
            }

            previous = m;
        }

        if (runStart is not null)
        {
            yield return (ToUtc(runStart.Value), ToUtc(previous + 1));
        }
    }
}
