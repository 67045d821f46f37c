using System.Buffers.Binary;
using CoppiceMonitor.Capture.Tls;

namespace CoppiceMonitor.Capture.Quic;

/// <summary>
/// Finds the ClientHello in a QUIC connection's client Initial packets: removes Initial protection (RFC 9001 5,
/// RFC 9369 3), walks coalesced packets, reassembles CRYPTO frames by offset across packets in any order, and hands
/// the result to <see cref="TlsClientHelloParser.TryParseHandshake"/> (or the gQUIC CHLO parser for Google QUIC).
/// State between packets is bounded: at most maxPendingConnections flows (oldest evicted first, idle ones after
/// <see cref="IdleTimeout"/>), each holding at most <see cref="MaxCryptoBytes"/> of CRYPTO data, and one derived
/// key set per Destination Connection ID in a cache of the same bound. Not thread-safe: one per capture thread.
/// </summary>
public sealed class QuicInitialTracker
{
    /// <summary>A ClientHello larger than this (even with post-quantum key shares and ECH) is not plausible.</summary>
    public const int MaxCryptoBytes = 16 * 1024;

    /// <summary>Undecryptable Initials tolerated on a flow before it is written off (each costs an exception).</summary>
    private const int MaxFailedAttempts = 4;

    private const int MaxConnectionIdLength = 20;
    private const int MaxDatagramLength = 65535;

    /// <summary>A flow whose Initials stop arriving for this long is forgotten.</summary>
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(60);

    private readonly int _maxPendingConnections;
    private readonly Dictionary<ulong, FlowState> _flows;
    private readonly Queue<(ulong Key, long Stamp)> _flowOrder = new();
    private readonly Stack<FlowState> _spareStates = new();
    private readonly Dictionary<ConnectionIdKey, QuicInitialKeys> _keys;
    private readonly Queue<ConnectionIdKey> _keyOrder = new();
    private readonly byte[] _packet = new byte[MaxDatagramLength];
    private readonly byte[] _plaintext = new byte[MaxDatagramLength];
    private long _nextStamp;

