using CoppiceMonitor.Capture;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CoppiceMonitor.Visits;

/// <summary>
/// Observations in, visits out, for one school. Observations pass a reorder buffer (ReorderWindowSeconds) and are
/// then processed in timestamp order: DHCP leases and DNS answers update attribution and the name cache; each
/// ClientHello / QUIC Initial / HTTP Host is evidence of a connection; each FlowSummary brings the connection's
/// active minutes. The parts: <see cref="ReorderBuffer"/>, <see cref="ConnectionNamer"/>,
/// <see cref="PendingConnections"/>, <see cref="Sessioniser"/> (grouping into visits), <see cref="VisitEmitter"/>
/// and <see cref="AnonymousTotals"/>. Active time is the number of distinct minutes in which the visit's
/// connections carried data. Not thread-safe: one caller.
/// </summary>
public sealed class VisitPipeline
{
    private static readonly TimeSpan FinaliseEvery = TimeSpan.FromSeconds(30);

    private readonly VisitsOptions _options;
    private readonly ServiceCatalog _catalog;
    private readonly DeviceAttributor _attributor;
    private readonly ILogger _logger;
    private readonly IVisitSink _sink;
    private readonly ReorderBuffer _reorder = new();
    private readonly ConnectionNamer _namer;
    private readonly PendingConnections _pending = new();
    private readonly Sessioniser _sessions;
    private readonly AnonymousTotals _anonymous;
    private DateTime _maxSeen = DateTime.MinValue;
    private DateTime _watermark = DateTime.MinValue;
    private DateTime _nextFinalise = DateTime.MinValue;
    private readonly UseMinutes _useMinutes;
    private readonly EmbedDetector _embeds;

    public VisitPipeline(SchoolCalendar calendar, ServiceCatalog catalog, DeviceRegistry registry, IVisitSink sink,
        VisitsOptions? options = null, ILogger<VisitPipeline>? logger = null)
    {
        Calendar = calendar ?? throw new ArgumentNullException(nameof(calendar));
        _catalog = catalog ?? throw new ArgumentNullException(nameof(catalog));
        _sink = sink ?? throw new ArgumentNullException(nameof(sink));
        _options = options ?? new VisitsOptions();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _attributor = new DeviceAttributor(registry ?? throw new ArgumentNullException(nameof(registry)), calendar.PupilSubnets, calendar.GuestSubnets);
        _useMinutes = new UseMinutes(_options.UseMinServerBytesPerMinute, _options.UseMinClientBytesPerMinute);
        _embeds = new EmbedDetector(_options);
        _namer = new ConnectionNamer(catalog, _options.DnsNameWindow, Counters);
        _anonymous = new AnonymousTotals(calendar, _options.IdleGap + _options.FlowSummaryGrace + _options.MaxOpenConnection);
        _sessions = new Sessioniser(_options, Counters, _logger, new VisitEmitter(calendar, sink, _anonymous, Counters, _logger, _options.MinConnectionsForOneMinuteVisit));
        Log.PipelineStarted(_logger, calendar.SchoolId, catalog.Rows.Count, catalog.PublicSuffixes.Source, registry.Devices.Count);
    }

    public VisitPipelineCounters Counters { get; } = new();

    public SchoolCalendar Calendar { get; }

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

        _reorder.Add(o);
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
        while (_reorder.TryTake(out var o))
        {
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
        while (_reorder.TryTakeUpTo(_watermark, out var o))
        {
            Process(o);
        }

        if (_watermark >= _nextFinalise)
        {
            Finalise(all: false);
            _nextFinalise = _watermark + FinaliseEvery;
        }
    }

