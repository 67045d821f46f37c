using System.Text;
using CoppiceMonitor.Capture.Http;
using CoppiceMonitor.Capture.Tests.Builders;

namespace CoppiceMonitor.Capture.Tests.Http;

public sealed class HttpHostParserTests
{
    private static readonly string[] Lines =
    [
        "GET /timetable HTTP/1.1\r\n",                           // request line: method, target, version
        "User-Agent: curl/8.5\r\n",                              // a header before Host
        "Host: Intranet.Example:8080\r\n",                       // Host: mixed case, with a port
        "Accept: */*\r\n",                                       // a header after Host
        "\r\n",                                                  // end of the header block
    ];

    private static readonly byte[] Request = Encoding.ASCII.GetBytes(string.Concat(Lines));

    /// <summary>The first byte after the Host line's CRLF: from there on the Host value is whole.</summary>
    private static readonly int HostLineEnd = Lines[0].Length + Lines[1].Length + Lines[2].Length;

    private static ParseStatus Parse(ReadOnlySpan<byte> payload, out string host)
    {
        var text = new char[256];
        var status = HttpHostParser.TryParseHost(payload, text, out var length);
        host = new string(text, 0, length);
        return status;
    }

    [Fact]
    public void TryParseHost_Request_LowerCasesAndDropsPort()
    {
        Assert.Equal(ParseStatus.Success, Parse(Request, out var host));
        Assert.Equal("intranet.example", host);
    }

    [Fact]
    public void TryParseHost_EveryPrefix_NotSuccessUntilTheHostLineEnds()
    {
        for (var length = 0; length <= Request.Length; length++)
        {
            var status = Parse(Request.AsSpan(0, length), out var host);
            if (length < HostLineEnd)
            {
                Assert.True(status is ParseStatus.NeedMoreData or ParseStatus.NotApplicable, $"prefix {length}: {status}");
            }
            else
            {
                Assert.Equal(ParseStatus.Success, status);
                Assert.Equal("intranet.example", host);
            }
        }
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: \r\n\r\n", ParseStatus.Malformed)]              // empty value
    [InlineData("GET / HTTP/1.1\r\nHost: bad\u0001host\r\n\r\n", ParseStatus.Malformed)]  // control byte
    [InlineData("GET / HTTP/1.1\r\nAccept: */*\r\n\r\n", ParseStatus.NotApplicable)]     // no Host header
    [InlineData("GET / SPDY/3\r\nHost: a.example\r\n\r\n", ParseStatus.NotApplicable)]   // not HTTP/1.x
    [InlineData("\u0016\u0003\u0001\u0002\u0000", ParseStatus.NotApplicable)]             // a TLS record
    public void TryParseHost_BadRequests_CleanStatus(string text, ParseStatus expected)
    {
        Assert.Equal(expected, Parse(Encoding.Latin1.GetBytes(text), out _));
    }

    [Fact]
    public void TryParseHost_EveryBitFlip_NeverThrows()
    {
        var outcomes = new HashSet<ParseStatus>();
        for (var bit = 0; bit < Request.Length * 8; bit++)
        {
            var request = (byte[])Request.Clone();
            request[bit / 8] ^= (byte)(1 << (bit % 8));
            outcomes.Add(Parse(request, out _));
        }

        // A flipped method or CRLF stops the parse; a flipped byte of another header does not.
        Assert.Contains(ParseStatus.Success, outcomes);
        Assert.Contains(ParseStatus.NotApplicable, outcomes);
        Assert.Contains(ParseStatus.Malformed, outcomes);
    }

    [Fact]
    public void Handler_Port80Request_NamesTheFlowAndEveryPrefixIsClean()
    {
        var sink = new CollectingSink();
        var handler = new HttpHostHandler(ParserTestPacket.Emitter(sink));

        Assert.Equal(ParseStatus.Success, ParserTestPacket.ClientSegment(handler, 80, Request));
        var o = Assert.Single(sink.Items);
        Assert.Equal((ObservationKind.HttpHost, "intranet.example"), (o.Kind, o.Name));

        for (var length = 1; length < HostLineEnd; length++)
        {
            Assert.NotEqual(ParseStatus.Success, ParserTestPacket.ClientSegment(handler, 80, Request.AsSpan(0, length)));
        }
    }
}
