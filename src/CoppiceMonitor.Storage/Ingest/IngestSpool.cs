using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using CoppiceMonitor.Storage.Platform;

namespace CoppiceMonitor.Storage.Ingest;

/// <summary>What a replay did.</summary>
public sealed record SpoolReplayResult(int Batches, int CorruptRecords, int SegmentsRemoved);

/// <summary>
/// Durable local queue for batches while the database is unreachable. Append-only segment files that start with
/// a header <c>"CMSPOOL"(7) version(1)</c> (<see cref="FormatVersion"/>; segments written before the header existed
/// have none and are read as version 1), then records <c>magic(4) length(4) crc32(4) payload</c>, little-endian, flushed to disk (fsync) before <see cref="Append"/>
/// returns. Replay reads segments oldest first and deletes each once every batch in it is in the database. A torn
/// or corrupt record (power cut mid-write, bad sector) is skipped and counted: the reader re-synchronises on the
/// next magic marker, so everything after it still loads.
/// </summary>
public sealed class IngestSpool : IDisposable
{
    internal const uint Magic = 0x43_50_4C_53; // "SLPC" on disk
    internal const int HeaderSize = 12;

    /// <summary>The segment and batch layout this build writes and reads; a segment of another version is refused.</summary>
    public const byte FormatVersion = 1;

    /// <summary>Bytes of the segment header (signature and version) before the first record.</summary>
    internal const int SegmentHeaderSize = 8;

    private static readonly byte[] SegmentSignature = "CMSPOOL"u8.ToArray();
    private const string Prefix = "spool-";
    private const string Suffix = ".seg";

    private readonly Lock _lock = new();
    private readonly ILogger _logger;
    private readonly long _segmentBytes;
    private FileStream? _current;
    private long _currentSequence;

