using System.Net;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using CoppiceMonitor.Capture;
using CoppiceMonitor.Visits;

namespace CoppiceMonitor.Benchmarks;

/// <summary>
/// Visits throughput: hostname classification, and a school day of observations (300 staff devices, 40 browsing
/// sessions each: hellos, DNS answers and flow summaries) through the whole pipeline.
/// </summary>
[MemoryDiagnoser]
public class VisitsBenchmarks
{
    private static readonly string[] Hosts =
    [
        "www.instagram.com", "scontent-lhr8-1.cdninstagram.com", "i.instagram.com", "www.facebook.com", "static.xx.fbcdn.net",
        "connect.facebook.net", "www.bbc.co.uk", "static.files.bbci.co.uk", "www.youtube.com", "rr3---sn-aigl6nzr.googlevideo.com",
        "www.tiktok.com", "x.com", "pbs.twimg.com", "platform.twitter.com", "docs.google.com", "login.microsoftonline.com",
        "www.labour.org.uk", "teams.microsoft.com", "web.whatsapp.com", "news.sky.com",
    ];

    private ServiceCatalog _catalog = null!;
    private SchoolCalendar _calendar = null!;
    private DeviceRegistry _registry = null!;
    private Observation[] _day = [];

    public int ObservationCount => _day.Length;

    /// <summary>Flows carry payload bytes per minute as Capture now reports them (so the use-minute rule runs).</summary>
    public static bool WithMinuteBytes { get; set; }

    public static int Run(string[] args)
    {
        if (args.Length > 0 && args[0] == "--cpu")
        {
            WithMinuteBytes = args.Contains("--bytes");
            args = [.. args.Where(a => a != "--bytes")];
            return VisitsCpuMeasure.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 9);
        }

        BenchmarkRunner.Run<VisitsBenchmarks>(args: args);
        return 0;
    }

    [GlobalSetup]
    public void Setup()
    {
        _catalog = ServiceCatalog.LoadDefault();
        _calendar = SchoolCalendar.Create(new SchoolOptions
        {
            Id = "bench",
            Timetable = new TimetableOptions { Directed = ["08:50-10:30", "10:50-12:15", "13:15-15:20"], Breaks = ["10:30-10:50", "12:15-13:15"], NonDirected = ["08:00-08:50", "15:20-17:30"] },
            PupilSubnets = ["10.20.0.0/16"],
        });
        var staff = new List<StaffRecord>();
        var devices = new List<DeviceRecord>();
        var observations = new List<Observation>();
        var random = new Random(42);
        var day = new DateTime(2026, 11, 24, 7, 0, 0, DateTimeKind.Utc);
        for (var d = 0; d < 300; d++)
        {
            var mac = new MacAddress(0x0200_0000_0000UL + (ulong)d);
            var client = new IPAddress([10, 10, (byte)(d / 250), (byte)(1 + (d % 250))]);
            staff.Add(new StaffRecord($"s{d}", $"Staff {d}", $"s{d}@example.org", null, StaffRoles.None));
            devices.Add(new DeviceRecord($"d{d}", $"s{d}", mac, null, null, DeviceKind.Staff, []));
            for (var session = 0; session < 40; session++)
            {
                var start = day.AddSeconds(random.Next(0, 11 * 3600));
                var first = random.Next(Hosts.Length);
                for (var c = 0; c < 3; c++)
                {
                    var host = Hosts[(first + c) % Hosts.Length];
                    var server = new IPAddress([151, 101, (byte)((first + c) % Hosts.Length), 1]);
                    var at = start.AddSeconds(c);
                    var minutes = Enumerable.Range(0, random.Next(1, 15)).Select(m => (long)(at - DateTime.UnixEpoch).TotalMinutes + m).ToArray();
                    var last = DateTime.UnixEpoch.AddMinutes(minutes[^1] + 1);
                    observations.Add(new Observation(at.AddMilliseconds(-20), ObservationKind.DnsAnswer, client, mac, IPAddress.Parse("10.10.0.1"), 53,
                        TransportProtocol.Udp, 10, host, new DnsAnswerDetail([server], [], false)));
                    observations.Add(new Observation(at, ObservationKind.TlsClientHello, client, mac, server, 443, TransportProtocol.Tcp, 10, host,
                        new ClientHelloDetail("h2", false, 0x0304)));
                    observations.Add(new Observation(last.AddSeconds(60), ObservationKind.FlowSummary, client, mac, server, 443, TransportProtocol.Tcp, 10, host,
                        new FlowDetail(at, last, 2000, 200_000, minutes) { MinuteBytes = WithMinuteBytes ? [.. minutes.Select(_ => new MinuteBytes(400, 16_000))] : null }));
                }
            }
        }

        _registry = new DeviceRegistry(staff, devices);
        _day = [.. observations.OrderBy(o => o.TimestampUtc)];
    }

    [Benchmark]
    public int Classify()
    {
        var n = 0;
        foreach (var host in Hosts)
        {
            n += _catalog.Classify(host).Service.Length;
        }

        return n;
    }

    [Benchmark]
    public long SchoolDay()
    {
        var sink = new CountingSink();
        var pipeline = new VisitPipeline(_calendar, _catalog, _registry, sink);
        foreach (var o in _day)
        {
            pipeline.Add(o);
        }

        pipeline.Complete();
        return sink.Visits;
    }

    private sealed class CountingSink : IVisitSink
    {
        public long Visits { get; private set; }

        public void WriteVisit(Visit visit) => Visits++;

        public void WriteAnonymousUsage(AnonymousUsage usage)
        {
        }
    }
}
