using System.Net;
using System.Net.Sockets;
using CoppiceMonitor.Capture.Live;
using CoppiceMonitor.Capture.Tests.Builders;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CoppiceMonitor.Capture.Tests.Live;

/// <summary>
/// Real capture on the loopback interface through libpcap (root or CAP_NET_RAW, as CI and the service have).
/// A DNS query sent to 127.0.0.1:53 must come back as a dns-query observation, copied off the capture thread
/// through the frame ring and decoded on the decode thread.
/// </summary>
public sealed class LiveCaptureTests
{
    [Fact]
    public void ListInterfaces_IncludesLoopback()
    {
        var interfaces = LiveInterfaces.List();

        Assert.Contains(interfaces, i => i.Name == "lo" || i.IsLoopback);
    }

    [Fact]
    public async Task Start_OnLoopback_DecodesADnsQuerySentThroughTheKernel()
    {
        var options = new CaptureOptions { Filter = "udp and dst port 53 and dst host 127.0.0.1", ReadTimeoutMilliseconds = 50, Promiscuous = false };
        var sink = new ConcurrentSink();
        var factory = new CaptureFactory(Options.Create(options), TimeProvider.System, NullLoggerFactory.Instance);
        using var capture = factory.CreateLive("lo", 1 << 20, sink);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        capture.Start(cts.Token);

        using var client = new UdpClient(AddressFamily.InterNetwork);
        var query = Packets.DnsQuery("live-capture.coppice.test");
        while (!sink.Seen.Task.IsCompleted && !cts.IsCancellationRequested)
        {
            // Repeat until seen: the capture may open after the first datagram left.
            await client.SendAsync(query, new IPEndPoint(IPAddress.Loopback, 53));
            await Task.WhenAny(sink.Seen.Task, Task.Delay(200));
        }

        var observation = await sink.Seen.Task.WaitAsync(cts.Token);
        await cts.CancelAsync();
        await capture.Completion;
        var status = capture.Status();

        Assert.Equal("live-capture.coppice.test", observation.Name);
        Assert.Equal(IPAddress.Loopback, observation.Server);
        Assert.Equal("lo", status.Name);
        Assert.True(status.Packets >= 1);
        Assert.True(status.KernelReceived >= 1);
    }

    private sealed class ConcurrentSink : IObservationSink
    {
        public TaskCompletionSource<Observation> Seen { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Write(in Observation observation)
        {
            if (observation.Kind == ObservationKind.DnsQuery)
            {
                Seen.TrySetResult(observation);
            }
        }
    }
}
