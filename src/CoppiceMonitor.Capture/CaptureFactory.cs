using CoppiceMonitor.Capture.Live;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CoppiceMonitor.Capture;

/// <summary>
/// Builds the Capture objects from the validated <see cref="CaptureOptions"/> (registered by
/// <see cref="CaptureServiceCollectionExtensions.AddCoppiceCapture"/>): a decoder for frames from a file, or a
/// live capture (its own decoder on its own decode thread) per interface.
/// </summary>
public sealed class CaptureFactory(IOptions<CaptureOptions> options, TimeProvider time, ILoggerFactory? loggerFactory = null)
{
    public CaptureOptions Options => options.Value;

    public PacketDecoder CreateDecoder(IObservationSink sink) => new(sink, options.Value);

    /// <summary>A live capture on <paramref name="interfaceName"/>; not open until <see cref="LiveCapture.Start"/>.</summary>
    /// <param name="ringBytes">The frame ring between the capture and decode threads.</param>
    public LiveCapture CreateLive(string interfaceName, int ringBytes, IObservationSink sink) =>
        new(interfaceName, options.Value, ringBytes, sink, time, (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<LiveCapture>());
}
