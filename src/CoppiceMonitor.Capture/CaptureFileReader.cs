using System.Buffers.Binary;
using System.IO.Compression;

namespace CoppiceMonitor.Capture;

/// <summary>
/// Reads pcap (either byte order, micro- or nanosecond), pcapng (several sections, interfaces and link types) and
/// gzip-compressed files of either. Frames are returned as spans over one reused buffer, so reading allocates
/// nothing per packet. A damaged file raises <see cref="CaptureFileFormatException"/> (with the record's offset)
/// only when the damaged record is reached: every good frame before it has been returned first.
/// </summary>
public sealed class CaptureFileReader : IPacketSource
{
    private const uint PcapMagicMicro = 0xa1b2c3d4;
    private const uint PcapMagicNano = 0xa1b23c4d;
    private const uint PcapngSectionHeader = 0x0a0d0d0a;
    private const uint PcapngByteOrderMagic = 0x1a2b3c4d;

    /// <summary>Largest record accepted; real snap lengths are at most 256 KiB, so more means corruption.</summary>
    private const int MaxRecordBytes = 16 * 1024 * 1024;

    private readonly Stream _stream;
    private readonly List<PcapngInterface> _interfaces = [];
    private byte[] _buffer = new byte[1 << 20];
    private int _start;
    private int _end;
    private long _bufferOffset;
    private bool _endOfStream;
    private bool _isPcapng;
    private bool _swap;
    private bool _nanosecond;
    private LinkType _pcapLinkType;
    private DateTime _lastTimestamp = DateTime.UnixEpoch;
    private static readonly DateTime EarliestTimestamp = new(1990, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime LatestTimestamp = new(2100, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    public CaptureFileReader(Stream stream, string name)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        Name = name;
        ReadFileHeader();
    }

    public string Name { get; }

    public long FramesDelivered { get; private set; }

    /// <summary>pcapng packets dropped because their time (after if_tsresol/if_tsoffset) is before 1990 or after 2100.</summary>
    public long TimestampsOutOfRange { get; private set; }

    /// <summary>Offset of the first such packet's block, or -1.</summary>
    public long FirstTimestampOutOfRangeOffset { get; private set; } = -1;

    /// <summary>One line for the operator when packets were dropped for their timestamps, else null.</summary>
    public string? DroppedTimestampsWarning => TimestampsOutOfRange == 0 ? null :
        $"{Name}: {TimestampsOutOfRange} packets dropped with timestamps before 1990 or after 2100 (first at byte offset {FirstTimestampOutOfRangeOffset}); check the capture's clock, if_tsresol and if_tsoffset";

    /// <summary>Offset (in the decompressed stream) of the next record to read.</summary>
    public long Position => _bufferOffset + _start;

    /// <summary>"pcap" or "pcapng".</summary>
    public string Format => _isPcapng ? "pcapng" : "pcap";

    /// <summary>Opens a file; a gzip magic number (1f 8b) selects transparent decompression.</summary>
    public static CaptureFileReader Open(string path)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan);
        try
        {
            Span<byte> magic = stackalloc byte[2];
            var got = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
            file.Position = 0;
            Stream stream = got == 2 && magic[0] == 0x1f && magic[1] == 0x8b
                ? new GZipStream(file, CompressionMode.Decompress, leaveOpen: false)
                : file;
            return new CaptureFileReader(stream, path);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    public void Run(IFrameHandler handler, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handler);
        while (!cancellationToken.IsCancellationRequested && TryReadNext(out var ts, out var linkType, out var frame))
        {
            handler.OnFrame(ts, linkType, frame);
        }
    }

    /// <summary>
    /// The next frame, or false at a clean end of file. The span stays valid until the next call.
    /// Throws <see cref="CaptureFileFormatException"/> when the next record is truncated or corrupt.
    /// </summary>
    public bool TryReadNext(out DateTime timestampUtc, out LinkType linkType, out ReadOnlySpan<byte> frame)
    {
        var found = _isPcapng
            ? TryReadPcapng(out timestampUtc, out linkType, out frame)
            : TryReadPcap(out timestampUtc, out linkType, out frame);
        if (found)
        {
            FramesDelivered++;
        }

        return found;
    }

    public void Dispose() => _stream.Dispose();

