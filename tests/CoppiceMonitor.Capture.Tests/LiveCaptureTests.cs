using System.Net;
using System.Net.Sockets;
using CoppiceMonitor.Capture.Tests.Builders;

namespace CoppiceMonitor.Capture.Tests;

/// <summary>
/// Real capture on the loopback interface through libpcap (root or CAP_NET_RAW, as CI and the service have).
/// A DNS query sent to 127.0.0.1:53 must come back as a dns-query observation decoded in the arrival loop.
/// </summary>
public sealed class LiveCaptureTests
{
    [Fact]
    public void ListInterfaces_IncludesLoopback()
    {
        var interfaces = LiveCapture.ListInterfaces();

        Assert.Contains(interfaces, i => i.Name == "lo" || i.IsLoopback);
    }

    [Fact]
    public async Task Run_OnLoopback_DecodesADnsQuerySentThroughTheKernel()
    {
        var options = new CaptureOptions { Filter = "udp and dst port 53 and dst host 127.0.0.1", ReadTimeoutMilliseconds = 50, Promiscuous = false };
        var sink = new ConcurrentSink();
        var decoder = new PacketDecoder(sink, options);
        using var capture = new LiveCapture("lo", options);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var loop = Task.Run(() => capture.Run(decoder, cts.Token));

        using var client = new UdpClient(AddressFamily.InterNetwork);
        var query = Packets.DnsQuery("live-capture.coppice.test");
        while (!sink.Seen.Task.IsCompleted && !cts.IsCancellationRequested)
        {
            // Repeat until seen: the capture may open after the first datagram left.
            await client.SendAsync(query, new IPEndPoint(IPAddress.Loopback, 53));
            await Task.WhenAny(sink.Seen.Task, Task.Delay(200));
        }

        var observation = await sink.Seen.Task.WaitAsync(cts.Token);
        var stats = capture.Statistics;
        await cts.CancelAsync();
        await loop;

        Assert.Equal("live-capture.coppice.test", observation.Name);
        Assert.Equal(IPAddress.Loopback, observation.Server);
        Assert.True(capture.FramesDelivered >= 1);
        Assert.True(stats.ReceivedPackets >= 1);
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
