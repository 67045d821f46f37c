using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using SharpPcap;
using SharpPcap.LibPcap;

namespace CoppiceMonitor.Capture.Live;

/// <summary>
/// Live capture on one interface (the one live path; built by <see cref="CaptureFactory"/>), split over two threads so the kernel ring never waits for decoding:
/// the capture thread takes frames from libpcap (pcap_next_ex straight, no per-packet poll or allocation) and only
/// copies them into a <see cref="FrameRing"/>; the decode thread runs the <see cref="PacketDecoder"/> on them and
/// writes observations to the channel. libpcap is opened with a large kernel buffer and immediate mode off, so the
/// kernel hands over whole blocks of frames (TPACKET_V3) and wakes the capture thread once per block, not per frame.
/// </summary>
public sealed partial class LiveCapture : IDisposable
{
    private static readonly FrameHandler<LiveCapture> DecodeFrame = static (capture, ticks, frame) =>
        capture._decoder.Decode(new DateTime(ticks, DateTimeKind.Utc), capture._linkType, frame);

    private readonly string _name;
    private readonly CaptureOptions _options;
    private readonly FrameRing _ring;
    private readonly PacketDecoder _decoder;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource _captureDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _decodeDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private LibPcapLiveDevice? _device;
    private LinkType _linkType;
    private long _kernelReceived;
    private long _kernelDropped;
    private long _interfaceDropped;

    internal LiveCapture(string name, CaptureOptions options, int ringBytes, IObservationSink sink, TimeProvider time, ILogger logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sink);
        _name = name;
        _options = options;
        _time = time;
        _logger = logger;
        _ring = new FrameRing(ringBytes);
        _decoder = new PacketDecoder(sink, options);
    }

    /// <summary>Completes when both threads have ended and the decoder has summarised its open flows. Faults on a capture error.</summary>
    public Task Completion => Task.WhenAll(_captureDone.Task, _decodeDone.Task);

    public DecoderCounters Counters => _decoder.Counters;

    public FrameRing Ring => _ring;

    /// <summary>Opens the interface on the calling thread (so a bad name or missing permission fails start-up), then starts both threads.</summary>
    public void Start(CancellationToken stopping)
    {
        _device = Open();
        var capture = new Thread(() => CaptureLoop(stopping)) { IsBackground = true, Name = "capture " + _name, Priority = ThreadPriority.AboveNormal };
        var decode = new Thread(DecodeLoop) { IsBackground = true, Name = "decode " + _name };
        decode.Start();
        capture.Start();
    }

    public string Name => _name;

    public LiveCaptureStatus Status() => new(
        _name,
        _decoder.Counters.Packets,
        Volatile.Read(ref _kernelDropped),
        Volatile.Read(ref _interfaceDropped),
        _ring.Dropped,
        Volatile.Read(ref _kernelReceived));

    public void Dispose()
    {
        _device?.Close();
        _ring.Dispose();
    }

    private LibPcapLiveDevice Open()
    {
        var device = LiveInterfaces.Find(_name);
        LiveInterfaces.Open(device, _options);

        // Linux: non-blocking reads plus a poll when idle (see CaptureLoop). Npcap's read timeout works as documented.
        device.NonBlockingMode = !OperatingSystem.IsWindows();

        _linkType = (LinkType)(int)device.LinkType;
        return device;
    }

    private void CaptureLoop(CancellationToken stopping)
    {
        var device = _device!;
        var windows = OperatingSystem.IsWindows();
        var header = IntPtr.Zero;
        var data = IntPtr.Zero;
        var statsDue = Stopwatch.GetTimestamp();
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                // Non-blocking: frames already in the kernel ring come back without a system call per frame.
                var result = device.GetNextPacketPointers(ref header, ref data);
                if (result == 1)
                {
                    _ring.TryWrite(TimestampTicks(header, windows), data, CapturedLength(header, windows));
                    if ((_ring.Frames & 0x3fff) != 0)
                    {
                        continue;
                    }
                }
                else if (result == 0 && !windows)
                {
                    // Nothing waiting: SharpPcap polls the descriptor for up to half a second, so a quiet link costs
                    // two wake-ups a second and a stop request is seen promptly (a blocking TPACKET_V3 read can wait forever).
                    if (device.GetNextPacket(out var capture) == GetPacketStatus.PacketRead)
                    {
                        _ring.TryWrite(capture.Header.Timeval.Date.Ticks, capture.Data);
                    }
                }
                else if (result == -2)
                {
                    break;
                }
                else if (result < 0)
                {
                    throw new InvalidOperationException($"Capture on {_name} failed: {device.LastError}");
                }

                // Kernel counters on this thread (libpcap's handle is not thread-safe): when idle or every 16k frames.
                if (Stopwatch.GetElapsedTime(statsDue) >= TimeSpan.FromSeconds(1))
                {
                    ReadStatistics(device);
                    statsDue = Stopwatch.GetTimestamp();
                }
            }

            ReadStatistics(device);
            _captureDone.TrySetResult();
        }
        catch (Exception ex)
        {
            CaptureFailed(_logger, ex, _name);
            _captureDone.TrySetException(ex);
        }
        finally
        {
            _ring.Complete();
        }
    }

    // struct pcap_pkthdr: struct timeval (two C longs: 8 bytes each on 64-bit Linux, 4 on Windows), caplen, len.
    private static long TimestampTicks(IntPtr header, bool windows)
    {
        long seconds = windows ? Marshal.ReadInt32(header, 0) : Marshal.ReadInt64(header, 0);
        long micros = windows ? Marshal.ReadInt32(header, 4) : Marshal.ReadInt64(header, 8);
        return DateTime.UnixEpoch.Ticks + (seconds * TimeSpan.TicksPerSecond) + (micros * TimeSpan.TicksPerMicrosecond);
    }

    private static int CapturedLength(IntPtr header, bool windows) => Marshal.ReadInt32(header, windows ? 8 : 16);

    private void ReadStatistics(LibPcapLiveDevice device)
    {
        var stats = device.Statistics;
        Volatile.Write(ref _kernelReceived, stats.ReceivedPackets);
        Volatile.Write(ref _kernelDropped, stats.DroppedPackets);
        Volatile.Write(ref _interfaceDropped, stats.InterfaceDroppedPackets);
    }

    private void DecodeLoop()
    {
        var idle = TimeSpan.FromMilliseconds(_options.ReadTimeoutMilliseconds);
        try
        {
            while (true)
            {
                var handled = _ring.Read(DecodeFrame, this, idle);
                if (handled < 0)
                {
                    break;
                }

                if (handled == 0)
                {
                    // A quiet link: let idle flows end on the wall clock, as packet time is not moving.
                    _decoder.Expire(_time.GetUtcNow().UtcDateTime);
                }
            }

            _decoder.Complete();
            _decodeDone.TrySetResult();
        }
        catch (Exception ex)
        {
            CaptureFailed(_logger, ex, _name);
            _decodeDone.TrySetException(ex);
        }
    }

    [LoggerMessage(5013, LogLevel.Error, "Capture on {Interface} failed; stopping the service")]
    private static partial void CaptureFailed(ILogger logger, Exception exception, string @interface);
}