    public IngestSpool(string directory, ILogger? logger = null, long segmentBytes = 64L * 1024 * 1024)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory = Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(Directory);
        // The folder itself may be new: make its entry in the parent durable too (best effort: the parent may
        // not be readable, and a lost empty folder is recreated at the next start).
        try
        {
            DirectorySync.Flush(Path.GetDirectoryName(Directory) ?? Directory);
        }
        catch (IOException)
        {
        }
        _logger = logger ?? NullLogger.Instance;
        _segmentBytes = segmentBytes;
        _currentSequence = Segments().Select(s => s.Sequence).DefaultIfEmpty(0).Max() + 1;
    }

    public string Directory { get; }

    /// <summary>True when some batch waits in the spool.</summary>
    public bool HasPending
    {
        get
        {
            lock (_lock)
            {
                return Segments().Any(s => new FileInfo(s.Path).Length > 0);
            }
        }
    }

    /// <summary>Appends one batch and fsyncs it. Thread-safe.</summary>
    public void Append(IngestBatch batch)
    {
        var payload = BatchCodec.Encode(batch);
        var record = new byte[HeaderSize + payload.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(record, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(record.AsSpan(4), payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(8), Crc32.HashToUInt32(payload));
        payload.CopyTo(record, HeaderSize);
        var created = false;
        lock (_lock)
        {
            if (_current is null || _current.Length >= _segmentBytes)
            {
                _current?.Dispose();
                _current = new FileStream(SegmentPath(_currentSequence++), FileMode.Append, FileAccess.Write, FileShare.Read);
                created = true;
                if (_current.Length == 0)
                {
                    _current.Write(SegmentSignature);
                    _current.WriteByte(FormatVersion);
                }
            }

            _current.Write(record);
            _current.Flush(flushToDisk: true);
            if (created)
            {
                // The new segment's name must survive a power cut as well as its bytes.
                DirectorySync.Flush(Directory);
            }
        }
    }

    /// <summary>
    /// Replays every sealed segment (the open one is sealed first) in order through <paramref name="write"/>,
    /// deleting each segment once all its batches went through. If <paramref name="write"/> throws, replay stops
    /// and the segment stays for the next attempt (batch ids make the already-written part a no-op then).
    /// </summary>
    public async Task<SpoolReplayResult> ReplayAsync(Func<IngestBatch, CancellationToken, Task> write, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        List<(long Sequence, string Path)> sealedSegments;
        lock (_lock)
        {
            _current?.Dispose();
            _current = null;
            sealedSegments = [.. Segments().Where(s => s.Sequence < _currentSequence).OrderBy(s => s.Sequence)];
        }

        int batches = 0, corrupt = 0, removed = 0;
        foreach (var segment in sealedSegments)
        {
            var (items, bad) = ReadSegment(segment.Path);
            if (bad > 0)
            {
                Log.SpoolCorruptRecords(_logger, bad, segment.Path);
            }

            foreach (var batch in items)
            {
                await write(batch, cancellationToken).ConfigureAwait(false);
                batches++;
            }

            corrupt += bad;
            File.Delete(segment.Path);
            // Without this a power cut could bring the segment back; harmless (batch ids) but wasted work.
            DirectorySync.Flush(Directory);
            removed++;
        }

        return new SpoolReplayResult(batches, corrupt, removed);
    }

    /// <summary>
    /// Reads one segment: the valid batches in order, and how many corrupt regions were skipped. A segment of a format
    /// version this build does not know throws <see cref="InvalidDataException"/> with a one-line message (the segment is
    /// kept: a newer build reads it).
    /// </summary>
    public static (IReadOnlyList<IngestBatch> Batches, int CorruptRecords) ReadSegment(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var batches = new List<IngestBatch>();
        var corrupt = 0;
        var pos = 0;
        if (bytes.AsSpan().StartsWith(SegmentSignature))
        {
            var version = bytes.Length > SegmentSignature.Length ? bytes[SegmentSignature.Length] : (byte)0;
            if (version != FormatVersion)
            {
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                    $"spool segment {path} has format version {version}, but this build reads only version {FormatVersion}; replay it with the build that wrote it, or move it aside"));
            }

            pos = SegmentSignature.Length + 1;
        }

        var inCorruption = false;
        while (pos < bytes.Length)
        {
            if (TryReadRecord(bytes, pos, out var batch, out var next))
            {
                batches.Add(batch);
                pos = next;
                inCorruption = false;
                continue;
            }

            // Count each damaged stretch once, then look for the next record start.
            if (!inCorruption)
            {
                corrupt++;
                inCorruption = true;
            }

            var found = FindMagic(bytes, pos + 1);
            if (found < 0)
            {
                break;
            }

            pos = found;
        }

        return (batches, corrupt);
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _current?.Dispose();
            _current = null;
        }
    }

    private static bool TryReadRecord(byte[] bytes, int pos, out IngestBatch batch, out int next)
    {
        batch = null!;
        next = pos;
        if (bytes.Length - pos < HeaderSize || BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(pos)) != Magic)
        {
            return false;
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(pos + 4));
        if (length <= 0 || length > bytes.Length - pos - HeaderSize)
        {
            return false;
        }

        var payload = bytes.AsMemory(pos + HeaderSize, length);
        if (Crc32.HashToUInt32(payload.Span) != BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(pos + 8)))
        {
            return false;
        }

        try
        {
            batch = BatchCodec.Decode(payload);
        }
        catch (InvalidDataException)
        {
            return false;
        }

        next = pos + HeaderSize + length;
        return true;
    }

    private static int FindMagic(byte[] bytes, int from)
    {
        Span<byte> marker = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(marker, Magic);
        if (from >= bytes.Length)
        {
            return -1;
        }

        var index = bytes.AsSpan(from).IndexOf(marker);
        return index < 0 ? -1 : from + index;
    }

    private string SegmentPath(long sequence) =>
        Path.Combine(Directory, string.Create(CultureInfo.InvariantCulture, $"{Prefix}{sequence:D12}{Suffix}"));

    private IEnumerable<(long Sequence, string Path)> Segments()
    {
        foreach (var file in System.IO.Directory.EnumerateFiles(Directory, Prefix + "*" + Suffix))
        {
            var name = Path.GetFileName(file);
            if (long.TryParse(name.AsSpan(Prefix.Length, name.Length - Prefix.Length - Suffix.Length),
                    NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
            {
                yield return (sequence, file);
            }
        }
    }
}
