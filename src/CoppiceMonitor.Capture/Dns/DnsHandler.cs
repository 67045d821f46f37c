using System.Net;
using CoppiceMonitor.Capture.Flows;

namespace CoppiceMonitor.Capture.Dns;

/// <summary>
/// DNS lookups and answers: UDP port 53, multicast / link-local DNS on 5353 and 5355 (queries only), and DNS over
/// TCP on port 53, whose length-prefixed messages are reassembled per direction by <see cref="DnsTcpStream"/>.
/// A query emits one observation per named question; a response one answer observation for its first question.
/// A message damaged part-way keeps what was read before the damage and returns Malformed.
/// </summary>
internal sealed class DnsHandler(ObservationEmitter emitter) : IDatagramHandler, IStreamHandler
{
    private const int MaxQuestions = 32;
    private const int MaxAnswers = 256;

    private static readonly DnsMessageHandler<TcpMessageState> OnTcpMessageHandler = OnTcpMessage;

    private readonly ObservationEmitter _emitter = emitter;

    public MalformedKind MalformedKind => MalformedKind.Dns;

    public IReadOnlyList<ushort> Ports { get; } = [53, 5353, 5355];

    public bool Claims(ushort sourcePort, ushort destinationPort) =>
        sourcePort is 53 or 5353 or 5355 || destinationPort is 53 or 5353 or 5355;

    public ParseStatus TryHandle(ref PacketInfo packet, ReadOnlySpan<byte> payload)
    {
        var local = packet.SourcePort != 53 && packet.DestinationPort != 53;
        return TryHandleMessage(ref packet, payload, TransportProtocol.Udp, local);
    }

    public bool Claims(FlowEntry flow, bool fromClient, ReadOnlySpan<byte> payload) =>
        flow.Key.PortA == 53 || flow.Key.PortB == 53;

    /// <summary>One TCP segment: its complete messages are handled as they emerge (a Malformed one is counted then).</summary>
    public ParseStatus TryHandle(ref PacketInfo packet, FlowEntry flow, bool fromClient, uint sequence, ReadOnlySpan<byte> payload)
    {
        var stream = fromClient ? flow.DnsFromClient : flow.DnsFromServer;
        if (stream is null)
        {
            // A seen SYN fixes where the stream starts, so a first data segment that arrives late is not lost.
            stream = new DnsTcpStream();
            if (fromClient && flow.SawClientSyn)
            {
                stream.Start(unchecked(flow.ClientInitialSequence + 1));
            }
            else if (!fromClient && flow.SawServerSyn)
            {
                stream.Start(unchecked(flow.ServerInitialSequence + 1));
            }

            if (fromClient)
            {
                flow.DnsFromClient = stream;
            }
            else
            {
                flow.DnsFromServer = stream;
            }
        }

        var state = new TcpMessageState { Handler = this, Packet = packet, Status = ParseStatus.NeedMoreData };
        stream.Add(sequence, payload, ref state, OnTcpMessageHandler);
        return state.Status;
    }

    public void OnFlowRemoved(FlowEntry flow)
    {
        flow.DnsFromClient?.Clear();
        flow.DnsFromServer?.Clear();
    }

    private static void OnTcpMessage(ref TcpMessageState state, ReadOnlySpan<byte> message)
    {
        // Several messages may end in one segment: each damaged one counts, so the segment reports Success.
        if (state.Handler.TryHandleMessage(ref state.Packet, message, TransportProtocol.Tcp, local: false) == ParseStatus.Malformed)
        {
            state.Handler._emitter.Counters.CountMalformed(MalformedKind.Dns);
        }

        state.Status = ParseStatus.Success;
    }

