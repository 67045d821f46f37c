using SharpPcap;
using SharpPcap.LibPcap;

namespace CoppiceMonitor.Capture.Live;

/// <summary>A capture-capable interface, for the `interfaces` verb and for validating configuration.</summary>
public sealed record CaptureInterfaceInfo(string Name, string? Description, string? FriendlyName, IReadOnlyList<string> Addresses, bool IsLoopback);

/// <summary>
/// What one live capture has seen: frames decoded, and the drops at each place a frame can be lost (the kernel's
/// buffer, the interface, our frame ring when decoding falls behind), with the kernel's received count.
/// </summary>
public sealed record LiveCaptureStatus(string Name, long Packets, long KernelDrops, long InterfaceDrops, long RingDrops, long KernelReceived);

/// <summary>Finding and opening interfaces through SharpPcap (libpcap on Linux, Npcap on Windows).</summary>
public static class LiveInterfaces
{
    /// <summary>Every interface libpcap/Npcap can capture on.</summary>
    public static IReadOnlyList<CaptureInterfaceInfo> List() =>
        [.. LibPcapLiveDeviceList.Instance.Select(d => new CaptureInterfaceInfo(
            d.Name,
            d.Description,
            d.Interface?.FriendlyName,
            [.. d.Addresses.Select(a => a.Addr?.ipAddress?.ToString()).OfType<string>()],
            d.Loopback))];

    /// <summary>The interface by name or friendly name (Capture:Interfaces); a clear error listing the known ones.</summary>
    public static LibPcapLiveDevice Find(string interfaceName) =>
        LibPcapLiveDeviceList.Instance.FirstOrDefault(d => d.Name == interfaceName || d.Interface?.FriendlyName == interfaceName)
            ?? throw new ArgumentException($"No capture interface named '{interfaceName}' (Capture:Interfaces). Known: {string.Join(", ", LibPcapLiveDeviceList.Instance.Select(d => d.Name))}", nameof(interfaceName));

    /// <summary>
    /// Opens the device as configured: promiscuous mode, snap length, kernel buffer, read timeout, and immediate mode
    /// off so the kernel hands over whole blocks of frames; then the BPF filter.
    /// </summary>
    public static void Open(LibPcapLiveDevice device, CaptureOptions options)
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
