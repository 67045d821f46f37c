namespace CoppiceMonitor.Capture;

/// <summary>
/// The library side of `inspect`: decode one or more capture files, in the order given, through one
/// <see cref="PacketDecoder"/> (so a flow continuing into the next file stays one flow) and return its counters.
/// </summary>
public static class CaptureFileDecoder
{
    /// <summary>
    /// Decodes every file, then completes the decoder (open flows are summarised). A corrupt file throws
    /// <see cref="CaptureFileFormatException"/> after all its good packets have reached <paramref name="sink"/>;
    /// pass <paramref name="onFileError"/> to note the error and carry on with the next file instead.
    /// <paramref name="onWarning"/> hears of counted drops in a file (pcapng timestamps out of range).
    /// </summary>
    public static DecoderCounters DecodeFiles(
        IEnumerable<string> paths,
        IObservationSink sink,
        CaptureOptions? options = null,
        Action<CaptureFileFormatException>? onFileError = null,
        Action<string>? onWarning = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var decoder = new PacketDecoder(sink, options ?? new CaptureOptions());
        foreach (var path in paths)
        {
            try
            {
                using var reader = CaptureFileReader.Open(path);
                reader.Run(decoder, cancellationToken);
                if (reader.DroppedTimestampsWarning is { } warning)
                {
                    onWarning?.Invoke(warning);
                }
            }
            catch (CaptureFileFormatException ex) when (onFileError is not null)
            {
                onFileError(ex);
            }
        }

        decoder.Complete();
        return decoder.Counters;
    }
}
