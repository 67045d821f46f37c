using System.Net;
using CoppiceMonitor.Capture.Dns;
using CoppiceMonitor.Capture.Tests.Builders;

namespace CoppiceMonitor.Capture.Tests.Dns;

public sealed class DnsMessageReaderTests
{
    /// <summary>A recursive resolver's answer for www.example.org: a CNAME to cdn.example.org and its A record.</summary>
    private static readonly byte[] Response = Convert.FromHexString(
        "beef" + "8180" +                                        // id; flags: response, RD, RA, NOERROR
        "0001" + "0002" + "0000" + "0000" +                      // QDCOUNT 1, ANCOUNT 2, NSCOUNT 0, ARCOUNT 0
        "03777777" + "076578616d706c65" + "036f7267" + "00" +    // offset 12: www . example (offset 16) . org .
        "0001" + "0001" +                                        // QTYPE A, QCLASS IN
        "c00c" + "0005" + "0001" + "0000012c" + "0006" +         // answer: -> www.example.org, CNAME, IN, TTL 300, 6 bytes
        "0363646e" + "c010" +                                    //   cdn . -> example.org
        "c00c" + "0001" + "0001" + "0000012c" + "0004" +         // answer: -> www.example.org, A, IN, TTL 300, 4 bytes
        "5db8d822");                                             //   93.184.216.34

    /// <summary>A client's query for WWW.Example.ORG (mixed case, as some stub resolvers randomise it).</summary>
    private static readonly byte[] Query = Convert.FromHexString(
        "1234" + "0100" +                                        // id; flags: query, RD
        "0001" + "0000" + "0000" + "0000" +                      // QDCOUNT 1
        "03575757" + "074578616d706c65" + "034f5247" + "00" +    // WWW . Example . ORG .
        "0001" + "0001");                                        // QTYPE A, QCLASS IN

    /// <summary>Reads the whole message with the reader: header, every question, every record.</summary>
    private static ParseStatus ReadAll(ReadOnlySpan<byte> message, List<string>? names = null)
    {
        var status = DnsMessageReader.TryReadHeader(message, out var header);
        if (status != ParseStatus.Success)
        {
            return status;
        }

        Span<char> text = stackalloc char[DnsMessageReader.MaxNameChars];
        var offset = DnsHeader.Length;
        for (var i = 0; i < header.QuestionCount; i++)
        {
            status = DnsMessageReader.TryReadQuestion(message, ref offset, text, out var length);
            if (status != ParseStatus.Success)
            {
                return status;
            }

            names?.Add(new string(text[..length]));
        }

        for (var i = 0; i < header.AnswerCount + header.AuthorityCount + header.AdditionalCount; i++)
        {
            status = DnsMessageReader.TryReadRecord(message, ref offset, out var record);
            if (status != ParseStatus.Success)
            {
                return status;
            }

            if (record.Type == DnsType.Cname)
            {
                var at = record.DataOffset;
                status = DnsMessageReader.TryReadName(message, ref at, text, out var length);
                if (status != ParseStatus.Success)
                {
                    return status;
                }

                names?.Add(new string(text[..length]));
            }
        }

        return ParseStatus.Success;
    }

    [Fact]
    public void ReadAll_Response_ReadsQuestionAndCompressedCname()
    {
        var names = new List<string>();

        Assert.Equal(ParseStatus.Success, ReadAll(Response, names));
        Assert.Equal(["www.example.org", "cdn.example.org"], names);
    }

    [Fact]
    public void TryReadRecord_AnswerA_PointsAtItsData()
    {
        var offset = DnsHeader.Length;
        Assert.Equal(ParseStatus.Success, DnsMessageReader.TrySkipQuestion(Response, ref offset));
        Assert.Equal(ParseStatus.Success, DnsMessageReader.TryReadRecord(Response, ref offset, out _));

        Assert.Equal(ParseStatus.Success, DnsMessageReader.TryReadRecord(Response, ref offset, out var a));

        Assert.Equal(DnsType.A, a.Type);
        Assert.Equal(new IPAddress(Response.AsSpan(a.DataOffset, a.DataLength)), IPAddress.Parse("93.184.216.34"));
        Assert.Equal(Response.Length, offset);
    }

    [Fact]
    public void ReadAll_EveryPrefix_MalformedNeverThrows()
    {
        foreach (var message in new[] { Response, Query })
        {
            for (var length = 0; length < message.Length; length++)
            {
                Assert.Equal(ParseStatus.Malformed, ReadAll(message.AsSpan(0, length)));
            }

            Assert.Equal(ParseStatus.Success, ReadAll(message));
        }
    }

    [Fact]
    public void TryReadName_PointerLoop_Malformed()
    {
        // Header, then a name that points at itself: c0 0c at offset 12.
        byte[] message = [.. Query.AsSpan(0, 12), 0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01];
        var offset = 12;

        Assert.Equal(ParseStatus.Malformed, DnsMessageReader.TryReadName(message, ref offset, new char[DnsMessageReader.MaxNameChars], out _));
        Assert.Equal(12, offset);
    }

    [Fact]
    public void Handler_QueryAndResponse_EmitLookupAndAnswer()
    {
        var sink = new CollectingSink();
        var handler = new DnsHandler(ParserTestPacket.Emitter(sink));

        Assert.Equal(ParseStatus.Success, ParserTestPacket.Datagram(handler, 40000, 53, Query));
        Assert.Equal(ParseStatus.Success, ParserTestPacket.Datagram(handler, 53, 40000, Response));

        Assert.Equal(2, sink.Items.Count);
        Assert.Equal((ObservationKind.DnsQuery, "www.example.org"), (sink.Items[0].Kind, sink.Items[0].Name));
        var answer = Assert.IsType<DnsAnswerDetail>(sink.Items[1].Detail);
        Assert.Equal("www.example.org", sink.Items[1].Name);
        Assert.Equal([IPAddress.Parse("93.184.216.34")], answer.Addresses);
        Assert.Equal(["cdn.example.org"], answer.CanonicalNames);
    }

    [Fact]
    public void Handler_EveryPrefix_NotSuccessNeverThrows()
    {
        var handler = new DnsHandler(ParserTestPacket.Emitter(new CollectingSink()));
        foreach (var (message, fromServer) in new[] { (Response, true), (Query, false) })
        {
            for (var length = 0; length < message.Length; length++)
            {
                var status = fromServer
                    ? ParserTestPacket.Datagram(handler, 53, 40000, message.AsSpan(0, length))
                    : ParserTestPacket.Datagram(handler, 40000, 53, message.AsSpan(0, length));
                Assert.NotEqual(ParseStatus.Success, status);
            }
        }
    }

    [Fact]
    public void ReaderAndHandler_EveryBitFlip_NeverThrow()
    {
        var handler = new DnsHandler(ParserTestPacket.Emitter(new CollectingSink()));
        var outcomes = new HashSet<ParseStatus>();
        foreach (var original in new[] { Response, Query })
        {
            for (var bit = 0; bit < original.Length * 8; bit++)
            {
                var message = (byte[])original.Clone();
                message[bit / 8] ^= (byte)(1 << (bit % 8));
                outcomes.Add(ReadAll(message));
                outcomes.Add(ParserTestPacket.Datagram(handler, 53, 40000, message));
            }
        }

        // A flip in a count or a name must break the walk; one in an id or TTL must not.
        Assert.Contains(ParseStatus.Success, outcomes);
        Assert.Contains(ParseStatus.Malformed, outcomes);
    }
}