    private void ReadFileHeader()
    {
        if (!Ensure(4))
        {
            throw Corrupt(0, Available == 0 ? "empty file" : "file shorter than any capture header");
        }

        var magic = BinaryPrimitives.ReadUInt32LittleEndian(Current);
        if (magic == PcapngSectionHeader)
        {
            _isPcapng = true;
            return;
        }

        if (!Ensure(24))
        {
            throw Corrupt(0, "truncated pcap file header");
        }

        var header = Current;
        switch (magic)
        {
            case PcapMagicMicro:
                break;
            case PcapMagicNano:
                _nanosecond = true;
                break;
            default:
                var swapped = BinaryPrimitives.ReverseEndianness(magic);
                if (swapped == PcapMagicMicro)
                {
                    _swap = true;
                }
                else if (swapped == PcapMagicNano)
                {
                    _swap = true;
                    _nanosecond = true;
                }
                else
                {
                    throw Corrupt(0, $"not a pcap or pcapng file (magic 0x{magic:x8})");
                }

                break;
        }

        // The top bits of the link-type field carry FCS-length flags (pcap-savefile(5)); the type is the low 16.
        _pcapLinkType = (LinkType)(U32(header[20..]) & 0xffff);
        _start += 24;
    }

    private bool TryReadPcap(out DateTime timestampUtc, out LinkType linkType, out ReadOnlySpan<byte> frame)
    {
        timestampUtc = default;
        linkType = _pcapLinkType;
        frame = default;
        if (!Ensure(16))
        {
            if (Available == 0)
            {
                return false;
            }

            throw Corrupt(Position, $"truncated record header ({Available} of 16 bytes)");
        }

        var header = Current;
        var seconds = U32(header);
        var fraction = U32(header[4..]);
        var capturedLength = U32(header[8..]);
        var originalLength = U32(header[12..]);
        if (capturedLength > MaxRecordBytes)
        {
            throw Corrupt(Position, $"corrupt record header (captured length {capturedLength}, original length {originalLength})");
        }

        if (!Ensure(16 + (int)capturedLength))
        {
            throw Corrupt(Position, $"truncated record: header says {capturedLength} bytes, file ends after {Available - 16}");
        }

        var ticks = (seconds * TimeSpan.TicksPerSecond) + (_nanosecond ? fraction / 100 : fraction * 10L);
        timestampUtc = FromUnixTicks(ticks);
        frame = Current.Slice(16, (int)capturedLength);
        _start += 16 + (int)capturedLength;
        return true;
    }

    private bool TryReadPcapng(out DateTime timestampUtc, out LinkType linkType, out ReadOnlySpan<byte> frame)
    {
        while (true)
        {
            timestampUtc = default;
            linkType = default;
            frame = default;
            if (!Ensure(12))
            {
                if (Available == 0)
                {
                    return false;
                }

                throw Corrupt(Position, $"truncated block header ({Available} of 12 bytes)");
            }

            var blockStart = Position;
            var type = BinaryPrimitives.ReadUInt32LittleEndian(Current);
            if (type == PcapngSectionHeader)
            {
                // The section's byte order is given by the magic after the length, so read that first.
                var orderMagic = BinaryPrimitives.ReadUInt32LittleEndian(Current[8..]);
                if (orderMagic == PcapngByteOrderMagic)
                {
                    _swap = !BitConverter.IsLittleEndian;
                }
                else if (BinaryPrimitives.ReverseEndianness(orderMagic) == PcapngByteOrderMagic)
                {
                    _swap = BitConverter.IsLittleEndian;
                }
                else
                {
                    throw Corrupt(blockStart, $"section header with bad byte-order magic 0x{orderMagic:x8}");
                }

                _interfaces.Clear();
            }
            else
            {
                type = U32(Current);
            }

            var length = U32(Current[4..]);
            if (length < 12 || length % 4 != 0 || length > MaxRecordBytes)
            {
                throw Corrupt(blockStart, $"corrupt block length {length} (block type 0x{type:x8})");
            }

            if (!Ensure((int)length))
            {
                throw Corrupt(blockStart, $"truncated block: header says {length} bytes, file ends after {Available}");
            }

            var block = Current[..(int)length];
            if (U32(block[^4..]) != length)
            {
                throw Corrupt(blockStart, $"block trailer length {U32(block[^4..])} differs from header length {length}");
            }

            _start += (int)length;
            var body = block[8..^4];
            switch (type)
            {
                case 1:
                    AddInterface(body, blockStart);
                    break;
                case 6 when TryEnhancedPacket(body, blockStart, out timestampUtc, out linkType, out frame):
                    return true;
                case 3 when TrySimplePacket(body, out timestampUtc, out linkType, out frame):
                    return true;
                case 2 when TryObsoletePacket(body, blockStart, out timestampUtc, out linkType, out frame):
                    return true;
                default:
                    // Name resolution, statistics, custom and unknown blocks carry no frames.
                    break;
            }
        }
    }

