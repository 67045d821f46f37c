using System.Buffers;
using System.Numerics;

namespace CoppiceMonitor.Capture;

/// <summary>
/// Bytes placed by offset into a bounded, pooled buffer, with the filled ranges tracked so the contiguous prefix is
/// known. Shared by TCP ClientHello reassembly and QUIC CRYPTO-frame reassembly. Later copies overwrite earlier ones
/// (retransmissions carry the same bytes). Not thread-safe.
/// </summary>
internal sealed class ReassemblyBuffer
{
    private const int InitialBytes = 4096;
    private const int MaxRanges = 32;

    // Filled byte ranges [start, end), sorted and non-overlapping.
    private readonly int[] _rangeStarts = new int[MaxRanges];
    private readonly int[] _rangeEnds = new int[MaxRanges];
    private readonly int _capacity;
    private byte[]? _buffer;
    private int _rangeCount;

    public ReassemblyBuffer(int capacity) => _capacity = capacity;

    public int Capacity => _capacity;

    public bool IsEmpty => _rangeCount == 0;

    /// <summary>Length of the filled prefix starting at offset 0.</summary>
    public int ContiguousLength => _rangeCount > 0 && _rangeStarts[0] == 0 ? _rangeEnds[0] : 0;

    public ReadOnlySpan<byte> Contiguous => _buffer.AsSpan(0, ContiguousLength);

    /// <summary>
    /// Copies the part of <paramref name="data"/> that falls inside [0, Capacity) at <paramref name="offset"/>.
    /// Bytes before 0 or past the capacity are dropped. False only when the data is too fragmented to track.
    /// </summary>
    public bool Write(long offset, ReadOnlySpan<byte> data)
    {
        if (offset < 0)
        {
            if (-offset >= data.Length)
            {
                return true;
            }

            data = data[(int)-offset..];
            offset = 0;
        }

        if (offset >= _capacity || data.IsEmpty)
        {
            return true;
        }

        var start = (int)offset;
        var end = (int)Math.Min(offset + data.Length, _capacity);
        EnsureCapacity(end);
        data[..(end - start)].CopyTo(_buffer.AsSpan(start));
        return AddRange(start, end);
    }

    /// <summary>Forgets the content and returns the buffer to the pool.</summary>
    public void Clear()
    {
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }

        _rangeCount = 0;
    }

    private void EnsureCapacity(int length)
    {
        if (_buffer is not null && _buffer.Length >= length)
        {
            return;
        }

        var size = Math.Min(_capacity, Math.Max(InitialBytes, (int)BitOperations.RoundUpToPowerOf2((uint)length)));
        var grown = ArrayPool<byte>.Shared.Rent(size);
        if (_buffer is not null)
        {
            _buffer.AsSpan(0, _rangeCount == 0 ? 0 : _rangeEnds[_rangeCount - 1]).CopyTo(grown);
            ArrayPool<byte>.Shared.Return(_buffer);
        }

        _buffer = grown;
    }

    private bool AddRange(int start, int end)
    {
        // First range that ends at or after start; every range from there that starts at or before end is merged.
        var i = 0;
        while (i < _rangeCount && _rangeEnds[i] < start)
        {
            i++;
        }

        var j = i;
        while (j < _rangeCount && _rangeStarts[j] <= end)
        {
            start = Math.Min(start, _rangeStarts[j]);
            end = Math.Max(end, _rangeEnds[j]);
            j++;
        }

        var merged = j - i;
        if (merged == 0)
        {
            if (_rangeCount == MaxRanges)
            {
                return false;
            }

            Array.Copy(_rangeStarts, i, _rangeStarts, i + 1, _rangeCount - i);
            Array.Copy(_rangeEnds, i, _rangeEnds, i + 1, _rangeCount - i);
            _rangeCount++;
        }
        else if (merged > 1)
        {
            Array.Copy(_rangeStarts, j, _rangeStarts, i + 1, _rangeCount - j);
            Array.Copy(_rangeEnds, j, _rangeEnds, i + 1, _rangeCount - j);
            _rangeCount -= merged - 1;
        }

        _rangeStarts[i] = start;
        _rangeEnds[i] = end;
        return true;
    }
}