    public QuicInitialTracker(int maxPendingConnections = 4096)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPendingConnections, 1);
        _maxPendingConnections = maxPendingConnections;
        _flows = new Dictionary<ulong, FlowState>(Math.Min(maxPendingConnections, 1024));
        _keys = new Dictionary<ConnectionIdKey, QuicInitialKeys>(Math.Min(maxPendingConnections, 1024));
    }

    /// <summary>Flows with state held right now (pending reassembly or remembered as finished).</summary>
    public int PendingConnections => _flows.Count;

    /// <summary>
    /// Cheap pre-check: an IETF long header (or a gQUIC public header with the version flag) carrying a version
    /// this tracker knows.
    /// </summary>
    public static bool LooksLikeQuicLongHeader(ReadOnlySpan<byte> udpPayload) => FindVersion(udpPayload) is not null;

    /// <summary>
    /// Feeds one UDP datagram of the flow <paramref name="flowKey"/> (the caller's hash of the 5-tuple). Returns
    /// Success once with the hello; afterwards NotApplicable for that flow. NeedMoreData while CRYPTO data is still
    /// incomplete; NotApplicable for datagrams that carry no decryptable client Initial (server packets, other
    /// versions, the client's later Initials); Malformed when a header breaks its own lengths.
    /// </summary>
    public ParseStatus TryProcess(ReadOnlySpan<byte> udpPayload, ulong flowKey, DateTime timestampUtc,
        out ClientHelloInfo hello, out string version)
    {
        hello = default;
        version = string.Empty;
        var quicVersion = FindVersion(udpPayload);
        if (quicVersion is null || udpPayload.Length > MaxDatagramLength)
        {
            return ParseStatus.NotApplicable;
        }

        version = quicVersion.Name;
        var now = timestampUtc.Ticks;
        ExpireIdle(now);
        _flows.TryGetValue(flowKey, out var state);
        if (state is not null)
        {
            if (state.Done)
            {
                return ParseStatus.NotApplicable;
            }

            state.LastSeenTicks = now;
        }

        if (quicVersion.Family == QuicVersionFamily.GooglePlainChlo)
        {
            return ProcessPlainChlo(udpPayload, flowKey, now, out hello);
        }

        var datagramVersion = BinaryPrimitives.ReadUInt32BigEndian(udpPayload[1..]);
        var status = ParseStatus.NotApplicable;
        var position = 0;
        while (position < udpPayload.Length && (udpPayload[position] & 0x80) != 0)
        {
            var packetStatus = ProcessLongHeaderPacket(udpPayload, position, quicVersion, datagramVersion, flowKey, now, ref state, out var packetLength);
            if (packetStatus == ParseStatus.Malformed)
            {
                return status == ParseStatus.NeedMoreData ? Evaluate(state!, quicVersion, out hello) : ParseStatus.Malformed;
            }

            if (packetStatus == ParseStatus.NeedMoreData)
            {
                status = ParseStatus.NeedMoreData;
            }

            if (packetLength == 0)
            {
                break;
            }

            position += packetLength;
        }

        return status == ParseStatus.NeedMoreData ? Evaluate(state!, quicVersion, out hello) : status;
    }

    /// <summary>
    /// RFC 9000 17.2 (RFC 9369 3.2 rotates the type bits; Q050/T050 use the same layout):
    /// <code>
    /// Long Header Packet {
    ///   Header Form (1) = 1, Fixed Bit (1) = 1, Long Packet Type (2), Type-Specific Bits (4),
    ///   Version (32),
    ///   Destination Connection ID Length (8), Destination Connection ID (0..160),
    ///   Source Connection ID Length (8), Source Connection ID (0..160),
    ///   Token Length (i), Token (..),          /* Initial only */
    ///   Length (i),                            /* packet number + payload; not in Retry */
    ///   Packet Number (8..32), Packet Payload (..),
    /// }
    /// </code>
    /// Returns NeedMoreData when CRYPTO data was taken from a client Initial, NotApplicable when the packet was
    /// skipped, Malformed when its lengths exceed the datagram. <paramref name="packetLength"/> is 0 when the rest
    /// of the datagram cannot be walked (Retry, a different version, trailing garbage).
    /// </summary>
    private ParseStatus ProcessLongHeaderPacket(ReadOnlySpan<byte> datagram, int start, QuicVersion quicVersion,
        uint datagramVersion, ulong flowKey, long now, ref FlowState? state, out int packetLength)
    {
        packetLength = 0;
        var packet = datagram[start..];
        var reader = new SpanReader(packet);
        if (!reader.TryReadByte(out var firstByte) || !reader.TryReadUInt32BigEndian(out var versionValue))
        {
            return ParseStatus.Malformed;
        }

        // Coalesced packets share one version (RFC 9000 12.2); anything else is not ours to walk.
        if (versionValue != datagramVersion)
        {
            return ParseStatus.NotApplicable;
        }

        if (!reader.TryReadByte(out var dcidLength) || dcidLength > MaxConnectionIdLength
            || !reader.TryReadBytes(dcidLength, out var dcid)
            || !reader.TryReadByte(out var scidLength) || scidLength > MaxConnectionIdLength
            || !reader.TryReadBytes(scidLength, out var scid))
        {
            return ParseStatus.Malformed;
        }

        var packetType = (firstByte >> 4) & 3;
        if (quicVersion.IsReserved ? !AnyCandidateInitial(packetType) : packetType == quicVersion.RetryPacketType)
        {
            return ParseStatus.NotApplicable;
        }

        var isInitial = quicVersion.IsReserved || packetType == quicVersion.InitialPacketType;
        if (isInitial && (!reader.TryReadQuicVarInt(out var tokenLength) || tokenLength > (ulong)reader.Remaining
            || !reader.TrySkip((int)tokenLength)))
        {
            return ParseStatus.Malformed;
        }

        if (!reader.TryReadQuicVarInt(out var length) || length > (ulong)reader.Remaining)
        {
            return ParseStatus.Malformed;
        }

        var packetNumberOffset = reader.Position;
        packetLength = packetNumberOffset + (int)length;
        if (!isInitial || dcidLength == 0)
        {
            return ParseStatus.NotApplicable;
        }

        // The server's Initials are addressed to the client's Source Connection ID: not the client's hello.
        if (state is { HasConnectionIds: true } && state.ClientSourceId.Matches(dcid, versionValue))
        {
            return ParseStatus.NotApplicable;
        }

        var protectedPacket = packet[..packetLength];
        var keyVersion = quicVersion.IsReserved && state is { HasConnectionIds: true } ? state.KeyVersion! : quicVersion;
        var dcidKey = ConnectionIdKey.From(dcid, keyVersion.Value);
        var plaintextLength = keyVersion.IsReserved ? -1 : TryOpen(GetKeys(dcidKey, keyVersion), protectedPacket, packetNumberOffset);
        if (plaintextLength < 0 && state is { HasConnectionIds: true } && !state.OriginalDestinationId.Equals(dcidKey))
        {
            // Initial keys stay those of the first DCID even after the client switches to the server's CID.
            plaintextLength = TryOpen(GetKeys(state.OriginalDestinationId, keyVersion), protectedPacket, packetNumberOffset);
        }

        if (keyVersion.IsReserved)
        {
            // A reserved version says nothing about the protection: try each candidate whose Initial type matches.
            foreach (var candidate in QuicVersion.ReservedCandidates)
            {
                if (candidate.InitialPacketType != packetType)
                {
                    continue;
                }

                dcidKey = ConnectionIdKey.From(dcid, candidate.Value);
                plaintextLength = TryOpen(GetKeys(dcidKey, candidate), protectedPacket, packetNumberOffset);
                if (plaintextLength >= 0)
                {
                    keyVersion = candidate;
                    break;
                }
            }
        }

        if (plaintextLength < 0)
        {
            state ??= CreateState(flowKey, now);
            if (!state.HasConnectionIds && ++state.FailedAttempts >= MaxFailedAttempts)
            {
                MarkDone(state);
            }

            return ParseStatus.NotApplicable;
        }

        state ??= CreateState(flowKey, now);
        if (!state.HasConnectionIds)
        {
            state.HasConnectionIds = true;
            state.KeyVersion = keyVersion;
            state.OriginalDestinationId = dcidKey;
            state.ClientSourceId = ConnectionIdKey.From(scid, versionValue);
        }

        return ReadFrames(_plaintext.AsSpan(0, plaintextLength), keyVersion, state)
            ? ParseStatus.NeedMoreData
            : ParseStatus.NotApplicable;
    }

    /// <summary>
    /// Removes header protection (RFC 9001 5.4) and packet protection (5.3) from a copy of the packet. Returns the
    /// plaintext length in <see cref="_plaintext"/>, or -1 when these keys do not open it.
    /// <code>
    /// sample = packet[pn_offset + 4 .. pn_offset + 20]
    /// mask = AES-ECB(hp_key, sample)
    /// first_byte ^= mask[0] &amp; 0x0f                   /* long header */
    /// packet_number ^= mask[1 .. 1 + pn_length]
    /// </code>
    /// </summary>
    private int TryOpen(QuicInitialKeys keys, ReadOnlySpan<byte> protectedPacket, int packetNumberOffset)
    {
        if (protectedPacket.Length < packetNumberOffset + 4 + QuicInitialKeys.SampleLength)
        {
            return -1;
        }

        var packet = _packet.AsSpan(0, protectedPacket.Length);
        protectedPacket.CopyTo(packet);
        Span<byte> mask = stackalloc byte[QuicInitialKeys.SampleLength];
        keys.HeaderProtectionMask(packet.Slice(packetNumberOffset + 4, QuicInitialKeys.SampleLength), mask);
        packet[0] ^= (byte)(mask[0] & 0x0f);
        var packetNumberLength = (packet[0] & 3) + 1;
        ulong packetNumber = 0;
        for (var i = 0; i < packetNumberLength; i++)
        {
            packet[packetNumberOffset + i] ^= mask[1 + i];
            packetNumber = (packetNumber << 8) | packet[packetNumberOffset + i];
        }

        // Client Initial packet numbers start at 0 and stay tiny, so the truncated number is the full one.
        var headerLength = packetNumberOffset + packetNumberLength;
        var sealedPayload = packet[headerLength..];
        if (sealedPayload.Length < QuicInitialKeys.TagLength)
        {
            return -1;
        }

        return keys.TryDecrypt(packetNumber, packet[..headerLength], sealedPayload, _plaintext)
            ? sealedPayload.Length - QuicInitialKeys.TagLength
            : -1;
    }

    /// <summary>
    /// Initial packets may carry only PADDING, PING, ACK, CRYPTO and CONNECTION_CLOSE (RFC 9000 17.2.2):
    /// <code>
    /// PADDING (0x00); PING (0x01)
    /// ACK (0x02..0x03) { Largest Acknowledged (i), ACK Delay (i), ACK Range Count (i), First ACK Range (i),
    ///                    ACK Range (..) { Gap (i), ACK Range Length (i) } ..., [ECN Counts (3 x i)] }
    /// CRYPTO (0x06) { Offset (i), Length (i), Crypto Data (..) }
    /// </code>
    /// Google's Q050/T050 number frames the gQUIC way: PADDING 0x00, PING 0x07, CRYPTO 0x08 (same fields).
    /// Stops at anything else. True when at least one CRYPTO frame was stored.
    /// </summary>
    private static bool ReadFrames(ReadOnlySpan<byte> payload, QuicVersion quicVersion, FlowState state)
    {
        var googleFraming = quicVersion.Family is QuicVersionFamily.GoogleCryptoChlo or QuicVersionFamily.GoogleTls;
        var cryptoFrameType = googleFraming ? 0x08UL : 0x06UL;
        var stored = false;
        var reader = new SpanReader(payload);
        while (reader.Remaining > 0 && reader.TryReadQuicVarInt(out var type))
        {
            if (type == 0x00)
            {
                // Clients pad Initials to 1200 bytes: skip the run of PADDING in one vectorised search.
                var run = reader.RemainingSpan.IndexOfAnyExcept((byte)0);
                _ = reader.TrySkip(run < 0 ? reader.Remaining : run);
                continue;
            }

            if (type == (googleFraming ? 0x07UL : 0x01UL))
            {
                continue;
            }

            if (type == cryptoFrameType)
            {
                if (!reader.TryReadQuicVarInt(out var offset) || !reader.TryReadQuicVarInt(out var length)
                    || length > (ulong)reader.Remaining || !reader.TryReadBytes((int)length, out var data))
                {
                    break;
                }

                if (offset < MaxCryptoBytes && data.Length > 0)
                {
                    stored |= state.Crypto.Write((long)offset, data);
                }

                continue;
            }

            if (!googleFraming && type is 0x02 or 0x03 && SkipAck(ref reader, type == 0x03))
            {
                continue;
            }

            break;
        }

        return stored;
    }

    private static bool SkipAck(ref SpanReader reader, bool withEcn)
    {
        if (!reader.TryReadQuicVarInt(out _) || !reader.TryReadQuicVarInt(out _)
            || !reader.TryReadQuicVarInt(out var rangeCount) || !reader.TryReadQuicVarInt(out _)
            || rangeCount > (ulong)reader.Remaining)
        {
            return false;
        }

        for (ulong i = 0; i < rangeCount; i++)
        {
            if (!reader.TryReadQuicVarInt(out _) || !reader.TryReadQuicVarInt(out _))
            {
                return false;
            }
        }

        return !withEcn || (reader.TryReadQuicVarInt(out _) && reader.TryReadQuicVarInt(out _) && reader.TryReadQuicVarInt(out _));
    }

    private static ParseStatus Evaluate(FlowState state, QuicVersion quicVersion, out ClientHelloInfo hello)
    {
        hello = default;
        var contiguous = state.Crypto.ContiguousLength;
        if (contiguous == 0 || contiguous == state.LastParsedLength)
        {
            return ParseStatus.NeedMoreData;
        }

        state.LastParsedLength = contiguous;
        var status = quicVersion.Family == QuicVersionFamily.GoogleCryptoChlo
            ? GoogleQuicChloParser.TryParse(state.Crypto.Contiguous, out hello)
            : TlsClientHelloParser.TryParseHandshake(state.Crypto.Contiguous, out hello);
        if (status == ParseStatus.NeedMoreData)
        {
            if (contiguous < MaxCryptoBytes)
            {
                return ParseStatus.NeedMoreData;
            }

            status = ParseStatus.Malformed;
        }

        MarkDone(state);
        return status;
    }

    /// <summary>
    /// Google QUIC before Q050 sends the CHLO unencrypted in a STREAM frame on stream 1, after a public header
    /// whose layout changed from version to version; the message's own tag is the reliable anchor.
    /// </summary>
    private ParseStatus ProcessPlainChlo(ReadOnlySpan<byte> datagram, ulong flowKey, long now, out ClientHelloInfo hello)
    {
        hello = default;
        var at = datagram.IndexOf("CHLO"u8);
        if (at < 0)
        {
            return ParseStatus.NotApplicable;
        }

        var status = GoogleQuicChloParser.TryParse(datagram[at..], out hello);
        if (status is ParseStatus.Success or ParseStatus.Malformed)
        {
            var state = _flows.GetValueOrDefault(flowKey) ?? CreateState(flowKey, now);
            MarkDone(state);
        }

        // A CHLO spread over several packets is rare in gQUIC; it is not reassembled.
        return status == ParseStatus.NeedMoreData ? ParseStatus.NotApplicable : status;
    }

    private static bool AnyCandidateInitial(int packetType)
    {
        foreach (var candidate in QuicVersion.ReservedCandidates)
        {
            if (candidate.InitialPacketType == packetType)
            {
                return true;
            }
        }

        return false;
    }

    private static QuicVersion? FindVersion(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < 13)
        {
            return null;
        }

        var first = payload[0];
        if ((first & 0x80) != 0)
        {
            return QuicVersion.Find(BinaryPrimitives.ReadUInt32BigEndian(payload[1..]));
        }

        // gQUIC public header (before Q046): version flag 0x01 with an 8-byte connection ID (0x08) in front.
        if ((first & 0x09) == 0x09 && (first & 0x40) == 0)
        {
            var version = QuicVersion.Find(BinaryPrimitives.ReadUInt32BigEndian(payload[9..]));
            return version?.Family == QuicVersionFamily.GooglePlainChlo ? version : null;
        }

        return null;
    }

    private QuicInitialKeys GetKeys(ConnectionIdKey key, QuicVersion quicVersion)
    {
        if (_keys.TryGetValue(key, out var keys))
        {
            return keys;
        }

        if (_keys.Count >= _maxPendingConnections && _keyOrder.TryDequeue(out var oldest) && _keys.Remove(oldest, out var evicted))
        {
            evicted.Dispose();
        }

        Span<byte> connectionId = stackalloc byte[MaxConnectionIdLength];
        var length = key.CopyTo(connectionId);
        keys = QuicInitialKeys.Derive(quicVersion.Salt ?? [], connectionId[..length], quicVersion.IsV2);
        _keys[key] = keys;
        _keyOrder.Enqueue(key);
        return keys;
    }

    private FlowState CreateState(ulong flowKey, long now)
    {
        while (_flows.Count >= _maxPendingConnections && _flowOrder.Count > 0)
        {
            EvictOldest();
        }

        var state = _spareStates.Count > 0 ? _spareStates.Pop() : new FlowState();
        state.Stamp = ++_nextStamp;
        state.LastSeenTicks = now;
        _flows[flowKey] = state;
        _flowOrder.Enqueue((flowKey, state.Stamp));
        return state;
    }

    private void ExpireIdle(long now)
    {
        var cutoff = now - IdleTimeout.Ticks;
        while (_flowOrder.TryPeek(out var head))
        {
            if (_flows.TryGetValue(head.Key, out var state) && state.Stamp == head.Stamp && state.LastSeenTicks >= cutoff)
            {
                return;
            }

            EvictOldest();
        }
    }

    private void EvictOldest()
    {
        var (key, stamp) = _flowOrder.Dequeue();
        if (_flows.TryGetValue(key, out var state) && state.Stamp == stamp)
        {
            _flows.Remove(key);
            state.Reset();
            _spareStates.Push(state);
        }
    }

    private static void MarkDone(FlowState state)
    {
        // Keep a small tombstone so later packets of the flow are answered without decrypting.
        state.Done = true;
        state.Crypto.Clear();
    }

    private sealed class FlowState
    {
        public ReassemblyBuffer Crypto { get; } = new(MaxCryptoBytes);

        public long Stamp { get; set; }

        public long LastSeenTicks { get; set; }

        public bool Done { get; set; }

        public bool HasConnectionIds { get; set; }

        public ConnectionIdKey OriginalDestinationId { get; set; }

        /// <summary>The version whose Initial keys opened the first packet (a candidate's, for a reserved version).</summary>
        public QuicVersion? KeyVersion { get; set; }

        public ConnectionIdKey ClientSourceId { get; set; }

        public int FailedAttempts { get; set; }

        public int LastParsedLength { get; set; }

        public void Reset()
        {
            Crypto.Clear();
            Done = false;
            HasConnectionIds = false;
            OriginalDestinationId = default;
            ClientSourceId = default;
            KeyVersion = null;
            FailedAttempts = 0;
            LastParsedLength = 0;
        }
    }

    /// <summary>A connection ID (up to 20 bytes) and version packed into a value type, for dictionary keys.</summary>
    private readonly record struct ConnectionIdKey(ulong Part0, ulong Part1, uint Part2, byte Length, uint Version)
    {
        public static ConnectionIdKey From(ReadOnlySpan<byte> id, uint version)
        {
            Span<byte> padded = stackalloc byte[MaxConnectionIdLength];
            padded.Clear();
            id.CopyTo(padded);
            return new ConnectionIdKey(
                BinaryPrimitives.ReadUInt64BigEndian(padded),
                BinaryPrimitives.ReadUInt64BigEndian(padded[8..]),
                BinaryPrimitives.ReadUInt32BigEndian(padded[16..]),
                (byte)id.Length,
                version);
        }

        public bool Matches(ReadOnlySpan<byte> id, uint version) => Equals(From(id, version));

        public int CopyTo(Span<byte> destination)
        {
            BinaryPrimitives.WriteUInt64BigEndian(destination, Part0);
            BinaryPrimitives.WriteUInt64BigEndian(destination[8..], Part1);
            BinaryPrimitives.WriteUInt32BigEndian(destination[16..], Part2);
            return Length;
        }
    }
}
