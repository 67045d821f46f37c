using System.Buffers;
using System.Buffers.Binary;

namespace CoppiceMonitor.Capture.Dns;

/// <summary>
/// One direction of DNS over TCP (RFC 1035 section 4.2.2, RFC 7766): each message is preceded by a two-byte
/// length. A segment may hold several messages, a message may span segments, and the length prefix may arrive
/// in a segment of its own. Only bytes of an incomplete message are buffered (at most 65,537). Segments that arrive
/// ahead of a gap are held (at most <see cref="MaxHeldSegments"/> segments and <see cref="MaxHeldBytes"/> bytes)
/// and handed on in order once the gap is filled, so a reordered answer is not lost; retransmissions are skipped.
/// When the hold is full the gap is given up: the partial message is dropped and the stream carries on from the
/// earliest held segment.
/// </summary>
internal sealed class DnsTcpStream
{
    /// <summary>Segments kept ahead of a gap: a DNS answer over TCP is a few segments; reordering is local.</summary>
    public const int MaxHeldSegments = 16;

    /// <summary>Bytes kept ahead of a gap (one large answer's worth).</summary>
    public const int MaxHeldBytes = 32 * 1024;

    private const int MaxBuffered = 2 + ushort.MaxValue;

    private byte[]? _pending;
    private int _pendingLength;
    private uint _nextSequence;
    private bool _hasSequence;

    private HeldSegment[]? _held;
    private byte[]? _heldBytes;
    private int _heldCount;
    private int _heldUsed;

    public int PendingLength => _pendingLength;

    /// <summary>Segments currently held ahead of a gap.</summary>
    public int HeldSegments => _heldCount;

    /// <summary>The sequence number the next in-order byte will carry (after a SYN, ISN + 1).</summary>
    public void Start(uint nextSequence)
    {
        _nextSequence = nextSequence;
        _hasSequence = true;
    }

    /// <summary>
    /// Adds one segment: its new in-order bytes, and any held segments they make contiguous, are split into
    /// messages for <paramref name="onMessage"/>; a segment past a gap is held until the gap is filled.
    /// </summary>
    public void Add<TState>(uint sequence, ReadOnlySpan<byte> payload, ref TState state, DnsMessageHandler<TState> onMessage)
        where TState : allows ref struct
    {
        if (payload.IsEmpty)
        {
            return;
        }

        if (!_hasSequence)
        {
            Start(sequence);
        }

        while (unchecked((int)(sequence - _nextSequence)) > 0)
        {
            if (Hold(sequence, payload))
            {
                return;
            }

            // The hold is full: the missing bytes are not coming. Skip to the earliest held segment (or this one).
            ClearPending();
            if (_heldCount == 0)
            {
                _nextSequence = sequence;
                break;
            }

            _nextSequence = _held![EarliestHeld()].Sequence;
            DrainHeld(ref state, onMessage);
        }

        AcceptInOrder(sequence, payload, ref state, onMessage);
        DrainHeld(ref state, onMessage);
    }

    /// <summary>Forgets everything and returns the buffers to the pool.</summary>
    public void Clear()
    {
        ClearPending();
        ClearHeld();
        _hasSequence = false;
    }

    /// <summary>Trims a segment at or before the next expected byte to its new bytes and splits them into messages.</summary>
    private void AcceptInOrder<TState>(uint sequence, ReadOnlySpan<byte> payload, ref TState state, DnsMessageHandler<TState> onMessage)
        where TState : allows ref struct
    {
        var behind = unchecked((int)(_nextSequence - sequence));
        if (behind >= payload.Length)
        {
            return; // a retransmission: nothing new
        }

        if (behind > 0)
        {
            payload = payload[behind..];
        }

        _nextSequence = unchecked(_nextSequence + (uint)payload.Length);
        Process(payload, ref state, onMessage);
    }

    /// <summary>Hands on every held segment that the in-order bytes now reach, earliest first.</summary>
    private void DrainHeld<TState>(ref TState state, DnsMessageHandler<TState> onMessage)
        where TState : allows ref struct
    {
        while (_heldCount > 0)
        {
            var i = EarliestHeld();
            var held = _held![i];
            if (unchecked((int)(held.Sequence - _nextSequence)) > 0)
            {
                return; // still a gap before it
            }

            // Remove first (order does not matter), then process: the bytes stay valid until the hold is reset.
            _held[i] = _held[--_heldCount];
            AcceptInOrder(held.Sequence, _heldBytes.AsSpan(held.Offset, held.Length), ref state, onMessage);
            if (_heldCount == 0)
            {
                _heldUsed = 0;
            }
        }
    }

