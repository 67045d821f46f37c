using CoppiceMonitor.Capture;

namespace CoppiceMonitor.Visits;

/// <summary>
/// Tells a first-party name loaded inside another site's page (a like button from www.facebook.com on a news page)
/// from the person's own visit. Such a connection starts within EmbedWindowSeconds after another site's page load on
/// the same device while that page's connection is still open, is small (EmbedMaxBytes) and short-lived (at most
/// EmbedMaxUseMinutes of use). It is then extend-only evidence: it joins a visit the person opens themselves, and is
/// discarded when none is open. A site opened after the previous one's connection closed is not an embed.
/// </summary>
internal sealed class EmbedDetector(VisitsOptions options)
{
    private const int PerDevice = 16;
    private static readonly TimeSpan Keep = TimeSpan.FromMinutes(30);

    private readonly TimeSpan _window = TimeSpan.FromSeconds(options.EmbedWindowSeconds);
    private readonly Dictionary<string, Queue<PageLoad>> _pageLoads = new(StringComparer.Ordinal);

    /// <summary>A first-party connection opened: a page load of its service on this device.</summary>
    public void RecordPageLoad(string deviceKey, string service, DateTime atUtc)
    {
        if (options.EmbedWindowSeconds == 0)
        {
            return;
        }

        if (!_pageLoads.TryGetValue(deviceKey, out var loads))
        {
            _pageLoads[deviceKey] = loads = new Queue<PageLoad>(4);
        }

        if (loads.Count == PerDevice)
        {
            loads.Dequeue();
        }

        loads.Enqueue(new PageLoad(atUtc, service));
    }

    /// <summary>The page connection opened at <paramref name="helloUtc"/> was summarised: it was open until <paramref name="lastSeenUtc"/>.</summary>
    public void RecordPageEnd(string deviceKey, string service, DateTime helloUtc, DateTime lastSeenUtc)
    {
        if (!_pageLoads.TryGetValue(deviceKey, out var loads))
        {
            return;
        }

        foreach (var load in loads)
        {
            if (load.AtUtc == helloUtc && string.Equals(load.Service, service, StringComparison.Ordinal))
            {
                load.EndUtc = lastSeenUtc;
                return;
            }
        }
    }

    /// <summary>Whether this first-party flow of <paramref name="service"/> is an embed in another site's page.</summary>
    public bool IsEmbed(string deviceKey, string service, FlowDetail flow, int useMinutes)
    {
        if (options.EmbedWindowSeconds == 0 || useMinutes > options.EmbedMaxUseMinutes
            || flow.BytesFromClient + flow.BytesToClient > options.EmbedMaxBytes)
        {
            return false;
        }

        return StartedBesideAnotherPage(deviceKey, service, DateTime.SpecifyKind(flow.FirstSeenUtc, DateTimeKind.Utc));
    }

    public void Prune(DateTime watermark)
    {
        foreach (var (device, loads) in _pageLoads)
        {
            while (loads.Count > 0 && loads.Peek().AtUtc < watermark - Keep)
            {
                loads.Dequeue();
            }

            if (loads.Count == 0)
            {
                _pageLoads.Remove(device);
            }
        }
    }

    /// <summary>Strictly after: of connections opened at the same instant none can be the other's embed.</summary>
    private bool StartedBesideAnotherPage(string deviceKey, string service, DateTime firstSeenUtc)
    {
        if (!_pageLoads.TryGetValue(deviceKey, out var loads))
        {
            return false;
        }

        foreach (var load in loads)
        {
            if (load.AtUtc < firstSeenUtc && firstSeenUtc - load.AtUtc <= _window && load.EndUtc >= firstSeenUtc
                && !string.Equals(load.Service, service, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A first-party connection of a service; EndUtc stays MaxValue until its FlowSummary arrives (still open).</summary>
    private sealed class PageLoad(DateTime atUtc, string service)
    {
        public DateTime AtUtc { get; } = atUtc;

        public string Service { get; } = service;

        public DateTime EndUtc { get; set; } = DateTime.MaxValue;
    }
}
