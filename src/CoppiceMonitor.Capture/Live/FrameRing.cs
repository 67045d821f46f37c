using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace CoppiceMonitor.Capture.Live;

/// <summary>
/// A single-producer single-consumer byte ring of captured frames: the capture thread only copies each frame in
/// (no decoding, no allocation) so it keeps draining the kernel ring, and the decode thread reads them out.
/// One preallocated buffer is the frame pool: a record is a 16-byte header (frame length, timestamp ticks)
/// followed by the frame, 8-byte aligned. When the ring is full the frame is dropped and counted (<see cref="Dropped"/>)
/// rather than blocking the capture thread, which would only move the loss into the kernel.
/// </summary>
public sealed class FrameRing : IDisposable
{
    private const int HeaderBytes = 16;
    private const int WrapMarker = -1;

    private readonly byte[] _buffer;
    private readonly long _mask;
    private readonly SemaphoreSlim _dataAvailable = new(0);
    private long _writePosition;
    private long _nextWritePosition;
    private long _readPosition;
    private long _dropped;
    private long _frames;
    private int _consumerWaiting;
    private volatile bool _completed;

    /// <param name="capacityBytes">Rounded up to a power of two, at least 64 KiB.</param>
    public FrameRing(int capacityBytes)
    {
        var size = (int)Math.Min(1 << 30, Math.Max(1 << 16, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)capacityBytes)));
        _buffer = GC.AllocateUninitializedArray<byte>(size, pinned: true);
        _mask = size - 1;
    }

    public int CapacityBytes => _buffer.Length;

    /// <summary>Frames dropped because the ring was full (the decode thread fell behind by a whole ring).</summary>
    public long Dropped => Volatile.Read(ref _dropped);

    /// <summary>Frames accepted into the ring.</summary>
    public long Frames => Volatile.Read(ref _frames);

    /// <summary>Bytes waiting for the decode thread.</summary>
    public long BacklogBytes => Volatile.Read(ref _writePosition) - Volatile.Read(ref _readPosition);

    /// <summary>Producer: copies a frame in. False (and counted) when there is no room.</summary>
    public bool TryWrite(long timestampTicks, ReadOnlySpan<byte> frame) =>
        TryReserve(timestampTicks, frame.Length, out var destination) && Commit(frame, destination);

    /// <summary>Producer: copies a frame in straight from unmanaged memory (libpcap's buffer).</summary>
    public bool TryWrite(long timestampTicks, IntPtr frame, int length)
    {
        if (!TryReserve(timestampTicks, length, out var destination))
        {
            return false;
        }

        if (length > 0)
        {
            Marshal.Copy(frame, _buffer, destination, length);
        }

        Publish();
        return true;
    }

    /// <summary>Producer: no more frames. The consumer drains what is left and then sees the end.</summary>
    public void Complete()
    {
        _completed = true;
        _dataAvailable.Release();
    }

    /// <summary>
    /// Consumer: hands every waiting frame to <paramref name="handler"/>, then waits up to <paramref name="idleTimeout"/>
    /// for more. Returns the number of frames handled (0 after an idle timeout), or -1 once completed and empty.
    /// </summary>
    public int Read<TState>(FrameHandler<TState> handler, TState state, TimeSpan idleTimeout)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var handled = Drain(handler, state);
        if (handled > 0)
        {
            return handled;
        }

        // Empty: spin briefly (a busy link refills within microseconds), then sleep until the producer signals.
        var spinner = new SpinWait();
        for (var i = 0; i < 20; i++)
        {
            spinner.SpinOnce(sleep1Threshold: -1);
            if (Volatile.Read(ref _writePosition) != _readPosition)
            {
                return Drain(handler, state);
            }
        }

        Interlocked.Exchange(ref _consumerWaiting, 1);
        if (Volatile.Read(ref _writePosition) == _readPosition && !_completed)
        {
            _dataAvailable.Wait(idleTimeout);
        }

        Interlocked.Exchange(ref _consumerWaiting, 0);
        handled = Drain(handler, state);
        return handled == 0 && _completed && Volatile.Read(ref _writePosition) == _readPosition ? -1 : handled;
    }

    public void Dispose() => _dataAvailable.Dispose();

    private bool TryReserve(long timestampTicks, int length, out int destination)
    {
        var size = _buffer.Length;
        var record = Align(HeaderBytes + length);
        var write = _writePosition;
        var index = (int)(write & _mask);
        var tail = size - index;
        var needed = record <= tail ? record : tail + record;
        if (record > size / 2 || needed > size - (write - Volatile.Read(ref _readPosition)))
        {
            Volatile.Write(ref _dropped, _dropped + 1);
            destination = 0;
            return false;
        }

        if (record > tail)
        {
            // Not enough room before the end: mark the rest as skipped and start the record at offset 0.
            // The marker becomes visible together with the record (one position store in Publish).
            BinaryPrimitives.WriteInt32LittleEndian(_buffer.AsSpan(index), WrapMarker);
            index = 0;
        }

        BinaryPrimitives.WriteInt32LittleEndian(_buffer.AsSpan(index), length);
        BinaryPrimitives.WriteInt64LittleEndian(_buffer.AsSpan(index + 8), timestampTicks);
        _nextWritePosition = write + needed;
        destination = index + HeaderBytes;
        return true;
    }

    private bool Commit(ReadOnlySpan<byte> frame, int destination)
    {
        frame.CopyTo(_buffer.AsSpan(destination));
        Publish();
        return true;
    }

    private void Publish()
    {
        // A full fence, not just a release store: the frame bytes must be visible before the new write position, and
        // the position before the waiting flag is read (else a consumer going to sleep could miss this frame).
        Interlocked.Exchange(ref _writePosition, _nextWritePosition);
        Volatile.Write(ref _frames, _frames + 1);
        if (Volatile.Read(ref _consumerWaiting) != 0 && Interlocked.Exchange(ref _consumerWaiting, 0) != 0)
        {
            _dataAvailable.Release();
        }
    }

    private int Drain<TState>(FrameHandler<TState> handler, TState state)
    {
        var write = Volatile.Read(ref _writePosition);
        var read = _readPosition;
        var handled = 0;
        while (read < write)
        {
            var index = (int)(read & _mask);
            var length = BinaryPrimitives.ReadInt32LittleEndian(_buffer.AsSpan(index));
            if (length == WrapMarker)
            {
                read += _buffer.Length - index;
                continue;
            }

            var ticks = BinaryPrimitives.ReadInt64LittleEndian(_buffer.AsSpan(index + 8));
            handler(state, ticks, _buffer.AsSpan(index + HeaderBytes, length));
            read += Align(HeaderBytes + length);
            handled++;

            // Hand the space back in batches of frames so the producer sees room without a store per frame.
            if ((handled & 63) == 0)
            {
                Volatile.Write(ref _readPosition, read);
            }
        }

        Volatile.Write(ref _readPosition, read);
        return handled;
    }

    private static int Align(int bytes) => (bytes + 7) & ~7;
}

/// <summary>Receives one frame from a <see cref="FrameRing"/>; the span is valid only during the call.</summary>
public delegate void FrameHandler<in TState>(TState state, long timestampTicks, ReadOnlySpan<byte> frame);