    private void Process(in Observation o)
    {
        switch (o.Kind)
        {
            case ObservationKind.DhcpLease:
                _attributor.Record(o);
                break;
            case ObservationKind.DnsAnswer when o.Detail is DnsAnswerDetail answer && !string.IsNullOrEmpty(o.Name):
                _namer.RecordAnswer(o.Client, answer.Addresses, o.Name, o.TimestampUtc, answer.HasEchConfig);
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
        var host = _namer.Resolve(o.Client, o.Server, o.Name, o.TimestampUtc, hasEch);
        if (host is null)
        {
            Counters.UnnamedConnections++;
            return;
        }

        var at = o.TimestampUtc;
        var classification = _catalog.Classify(host);
        var who = _attributor.Attribute(o.Client, o.ClientMac, at);
        _pending.Add(ConnectionKey.Of(o), new PendingConnection(at, o.Name, classification, who));
        if (classification.OpensVisit)
        {
            _embeds.RecordPageLoad(who.DeviceKey, classification.Service, at);
        }

        foreach (var (service, opens) in new TargetList(classification))
        {
            _sessions.AddConnectionOpened(who, service, at, opens && classification.OpensVisit, opens ? classification : null);
        }
    }

    private void OnFlowSummary(in Observation o, FlowDetail flow)
    {
        var firstSeen = DateTime.SpecifyKind(flow.FirstSeenUtc, DateTimeKind.Utc);
        if (!TryIdentifyFlow(o, firstSeen, out var classification, out var who, out var helloUtc))
        {
            Counters.UnnamedConnections++;
            return;
        }

        if (flow.ActiveMinutes.Count == 0)
        {
            // A connection that stayed open without data adds no time and no evidence.
            return;
        }

        if (helloUtc is { } opened && classification.OpensVisit)
        {
            _embeds.RecordPageEnd(who.DeviceKey, classification.Service, opened, DateTime.SpecifyKind(flow.LastSeenUtc, DateTimeKind.Utc));
        }

        var minutes = _useMinutes.Of(flow, out var keepAlive);
        Counters.KeepAliveMinutesIgnored += keepAlive;
        var opens = classification.OpensVisit;
        if (opens && _embeds.IsEmbed(who.DeviceKey, classification.Service, flow, minutes.Length))
        {
            // Another site's page loaded it: it may extend the person's own visit but never opens one.
            opens = false;
            Counters.EmbeddedConnections++;
            if (helloUtc is { } hello)
            {
                _sessions.DemoteOpener(who, classification.Service, hello);
            }
        }

        if (minutes.IsEmpty)
        {
            // Only keep-alives or pushes: not use, and no evidence that the person was there.
            return;
        }

        foreach (var (service, own) in new TargetList(classification))
        {
            _sessions.AddActiveMinutes(who, service, minutes, own && opens, own ? classification : null);
        }
    }

    /// <summary>
    /// What a FlowSummary is and whose: as its connection was classified and attributed when it opened, else from
    /// its own name (or the DNS name of its server) and the device holding the address at its first packet.
    /// </summary>
    private bool TryIdentifyFlow(in Observation o, DateTime firstSeen, out HostClassification classification, out DeviceAttribution who,
        out DateTime? helloUtc)
    {
        helloUtc = null;
        if (_pending.Take(ConnectionKey.Of(o), o.Name, firstSeen) is { } pending)
        {
            classification = pending.Classification;
            who = pending.Who;
            helloUtc = pending.HelloUtc;
            foreach (var (service, _) in new TargetList(classification))
            {
                _sessions.SettleConnection(who, service, pending.HelloUtc);
            }

            return true;
        }

        var host = _namer.Resolve(o.Client, o.Server, o.Name, firstSeen, hasEch: false);
        if (host is null)
        {
            classification = null!;
            who = null!;
            return false;
        }

        classification = _catalog.Classify(host);
        who = _attributor.Attribute(o.Client, o.ClientMac, firstSeen);
        return true;
    }

    private void Finalise(bool all)
    {
        // No observation has moved time yet (an empty replay, or `run` stopped before its first flush): nothing is
        // open, and the cut-offs (watermark minus hours) would underflow DateTime.MinValue.
        if (_watermark == DateTime.MinValue)
        {
            return;
        }

        _sessions.Finalise(_watermark, all);
        if (!all)
        {
            _pending.ExpireBefore(_watermark - _options.MaxOpenConnection);
        }

        _namer.Prune(_watermark);
        _embeds.Prune(_watermark);
        _attributor.Prune(_watermark - TimeSpan.FromDays(1));
        Counters.AnonymousRowsEmitted += _anonymous.EmitSettledDays(_sink, _watermark, all);
    }
}
