using System.Buffers;
using System.Buffers.Binary;

namespace CoppiceMonitor.Capture.Dns;

/// <summary>
/// One direction of DNS over TCP (RFC 1035 section 4.2.2, RFC 7766): each message is preceded by a two-byte
/// length. A segment may hold several messages, a message may span segments, and the length prefix may arrive
/// in a segment of its own. Only bytes of an incomplete message are buffered (at most 65,537), and only in order:
/// a retransmission is skipped and a gap discards the partial message.
/// </summary>
internal sealed class DnsTcpStream
{
    private const int MaxBuffered = 2 + ushort.MaxValue;

    private byte[]? _pending;
    private int _pendingLength;
    private uint _nextSequence;
    private bool _hasSequence;

    public int PendingLength => _pendingLength;

    /// <summary>The sequence number the next in-order byte will carry (after a SYN, ISN + 1).</summary>
    public void Start(uint nextSequence)
    {
        _nextSequence = nextSequence;
        _hasSequence = true;
    }

    /// <summary>
    /// Trims a segment to its new bytes: false when it holds nothing new (a retransmission).
    /// A gap (bytes missing before this segment) drops any partial message.
    /// </summary>
    public bool TryAccept(uint sequence, ref ReadOnlySpan<byte> payload)
    {
        if (!_hasSequence)
        {
            Start(sequence);
        }

        var delta = unchecked((int)(sequence - _nextSequence));
        var segmentLength = payload.Length;
        if (delta > 0)
        {
            Clear();
        }
        else if (delta < 0)
        {
            if (-delta >= segmentLength)
            {
                return false;
            }

            payload = payload[-delta..];
        }

        _nextSequence = unchecked(sequence + (uint)segmentLength);
        return true;
    }

    /// <summary>
    /// Hands each whole message in (buffered bytes + <paramref name="payload"/>) to <paramref name="onMessage"/>
    /// and keeps the incomplete tail.
    /// </summary>
    public void Process<TState>(ReadOnlySpan<byte> payload, ref TState state, DnsMessageHandler<TState> onMessage)
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
            Clear();
        }
    }

    public void Clear()
    {
        if (_pending is not null)
        {
            ArrayPool<byte>.Shared.Return(_pending);
            _pending = null;
        }

        _pendingLength = 0;
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
            Clear();
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
}

internal delegate void DnsMessageHandler<TState>(ref TState state, ReadOnlySpan<byte> message)
    where TState : allows ref struct;
