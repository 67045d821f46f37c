using System.Buffers;

namespace CoppiceMonitor.Capture.Tls;

/// <summary>
/// Rebuilds the first bytes of one client-to-server TCP direction until the ClientHello is whole. One instance per
/// direction, owned (and pooled, via <see cref="Reset"/>) by the flow table. Not thread-safe.
/// </summary>
/// <remarks>
/// Segments may arrive out of order, be retransmitted or overlap; bytes are placed by sequence number and the
/// parser runs over the contiguous prefix whenever it grows. Without a SYN (capture started mid-connection) the first
/// segment that begins like a TLS handshake record becomes the stream start; segments that arrived before it are
/// kept aside and placed once the start is known, so a first segment that arrives late still works. At most
/// <see cref="MaxStreamBytes"/> bytes are kept: a ClientHello that does not fit is reported Malformed.
/// Buffers come from <see cref="ArrayPool{T}.Shared"/> and go back when the hello is found, rejected or on Reset.
/// </remarks>
public sealed class TlsClientHelloAssembler
{
    /// <summary>Per-direction reassembly bound (DESIGN.md: 16 KiB of reassembly per flow).</summary>
    public const int MaxStreamBytes = 16 * 1024;

    private const int MaxEarlySegments = 64;

    // Offsets relative to the stream start; the signed sequence distance handles wrap-around.
    private readonly ReassemblyBuffer _stream = new(MaxStreamBytes);
    private readonly EarlySegment[] _early = new EarlySegment[MaxEarlySegments];

    private byte[]? _earlyBytes;
    private int _earlyCount;
    private int _earlyUsed;
    private bool _haveStart;
    private uint _startSequence;
    private int _lastParsedLength;
    private bool _finished;

    /// <summary>
    /// Adds one client-to-server segment. Returns Success once (with the hello), NeedMoreData while the hello is
    /// incomplete, Malformed or NotApplicable when this direction will never yield one; after any final result every
    /// further call returns NotApplicable until <see cref="Reset"/>.
    /// </summary>
    public ParseStatus Add(uint sequenceNumber, bool isSyn, ReadOnlySpan<byte> payload, out ClientHelloInfo hello)
    {
        hello = default;
        if (_finished)
        {
            return ParseStatus.NotApplicable;
        }

        var dataSequence = sequenceNumber;
        if (isSyn)
        {
            // The SYN consumes one sequence number; data on a SYN (TCP Fast Open) starts after it.
            dataSequence = unchecked(sequenceNumber + 1);
            if (_haveStart && _startSequence != dataSequence && !_stream.IsEmpty)
            {
                // A new connection on the same 5-tuple: start again.
                ClearState();
            }

            if (!_haveStart || _stream.IsEmpty)
            {
                SetStart(dataSequence);
            }
        }

        if (payload.IsEmpty)
        {
            return ParseStatus.NeedMoreData;
        }

        if (!_haveStart)
        {
            if (LooksLikeHandshakeRecordStart(payload))
            {
                SetStart(dataSequence);
            }
            else
            {
                return KeepEarly(dataSequence, payload) ? ParseStatus.NeedMoreData : Finish(ParseStatus.NotApplicable);
            }
        }

        if (!Place(dataSequence, payload))
        {
            return Finish(ParseStatus.NotApplicable);
        }

        return Evaluate(out hello);
    }

    /// <summary>True once the stream start is known (a SYN, or a segment that begins a TLS handshake record).</summary>
    public bool HasStreamStart => _haveStart;

    /// <summary>Returns buffers to the pool and forgets everything, so the instance can serve another flow.</summary>
    public void Reset()
    {
        ClearState();
        _finished = false;
    }

    /// <summary>0x16 0x03 0x0X: a handshake record of SSL 3.0 to TLS 1.3, checked only as far as the bytes go.</summary>
    private static bool LooksLikeHandshakeRecordStart(ReadOnlySpan<byte> payload) =>
        payload[0] == TlsClientHelloParser.ContentTypeHandshake
        && (payload.Length < 2 || payload[1] == 3)
        && (payload.Length < 3 || payload[2] <= 4);

    private void SetStart(uint sequence)
    {
        _haveStart = true;
        _startSequence = sequence;

        // Place what arrived before the start was known; anything from before the start is dropped by Place.
        for (var i = 0; i < _earlyCount; i++)
        {
            var early = _early[i];
            _ = Place(early.Sequence, _earlyBytes.AsSpan(early.Offset, early.Length));
        }

        _earlyCount = 0;
        _earlyUsed = 0;
        ReturnBuffer(ref _earlyBytes);
    }

    private bool KeepEarly(uint sequence, ReadOnlySpan<byte> payload)
    {
        if (_earlyCount == MaxEarlySegments || _earlyUsed + payload.Length > MaxStreamBytes)
        {
            return false;
        }

        // Grown as needed: connections picked up mid-stream take this path too, and most of them hold little.
        if (_earlyBytes is null || _earlyBytes.Length < _earlyUsed + payload.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(MaxStreamBytes, Math.Max(2048, 2 * (_earlyUsed + payload.Length))));
            _earlyBytes?.AsSpan(0, _earlyUsed).CopyTo(bigger);
            ReturnBuffer(ref _earlyBytes);
            _earlyBytes = bigger;
        }

        payload.CopyTo(_earlyBytes.AsSpan(_earlyUsed));
        _early[_earlyCount++] = new EarlySegment(sequence, _earlyUsed, payload.Length);
        _earlyUsed += payload.Length;
        return true;
    }

    /// <summary>Places the segment relative to the stream start. False when too fragmented to track.</summary>
    private bool Place(uint sequence, ReadOnlySpan<byte> data) =>
        _stream.Write(unchecked((int)(sequence - _startSequence)), data);

    private ParseStatus Evaluate(out ClientHelloInfo hello)
    {
        hello = default;
        var contiguous = _stream.ContiguousLength;
        if (contiguous == 0 || contiguous == _lastParsedLength)
        {
            return ParseStatus.NeedMoreData;
        }

        _lastParsedLength = contiguous;
        var status = TlsClientHelloParser.TryParseRecords(_stream.Contiguous, out hello);
        if (status == ParseStatus.NeedMoreData)
        {
            return contiguous >= MaxStreamBytes ? Finish(ParseStatus.Malformed) : ParseStatus.NeedMoreData;
        }

        return Finish(status);
    }

    private ParseStatus Finish(ParseStatus status)
    {
        ClearState();
        _finished = true;
        return status;
    }

    private void ClearState()
    {
        _stream.Clear();
        ReturnBuffer(ref _earlyBytes);
        _earlyCount = 0;
        _earlyUsed = 0;
        _haveStart = false;
        _startSequence = 0;
        _lastParsedLength = 0;
    }

    private static void ReturnBuffer(ref byte[]? buffer)
    {
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            buffer = null;
        }
    }

    private readonly record struct EarlySegment(uint Sequence, int Offset, int Length);
}
