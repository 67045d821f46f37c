using System.Net;
using System.Text.Json;

namespace CoppiceMonitor.Capture.Tests;

public sealed class ObservationFormatterTests
{
    private static readonly DateTime Ts = new(2026, 9, 7, 10, 31, 5, 123, DateTimeKind.Utc);

    private static JsonElement Json(in Observation o)
    {
        using var writer = new StringWriter();
        using var formatter = new ObservationFormatter(writer);
        formatter.Write(o);
        var line = writer.ToString();
        Assert.EndsWith(Environment.NewLine, line, StringComparison.Ordinal);
        Assert.Single(line.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        return JsonDocument.Parse(line).RootElement.Clone();
    }

    [Fact]
    public void Format_DnsQuery_HasTheIssueFieldsWithIsoUtcTimestamp()
    {
        var o = new Observation(Ts, ObservationKind.DnsQuery, IPAddress.Parse("10.10.1.20"), new MacAddress(0x020000000001), IPAddress.Parse("192.0.2.53"), 53, TransportProtocol.Udp, 10, "www.instagram.com", null);

        var json = Json(o);

        Assert.Equal("2026-09-07T10:31:05.123000Z", json.GetProperty("ts").GetString());
        Assert.Equal("dns-query", json.GetProperty("kind").GetString());
        Assert.Equal("10.10.1.20", json.GetProperty("client").GetString());
        Assert.Equal("192.0.2.53", json.GetProperty("server").GetString());
        Assert.Equal("www.instagram.com", json.GetProperty("name").GetString());
        Assert.Equal(10, json.GetProperty("vlan").GetInt32());
        Assert.Equal("02:00:00:00:00:01", json.GetProperty("client_mac").GetString());
    }

    [Fact]
    public void Format_Dhcp_AddsMacHostnameAndIp()
    {
        var detail = new DhcpDetail(DhcpMessageType.Request, IPAddress.Parse("10.10.4.9"), null, 0);
        var o = new Observation(Ts, ObservationKind.DhcpLease, IPAddress.Any, new MacAddress(0x3c22fb010203), IPAddress.Broadcast, 67, TransportProtocol.Udp, 0, "staff-laptop-7", detail);

        var json = Json(o);

        Assert.Equal("dhcp", json.GetProperty("kind").GetString());
        Assert.Equal("3c:22:fb:01:02:03", json.GetProperty("mac").GetString());
        Assert.Equal("staff-laptop-7", json.GetProperty("hostname").GetString());
        Assert.Equal("10.10.4.9", json.GetProperty("ip").GetString());
    }

    [Theory]
    [InlineData(ObservationKind.DnsAnswer, "dns-answer")]
    [InlineData(ObservationKind.TlsClientHello, "tls-sni")]
    [InlineData(ObservationKind.QuicInitial, "quic-sni")]
    [InlineData(ObservationKind.HttpHost, "http-host")]
    [InlineData(ObservationKind.FlowSummary, "flow")]
    [InlineData(ObservationKind.Mdns, "mdns")]
    public void KindName_EveryKind_UsesTheIssueSpelling(ObservationKind kind, string expected) =>
        Assert.Equal(expected, ObservationFormatter.KindName(kind));

    [Fact]
    public void Format_NameWithQuoteAndBackslash_IsValidJson()
    {
        var o = new Observation(Ts, ObservationKind.DnsQuery, IPAddress.Loopback, MacAddress.None, IPAddress.Loopback, 53, TransportProtocol.Udp, 0, "a\"b\\004c", null);

        Assert.Equal("a\"b\\004c", Json(o).GetProperty("name").GetString());
    }

    [Fact]
    public void Format_FlowAndTsv_CarryBytesAndMinutes()
    {
        var detail = new FlowDetail(Ts, Ts.AddMinutes(3), 1200, 560000, [29_000_000, 29_000_002]);
        var o = new Observation(Ts.AddMinutes(3), ObservationKind.FlowSummary, IPAddress.Parse("10.10.1.20"), MacAddress.None, IPAddress.Parse("203.0.113.9"), 443, TransportProtocol.Tcp, 10, "www.youtube.com", detail);

        var json = Json(o);
        Assert.Equal(1200, json.GetProperty("bytes_from_client").GetInt64());
        Assert.Equal(560000, json.GetProperty("bytes_to_client").GetInt64());
        Assert.Equal(2, json.GetProperty("active_minutes").GetInt32());

        using var formatter = new ObservationFormatter(TextWriter.Null, ObservationFormat.Tsv);
        var fields = formatter.Format(o).Split('\t');
        Assert.Equal(ObservationFormatter.TsvHeader.Split('\t').Length, fields.Length);
        Assert.Equal("flow", fields[1]);
        Assert.Equal("up=1200 down=560000 minutes=2", fields[7]);
    }

    [Fact]
    public void WriteSummary_ListsPacketsAndEveryKind()
    {
        var sink = new Builders.CollectingSink();
        var decoder = new PacketDecoder(sink, new CaptureOptions());
        decoder.Decode(Ts, LinkType.Ethernet, Builders.Packets.UdpFrame(40000, 53, Builders.Packets.DnsQuery("a.example")));
        using var writer = new StringWriter();

        decoder.Counters.WriteSummary(writer);

        var lines = writer.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, l => l.StartsWith("packets ", StringComparison.Ordinal) && l.EndsWith(" 1", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("observations.dns-query ", StringComparison.Ordinal) && l.EndsWith(" 1", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("malformed.dns ", StringComparison.Ordinal));
    }
}