    private void AddInterface(ReadOnlySpan<byte> body, long blockStart)
    {
        if (body.Length < 8)
        {
            throw Corrupt(blockStart, "interface description block too short");
        }

        var iface = new PcapngInterface { LinkType = (LinkType)U16(body), TicksPerUnitNumerator = 10, TicksPerUnitShift = 0 };
        var options = body[8..];
        while (options.Length >= 4)
        {
            var code = U16(options);
            var optionLength = U16(options[2..]);
            if (code == 0 || 4 + optionLength > options.Length)
            {
                break;
            }

            var value = options.Slice(4, optionLength);
            if (code == 9 && optionLength >= 1)
            {
                iface.SetResolution(value[0]);
            }
            else if (code == 14 && optionLength >= 8)
            {
                iface.OffsetSeconds = (long)U64(value);
            }

            options = options[Math.Min(options.Length, 4 + ((optionLength + 3) & ~3))..];
        }

        _interfaces.Add(iface);
    }

    private bool TryEnhancedPacket(ReadOnlySpan<byte> body, long blockStart, out DateTime timestampUtc, out LinkType linkType, out ReadOnlySpan<byte> frame)
    {
        if (body.Length < 20)
        {
            throw Corrupt(blockStart, "enhanced packet block too short");
        }

        var interfaceId = U32(body);
        var units = ((ulong)U32(body[4..]) << 32) | U32(body[8..]);
        var capturedLength = U32(body[12..]);
        if (capturedLength > body.Length - 20)
        {
            throw Corrupt(blockStart, $"enhanced packet block: captured length {capturedLength} exceeds block");
        }

        var iface = Interface(interfaceId, blockStart);
        linkType = iface.LinkType;
        frame = body.Slice(20, (int)capturedLength);
        return AcceptTimestamp(iface.ToDateTime(units), blockStart, out timestampUtc);
    }

    private bool TrySimplePacket(ReadOnlySpan<byte> body, out DateTime timestampUtc, out LinkType linkType, out ReadOnlySpan<byte> frame)
    {
        // Simple packet blocks have no timestamp and always belong to interface 0 (RFC draft section 4.4).
        timestampUtc = _lastTimestamp;
        linkType = _interfaces.Count > 0 ? _interfaces[0].LinkType : LinkType.Ethernet;
        frame = default;
        if (body.Length < 4)
        {
            return false;
        }

        var originalLength = U32(body);
        frame = body[4..];
        if (originalLength < frame.Length)
        {
            frame = frame[..(int)originalLength];
        }

        return true;
    }

    private bool TryObsoletePacket(ReadOnlySpan<byte> body, long blockStart, out DateTime timestampUtc, out LinkType linkType, out ReadOnlySpan<byte> frame)
    {
        if (body.Length < 20)
        {
            throw Corrupt(blockStart, "packet block too short");
        }

        var iface = Interface(U16(body), blockStart);
        var units = ((ulong)U32(body[4..]) << 32) | U32(body[8..]);
        var capturedLength = U32(body[12..]);
        if (capturedLength > body.Length - 20)
        {
            throw Corrupt(blockStart, $"packet block: captured length {capturedLength} exceeds block");
        }

        linkType = iface.LinkType;
        frame = body.Slice(20, (int)capturedLength);
        return AcceptTimestamp(iface.ToDateTime(units), blockStart, out timestampUtc);
    }

    /// <summary>
    /// A pcapng time outside 1990-2100 is a broken clock or resolution option: the packet is a counted drop (the
    /// caller warns with file and offset), never silently filed under 1970.
    /// </summary>
    private bool AcceptTimestamp(DateTime? time, long blockStart, out DateTime timestampUtc)
    {
        if (time is not { } t || t < EarliestTimestamp || t >= LatestTimestamp)
        {
            TimestampsOutOfRange++;
            if (FirstTimestampOutOfRangeOffset < 0)
            {
                FirstTimestampOutOfRangeOffset = blockStart;
            }

            timestampUtc = default;
            return false;
        }

        timestampUtc = t;
        _lastTimestamp = t;
        return true;
    }

    private PcapngInterface Interface(uint id, long blockStart) =>
        id < (uint)_interfaces.Count
            ? _interfaces[(int)id]
            : throw Corrupt(blockStart, $"packet refers to interface {id}, but the section describes {_interfaces.Count}");

    private static DateTime FromUnixTicks(long ticks)
    {
        var max = DateTime.MaxValue.Ticks - DateTime.UnixEpoch.Ticks;
        return ticks < 0 || ticks > max
            ? DateTime.UnixEpoch
            : new DateTime(DateTime.UnixEpoch.Ticks + ticks, DateTimeKind.Utc);
    }