    private ParseStatus TryHandleMessage(ref PacketInfo p, ReadOnlySpan<byte> message, TransportProtocol transport, bool local)
    {
        if (DnsMessageReader.TryReadHeader(message, out var header) != ParseStatus.Success)
        {
            return ParseStatus.Malformed;
        }

        Span<char> text = stackalloc char[DnsMessageReader.MaxNameChars];
        if (!header.IsResponse)
        {
            return TryHandleQuery(ref p, message, header, transport, local, text);
        }

        // Multicast DNS responses announce local services; they are not anybody's lookup.
        return local ? ParseStatus.NotApplicable : TryHandleResponse(ref p, message, header, transport, text);
    }

    private ParseStatus TryHandleQuery(ref PacketInfo p, ReadOnlySpan<byte> message, DnsHeader header, TransportProtocol transport, bool local, scoped Span<char> text)
    {
        var offset = DnsHeader.Length;
        for (var i = 0; i < header.QuestionCount && i < MaxQuestions; i++)
        {
            if (DnsMessageReader.TryReadQuestion(message, ref offset, text, out var length) != ParseStatus.Success)
            {
                return ParseStatus.Malformed;
            }

            if (length == 0)
            {
                continue;
            }

            var name = new string(text[..length]);
            _emitter.Emit(ref p, local ? ObservationKind.Mdns : ObservationKind.DnsQuery, new IPAddress(p.SourceAddress), p.SourceMac, new IPAddress(p.DestinationAddress), p.DestinationPort, transport, name, null);
        }

        return ParseStatus.Success;
    }

    private ParseStatus TryHandleResponse(ref PacketInfo p, ReadOnlySpan<byte> message, DnsHeader header, TransportProtocol transport, scoped Span<char> text)
    {
        if (header.QuestionCount == 0)
        {
            return ParseStatus.NotApplicable;
        }

        var offset = DnsHeader.Length;
        if (DnsMessageReader.TryReadQuestion(message, ref offset, text, out var questionLength) != ParseStatus.Success)
        {
            return ParseStatus.Malformed;
        }

        var questionName = new string(text[..questionLength]);
        for (var i = 1; i < header.QuestionCount && i < MaxQuestions; i++)
        {
            if (DnsMessageReader.TrySkipQuestion(message, ref offset) != ParseStatus.Success)
            {
                return ParseStatus.Malformed;
            }
        }

        // Answers up to the first damaged record are kept: the question and the addresses before it are real.
        var status = ParseStatus.Success;
        List<IPAddress>? addresses = null;
        List<string>? canonicalNames = null;
        var hasEch = false;
        for (var i = 0; i < header.AnswerCount && i < MaxAnswers; i++)
        {
            if (DnsMessageReader.TryReadRecord(message, ref offset, out var record) != ParseStatus.Success)
            {
                status = ParseStatus.Malformed;
                break;
            }

            var data = message.Slice(record.DataOffset, record.DataLength);
            switch (record.Type)
            {
                case DnsType.A when record.DataLength == 4:
                case DnsType.Aaaa when record.DataLength == 16:
                    (addresses ??= []).Add(new IPAddress(data));
                    break;
                case DnsType.Cname:
                    var cnameOffset = record.DataOffset;
                    if (DnsMessageReader.TryReadName(message, ref cnameOffset, text, out var cnameLength) == ParseStatus.Success && cnameLength > 0)
                    {
                        (canonicalNames ??= []).Add(new string(text[..cnameLength]));
                    }

                    break;
                case DnsType.Https:
                case DnsType.Svcb:
                    hasEch |= DnsMessageReader.SvcbHasEch(data);
                    break;
                default:
                    break;
            }
        }

        if (questionLength == 0)
        {
            return status;
        }

        var detail = new DnsAnswerDetail(
            addresses is null ? [] : addresses,
            canonicalNames is null ? [] : canonicalNames,
            hasEch);
        _emitter.Emit(ref p, ObservationKind.DnsAnswer, new IPAddress(p.DestinationAddress), p.DestinationMac, new IPAddress(p.SourceAddress), p.SourcePort, transport, questionName, detail);
        return status;
    }

    private ref struct TcpMessageState
    {
        public DnsHandler Handler;
        public PacketInfo Packet;
        public ParseStatus Status;
    }
}
