namespace CoppiceMonitor.Capture;

/// <summary>Receives raw frames. The span is valid only for the duration of the call: copy out results only.</summary>
public interface IFrameHandler
{
    void OnFrame(DateTime timestampUtc, LinkType linkType, ReadOnlySpan<byte> frame);
}

/// <summary>
/// A source of raw frames delivered on the calling thread: a capture file (<see cref="CaptureFileReader"/>). Live
/// interfaces go through <see cref="Live.LiveCapture"/>, which copies frames off the capture thread first.
/// </summary>
public interface IPacketSource : IDisposable
{
    /// <summary>File path or interface name, for logs and errors.</summary>
    string Name { get; }

    /// <summary>Frames delivered so far.</summary>
    long FramesDelivered { get; }

    /// <summary>
    /// Delivers frames to <paramref name="handler"/> on the calling thread until the source ends or
    /// <paramref name="cancellationToken"/> fires. A file that turns out corrupt throws
    /// <see cref="CaptureFileFormatException"/> after every good frame before the damage was delivered.
    /// </summary>
    void Run(IFrameHandler handler, CancellationToken cancellationToken);
}
