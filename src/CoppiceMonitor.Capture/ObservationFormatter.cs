using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace CoppiceMonitor.Capture;

public enum ObservationFormat
{
    /// <summary>One JSON object per line.</summary>
    Jsonl,

    /// <summary>Tab-separated: ts, kind, client, server, port, vlan, name, extra.</summary>
    Tsv,
}

/// <summary>
/// Prints observations for `inspect`. jsonl objects always carry ts (ISO 8601 UTC), kind (dns-query, dns-answer,
/// tls-sni, quic-sni, http-host, dhcp, flow, mdns), client, server and name; dhcp adds mac, hostname and ip.
/// Not thread-safe (like the decoder that feeds it).
/// </summary>
public sealed class ObservationFormatter : IObservationSink, IDisposable
{
    public const string TsvHeader = "ts\tkind\tclient\tserver\tport\tvlan\tname\textra";

    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly TextWriter _output;
    private readonly ObservationFormat _format;
    private readonly ArrayBufferWriter<byte> _buffer = new(512);
    private readonly Utf8JsonWriter _json;
    private readonly StringBuilder _line = new(256);

    public ObservationFormatter(TextWriter output, ObservationFormat format = ObservationFormat.Jsonl)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
        _format = format;
        _json = new Utf8JsonWriter(_buffer, JsonOptions);
    }

    public long Written { get; private set; }

    /// <summary>The jsonl/inspect name of a kind.</summary>
    public static string KindName(ObservationKind kind) => kind switch
    {
        ObservationKind.DnsQuery => "dns-query",
        ObservationKind.DnsAnswer => "dns-answer",
        ObservationKind.TlsClientHello => "tls-sni",
        ObservationKind.QuicInitial => "quic-sni",
        ObservationKind.HttpHost => "http-host",
        ObservationKind.DhcpLease => "dhcp",
        ObservationKind.FlowSummary => "flow",
        ObservationKind.Mdns => "mdns",
        _ => kind.ToString().ToLowerInvariant(),
    };

    public void Write(in Observation observation)
    {
        _output.WriteLine(Format(observation));
        Written++;
    }

    public void Dispose() => _json.Dispose();

    public string Format(in Observation observation) =>
        _format == ObservationFormat.Jsonl ? FormatJson(observation) : FormatTsv(observation);

    private static string Timestamp(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    private string FormatJson(in Observation o)
    {
        _buffer.ResetWrittenCount();
        _json.Reset(_buffer);
        _json.WriteStartObject();
        _json.WriteString("ts", Timestamp(o.TimestampUtc));
        _json.WriteString("kind", KindName(o.Kind));
        _json.WriteString("client", o.Client.ToString());
        _json.WriteString("server", o.Server.ToString());
        _json.WriteNumber("port", o.ServerPort);
        _json.WriteString("transport", o.Transport == TransportProtocol.Tcp ? "tcp" : "udp");
        _json.WriteNumber("vlan", o.Vlan);
        _json.WriteString("name", o.Name);
        if (!o.ClientMac.IsNone && o.Kind != ObservationKind.DhcpLease)
        {
            _json.WriteString("client_mac", o.ClientMac.ToString());
        }

        switch (o.Detail)
        {
            case DnsAnswerDetail answer:
                _json.WriteStartArray("addresses");
                foreach (var address in answer.Addresses)
                {
                    _json.WriteStringValue(address.ToString());
                }

                _json.WriteEndArray();
                _json.WriteStartArray("cnames");
                foreach (var cname in answer.CanonicalNames)
                {
                    _json.WriteStringValue(cname);
                }

                _json.WriteEndArray();
                _json.WriteBoolean("ech", answer.HasEchConfig);
                break;
            case ClientHelloDetail hello:
                _json.WriteString("alpn", hello.Alpn);
                _json.WriteBoolean("ech", hello.HasEncryptedClientHello);
                _json.WriteString("tls_version", "0x" + hello.HighestVersionOffered.ToString("x4", CultureInfo.InvariantCulture));
                break;
            case DhcpDetail dhcp:
                _json.WriteString("mac", o.ClientMac.ToString());
                _json.WriteString("hostname", o.Name);
                _json.WriteString("ip", (dhcp.RequestedAddress ?? dhcp.AssignedAddress)?.ToString());
                _json.WriteString("dhcp_type", DhcpTypeName(dhcp.MessageType));
                if (dhcp.LeaseSeconds != 0)
                {
                    _json.WriteNumber("lease_seconds", dhcp.LeaseSeconds);
                }

                break;
            case FlowDetail flow:
                _json.WriteString("first", Timestamp(flow.FirstSeenUtc));
                _json.WriteString("last", Timestamp(flow.LastSeenUtc));
                _json.WriteNumber("bytes_from_client", flow.BytesFromClient);
                _json.WriteNumber("bytes_to_client", flow.BytesToClient);
                _json.WriteNumber("active_minutes", flow.ActiveMinutes.Count);
                break;
            default:
                break;
        }

        _json.WriteEndObject();
        _json.Flush();
        return Encoding.UTF8.GetString(_buffer.WrittenSpan);
    }

    private string FormatTsv(in Observation o)
    {
        _line.Clear();
        _line.Append(Timestamp(o.TimestampUtc)).Append('\t')
            .Append(KindName(o.Kind)).Append('\t')
            .Append(o.Client).Append('\t')
            .Append(o.Server).Append('\t')
            .Append(o.ServerPort).Append('\t')
            .Append(o.Vlan).Append('\t')
            .Append(Clean(o.Name)).Append('\t');
        switch (o.Detail)
        {
            case DnsAnswerDetail answer:
                _line.AppendJoin(',', answer.Addresses).Append(answer.CanonicalNames.Count > 0 ? " cname=" : string.Empty)
                    .AppendJoin(',', answer.CanonicalNames.Select(Clean)).Append(answer.HasEchConfig ? " ech" : string.Empty);
                break;
            case ClientHelloDetail hello:
                _line.Append("alpn=").Append(Clean(hello.Alpn)).Append(hello.HasEncryptedClientHello ? " ech" : string.Empty);
                break;
            case DhcpDetail dhcp:
                _line.Append("mac=").Append(o.ClientMac).Append(" ip=").Append((dhcp.RequestedAddress ?? dhcp.AssignedAddress)?.ToString())
                    .Append(" type=").Append(DhcpTypeName(dhcp.MessageType));
                break;
            case FlowDetail flow:
                _line.Append(CultureInfo.InvariantCulture, $"up={flow.BytesFromClient} down={flow.BytesToClient} minutes={flow.ActiveMinutes.Count}");
                break;
            default:
                break;
        }

        return _line.ToString();
    }

    private static string Clean(string? value) =>
        value is null ? string.Empty : value.Replace('\t', ' ').Replace('\n', ' ').Replace('\r', ' ');

    private static string DhcpTypeName(DhcpMessageType type) =>
        Enum.IsDefined(type) ? type.ToString().ToLowerInvariant() : ((int)type).ToString(CultureInfo.InvariantCulture);
}
