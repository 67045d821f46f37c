namespace CoppiceMonitor.Capture;

/// <summary>A capture file is truncated or corrupt. <see cref="Offset"/> is where the bad record starts.</summary>
public sealed class CaptureFileFormatException : Exception
{
    public CaptureFileFormatException()
    {
    }

    public CaptureFileFormatException(string message)
        : base(message)
    {
    }

    public CaptureFileFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public CaptureFileFormatException(string fileName, long offset, string problem, Exception? innerException = null)
        : base($"{fileName}: {problem} at byte offset {offset}", innerException)
    {
        FileName = fileName;
        Offset = offset;
    }

    public string? FileName { get; }

    /// <summary>Byte offset of the damaged record (in the decompressed stream for .gz files).</summary>
    public long Offset { get; }
}
