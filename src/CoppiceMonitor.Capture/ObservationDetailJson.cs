using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace CoppiceMonitor.Capture;

/// <summary>
/// The one JSON encoding of an observation's kind-specific detail, shared by `inspect` (jsonl, inside each line's
/// object) and storage (observations.detail), so a key means the same in both: dns-answer <c>addresses</c>,
/// <c>cnames</c>, <c>ech</c>; TLS/QUIC <c>alpn</c>, <c>ech</c>, <c>tls_version</c> ("0x0304"); DHCP <c>ip</c>
/// (requested, else assigned), <c>dhcp_type</c>, <c>requested</c>, <c>assigned</c>, <c>lease_seconds</c> (when set);
/// flow <c>first</c>, <c>last</c>, <c>bytes_from_client</c>, <c>bytes_to_client</c>, <c>active_minutes</c> (count) and
/// <c>minutes</c> (the active minutes, as minutes since the Unix epoch).
/// </summary>
public static class ObservationDetailJson
{
    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Writes the detail's properties into the object <paramref name="json"/> has open; nothing for no detail.</summary>
    public static void Write(Utf8JsonWriter json, ObservationDetail? detail)
    {
        ArgumentNullException.ThrowIfNull(json);
        switch (detail)
        {
            case DnsAnswerDetail answer:
                json.WriteStartArray("addresses");
                foreach (var address in answer.Addresses)
                {
                    json.WriteStringValue(address.ToString());
                }

                json.WriteEndArray();
                json.WriteStartArray("cnames");
                foreach (var cname in answer.CanonicalNames)
                {
                    json.WriteStringValue(cname);
                }

                json.WriteEndArray();
                json.WriteBoolean("ech", answer.HasEchConfig);
                break;
            case ClientHelloDetail hello:
                json.WriteString("alpn", hello.Alpn);
                json.WriteBoolean("ech", hello.HasEncryptedClientHello);
                json.WriteString("tls_version", "0x" + hello.HighestVersionOffered.ToString("x4", CultureInfo.InvariantCulture));
                break;
            case DhcpDetail dhcp:
                json.WriteString("ip", (dhcp.RequestedAddress ?? dhcp.AssignedAddress)?.ToString());
                json.WriteString("dhcp_type", DhcpTypeName(dhcp.MessageType));
                json.WriteString("requested", dhcp.RequestedAddress?.ToString());
                json.WriteString("assigned", dhcp.AssignedAddress?.ToString());
                if (dhcp.LeaseSeconds != 0)
                {
                    json.WriteNumber("lease_seconds", dhcp.LeaseSeconds);
                }

                break;
            case FlowDetail flow:
                json.WriteString("first", Timestamp(flow.FirstSeenUtc));
                json.WriteString("last", Timestamp(flow.LastSeenUtc));
                json.WriteNumber("bytes_from_client", flow.BytesFromClient);
                json.WriteNumber("bytes_to_client", flow.BytesToClient);
                json.WriteNumber("active_minutes", flow.ActiveMinutes.Count);
                json.WriteStartArray("minutes");
                foreach (var minute in flow.ActiveMinutes)
                {
                    json.WriteNumberValue(minute);
                }

                json.WriteEndArray();
                break;
            default:
                break;
        }
    }

    /// <summary>The detail as a JSON object of its own (what storage keeps); null when there is no detail.</summary>
    public static string? ToJson(ObservationDetail? detail)
    {
        if (detail is null)
        {
            return null;
        }

        var buffer = new ArrayBufferWriter<byte>(128);
        using (var json = new Utf8JsonWriter(buffer, JsonOptions))
        {
            json.WriteStartObject();
            Write(json, detail);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>ISO 8601 UTC with microseconds, as every timestamp of `inspect` and the stored detail.</summary>
    public static string Timestamp(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>A DHCP message type in lower case ("ack"), or its number when unknown.</summary>
    public static string DhcpTypeName(DhcpMessageType type) =>
        Enum.IsDefined(type) ? type.ToString().ToLowerInvariant() : ((int)type).ToString(CultureInfo.InvariantCulture);
}
