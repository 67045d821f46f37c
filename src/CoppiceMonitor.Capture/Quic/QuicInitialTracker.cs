using CoppiceMonitor.Capture.Tls;

namespace CoppiceMonitor.Capture.Quic;

// Placeholder with the contract's signatures so capture-core builds until capture-tlsquic is merged (their file wins).
public sealed class QuicInitialTracker
{
    private readonly int _maxPendingConnections;

    public QuicInitialTracker(int maxPendingConnections = 4096) => _maxPendingConnections = maxPendingConnections;

    public static bool LooksLikeQuicLongHeader(ReadOnlySpan<byte> udpPayload) =>
        udpPayload.Length >= 7 && (udpPayload[0] & 0x80) != 0;

    public ParseStatus TryProcess(ReadOnlySpan<byte> udpPayload, ulong flowKey, DateTime timestampUtc, out ClientHelloInfo hello, out string version)
    {
        _ = flowKey;
        _ = timestampUtc;
        _ = _maxPendingConnections;
        hello = default;
        version = string.Empty;
        return udpPayload.IsEmpty ? ParseStatus.Malformed : ParseStatus.NotApplicable;
    }
}