    private int Available => _end - _start;

    private ReadOnlySpan<byte> Current => _buffer.AsSpan(_start, _end - _start);

    /// <summary>Makes at least <paramref name="count"/> bytes available from <see cref="_start"/>; false at end of stream.</summary>
    private bool Ensure(int count)
    {
        if (_end - _start >= count)
        {
            return true;
        }

        if (count > _buffer.Length)
        {
            var bigger = new byte[Math.Max(count, _buffer.Length * 2)];
            Buffer.BlockCopy(_buffer, _start, bigger, 0, _end - _start);
            _buffer = bigger;
            _bufferOffset += _start;
            _end -= _start;
            _start = 0;
        }
        else if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _bufferOffset += _start;
            _end -= _start;
            _start = 0;
        }

        while (_end - _start < count && !_endOfStream)
        {
            int read;
            try
            {
                read = _stream.Read(_buffer, _end, _buffer.Length - _end);
            }
            catch (InvalidDataException ex)
            {
                throw Corrupt(_bufferOffset + _end, "compressed data is corrupt", ex);
            }
            catch (IOException ex)
            {
                throw Corrupt(_bufferOffset + _end, "read failed: " + ex.Message, ex);
            }

            if (read == 0)
            {
                _endOfStream = true;
            }

            _end += read;
        }

        return _end - _start >= count;
    }

    private CaptureFileFormatException Corrupt(long offset, string problem, Exception? inner = null) => new(Name, offset, problem, inner);

    private ushort U16(ReadOnlySpan<byte> s) => _swap ? BinaryPrimitives.ReadUInt16BigEndian(s) : BinaryPrimitives.ReadUInt16LittleEndian(s);

    private uint U32(ReadOnlySpan<byte> s) => _swap ? BinaryPrimitives.ReadUInt32BigEndian(s) : BinaryPrimitives.ReadUInt32LittleEndian(s);

    private ulong U64(ReadOnlySpan<byte> s) => _swap ? BinaryPrimitives.ReadUInt64BigEndian(s) : BinaryPrimitives.ReadUInt64LittleEndian(s);

    private sealed class PcapngInterface
    {
        public LinkType LinkType { get; init; }

        /// <summary>Ticks per unit as numerator / 10^shift (decimal resolution) or numerator >> shift (binary).</summary>
        public long TicksPerUnitNumerator { get; set; }

        public int TicksPerUnitShift { get; set; }

        public bool BinaryResolution { get; set; }

        public long OffsetSeconds { get; set; }

        /// <summary>if_tsresol: high bit clear = 10^-n seconds per unit, set = 2^-n (pcapng section 4.2).</summary>
        public void SetResolution(byte value)
        {
            var exponent = value & 0x7f;
            if ((value & 0x80) != 0)
            {
                BinaryResolution = true;
                TicksPerUnitNumerator = TimeSpan.TicksPerSecond;
                TicksPerUnitShift = Math.Min(exponent, 63);
            }
            else if (exponent <= 7)
            {
                TicksPerUnitNumerator = (long)Math.Pow(10, 7 - exponent);
                TicksPerUnitShift = 0;
            }
            else
            {
                TicksPerUnitNumerator = 1;
                TicksPerUnitShift = Math.Min(exponent - 7, 18);
            }
        }

        /// <summary>The unit count as UTC time, or null when it does not fit a DateTime.</summary>
        public DateTime? ToDateTime(ulong units)
        {
            UInt128 ticks;
            if (BinaryResolution)
            {
                ticks = ((UInt128)units * (ulong)TicksPerUnitNumerator) >> TicksPerUnitShift;
            }
            else if (TicksPerUnitShift > 0)
            {
                ticks = units / (ulong)Math.Pow(10, TicksPerUnitShift);
            }
            else
            {
                ticks = (UInt128)units * (ulong)TicksPerUnitNumerator;
            }

            // if_tsoffset is signed (pcapng section 4.2): a negative offset moves times before the stored count.
            if (ticks > (UInt128)long.MaxValue)
            {
                return null;
            }

            var total = (Int128)(long)ticks + ((Int128)OffsetSeconds * TimeSpan.TicksPerSecond);
            var max = DateTime.MaxValue.Ticks - DateTime.UnixEpoch.Ticks;
            return total < 0 || total > max ? null : new DateTime(DateTime.UnixEpoch.Ticks + (long)total, DateTimeKind.Utc);
        }
    }
}
