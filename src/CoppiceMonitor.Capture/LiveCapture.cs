using SharpPcap;
using SharpPcap.LibPcap;

namespace CoppiceMonitor.Capture;

/// <summary>Kernel counters of a live capture (libpcap's pcap_stats).</summary>
public readonly record struct LiveCaptureStatistics(long ReceivedPackets, long DroppedPackets, long InterfaceDroppedPackets);

/// <summary>A capture-capable interface, for the `interfaces` verb and for validating configuration.</summary>
public sealed record CaptureInterfaceInfo(string Name, string? Description, string? FriendlyName, IReadOnlyList<string> Addresses, bool IsLoopback);

/// <summary>Optional callback for sources that can tell a quiet link from a busy one.</summary>
public interface IIdleHandler
{
    /// <summary>Called on the capture thread when no frame arrived within the read timeout.</summary>
    void OnIdle(DateTime nowUtc);
}

/// <summary>
/// Live capture on one interface through SharpPcap (libpcap on Linux, Npcap on Windows). Frames are decoded on the
/// capture thread inside <see cref="Run"/>: the packet bytes belong to libpcap and are valid only during the
/// callback, so only results are copied out. Use one LiveCapture and one <see cref="PacketDecoder"/> per interface.
/// </summary>
public sealed class LiveCapture : IPacketSource
{
    private readonly LibPcapLiveDevice _device;
    private readonly CaptureOptions _options;
    private readonly TimeProvider _timeProvider;
    private bool _open;

    public LiveCapture(string interfaceName, CaptureOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(interfaceName);
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _device = FindDevice(interfaceName);
        Name = _device.Name;
    }

    public string Name { get; }

    public long FramesDelivered { get; private set; }

    /// <summary>The kernel's received/dropped counters (zero before the capture opens).</summary>
    public LiveCaptureStatistics Statistics
    {
        get
        {
            if (!_open)
            {
                return default;
            }

            var stats = _device.Statistics;
            return new LiveCaptureStatistics(stats.ReceivedPackets, stats.DroppedPackets, stats.InterfaceDroppedPackets);
        }
    }

    /// <summary>Every interface libpcap/Npcap can capture on.</summary>
    public static IReadOnlyList<CaptureInterfaceInfo> ListInterfaces() =>
        [.. LibPcapLiveDeviceList.Instance.Select(d => new CaptureInterfaceInfo(
            d.Name,
            d.Description,
            d.Interface?.FriendlyName,
            [.. d.Addresses.Select(a => a.Addr?.ipAddress?.ToString()).OfType<string>()],
            d.Loopback))];

    public void Run(IFrameHandler handler, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handler);
        Open();
        var linkType = (LinkType)(int)_device.LinkType;
        var idle = handler as IIdleHandler;
        while (!cancellationToken.IsCancellationRequested)
        {
            var status = _device.GetNextPacket(out var capture);
            switch (status)
            {
                case GetPacketStatus.PacketRead:
                    var timestamp = DateTime.SpecifyKind(capture.Header.Timeval.Date, DateTimeKind.Utc);
                    handler.OnFrame(timestamp, linkType, capture.Data);
                    FramesDelivered++;
                    break;
                case GetPacketStatus.ReadTimeout:
                    idle?.OnIdle(_timeProvider.GetUtcNow().UtcDateTime);
                    break;
                case GetPacketStatus.NoRemainingPackets:
                    return;
                default:
                    throw new InvalidOperationException($"Capture on {Name} failed: {_device.LastError}");
            }
        }
    }

    public void Dispose()
    {
        if (_open)
        {
            _device.Close();
            _open = false;
        }
    }

    private void Open()
    {
        if (_open)
        {
            return;
        }

        OpenDevice(_device, _options);
        _open = true;
    }

    /// <summary>The interface by name or friendly name (Capture:Interfaces); a clear error listing the known ones.</summary>
    public static LibPcapLiveDevice FindDevice(string interfaceName) =>
        LibPcapLiveDeviceList.Instance.FirstOrDefault(d => d.Name == interfaceName || d.Interface?.FriendlyName == interfaceName)
            ?? throw new ArgumentException($"No capture interface named '{interfaceName}' (Capture:Interfaces). Known: {string.Join(", ", LibPcapLiveDeviceList.Instance.Select(d => d.Name))}", nameof(interfaceName));

    /// <summary>
    /// Opens the device as configured: promiscuous mode, snap length, kernel buffer, read timeout, and immediate mode
    /// off so the kernel hands over whole blocks of frames; then the BPF filter.
    /// </summary>
    public static void OpenDevice(LibPcapLiveDevice device, CaptureOptions options)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(options);
        device.Open(new DeviceConfiguration
        {
            Mode = options.Promiscuous ? DeviceModes.Promiscuous : DeviceModes.None,
            Snaplen = options.SnapLength,
            BufferSize = options.KernelBufferBytes,
            ReadTimeout = options.ReadTimeoutMilliseconds,
            Immediate = false,
        });
        if (!string.IsNullOrWhiteSpace(options.Filter))
        {
            device.Filter = options.Filter;
        }
    }
}