    private int EarliestHeld()
    {
        var best = 0;
        for (var i = 1; i < _heldCount; i++)
        {
            if (unchecked((int)(_held![i].Sequence - _held[best].Sequence)) < 0)
            {
                best = i;
            }
        }

        return best;
    }

    private bool Hold(uint sequence, ReadOnlySpan<byte> payload)
    {
        for (var i = 0; i < _heldCount; i++)
        {
            if (_held![i].Sequence == sequence && _held[i].Length >= payload.Length)
            {
                return true; // a retransmission of a held segment
            }
        }

        if (_heldCount == MaxHeldSegments || _heldUsed + payload.Length > MaxHeldBytes)
        {
            return false;
        }

        _held ??= new HeldSegment[MaxHeldSegments];
        if (_heldBytes is null || _heldBytes.Length < _heldUsed + payload.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(MaxHeldBytes, Math.Max(4096, 2 * (_heldUsed + payload.Length))));
            if (_heldBytes is not null)
            {
                Buffer.BlockCopy(_heldBytes, 0, bigger, 0, _heldUsed);
                ArrayPool<byte>.Shared.Return(_heldBytes);
            }

            _heldBytes = bigger;
        }

        payload.CopyTo(_heldBytes.AsSpan(_heldUsed));
        _held[_heldCount++] = new HeldSegment(sequence, _heldUsed, payload.Length);
        _heldUsed += payload.Length;
        return true;
    }

    /// <summary>
    /// Hands each whole message in (buffered bytes + <paramref name="payload"/>) to <paramref name="onMessage"/>
    /// and keeps the incomplete tail.
    /// </summary>
    private void Process<TState>(ReadOnlySpan<byte> payload, ref TState state, DnsMessageHandler<TState> onMessage)
        where TState : allows ref struct
    {
        if (_pendingLength == 0)
        {
            while (payload.Length >= 2)
            {
                var length = BinaryPrimitives.ReadUInt16BigEndian(payload);
                if (payload.Length < 2 + length)
                {
                    break;
                }

                onMessage(ref state, payload.Slice(2, length));
                payload = payload[(2 + length)..];
            }

            Store(payload);
            return;
        }

        Store(payload);
        var offset = 0;
        while (_pendingLength - offset >= 2)
        {
            var length = BinaryPrimitives.ReadUInt16BigEndian(_pending.AsSpan(offset));
            if (_pendingLength - offset < 2 + length)
            {
                break;
            }

            onMessage(ref state, _pending.AsSpan(offset + 2, length));
            offset += 2 + length;
        }

        if (offset > 0)
        {
            Buffer.BlockCopy(_pending!, offset, _pending!, 0, _pendingLength - offset);
            _pendingLength -= offset;
        }

        if (_pendingLength == 0)
        {
            ClearPending();
        }
    }

    private void ClearPending()
    {
        if (_pending is not null)
        {
            ArrayPool<byte>.Shared.Return(_pending);
            _pending = null;
        }

        _pendingLength = 0;
    }

    private void ClearHeld()
    {
        if (_heldBytes is not null)
        {
            ArrayPool<byte>.Shared.Return(_heldBytes);
            _heldBytes = null;
        }

        _heldCount = 0;
        _heldUsed = 0;
    }

    private void Store(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return;
        }

        if (_pendingLength + bytes.Length > MaxBuffered)
        {
            // Cannot be a valid stream any more: start afresh rather than grow without bound.
            ClearPending();
            return;
        }

        if (_pending is null || _pending.Length < _pendingLength + bytes.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(512, _pendingLength + bytes.Length));
            if (_pending is not null)
            {
                Buffer.BlockCopy(_pending, 0, bigger, 0, _pendingLength);
                ArrayPool<byte>.Shared.Return(_pending);
            }

            _pending = bigger;
        }

        bytes.CopyTo(_pending.AsSpan(_pendingLength));
        _pendingLength += bytes.Length;
    }

    private readonly record struct HeldSegment(uint Sequence, int Offset, int Length);
}

internal delegate void DnsMessageHandler<TState>(ref TState state, ReadOnlySpan<byte> message)
    where TState : allows ref struct;
