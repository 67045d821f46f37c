using CoppiceMonitor.Visits;
using System.Buffers;
using System.Net;
using System.Net.NetworkInformation;
using System.Text;
using System.Text.Json;
using CoppiceMonitor.Capture;

namespace CoppiceMonitor.Storage.Ingest;

/// <summary>An observation as stored: the capture's fact plus the school it was seen at; detail flattened to JSON.</summary>
public sealed record ObservationRecord(
    string SchoolId,
    DateTime TimestampUtc,
    ObservationKind Kind,
    IPAddress? Client,
    MacAddress ClientMac,
    IPAddress? Server,
    int ServerPort,
    TransportProtocol Transport,
    int Vlan,
    string? Name,
    string? DetailJson)
{
    public static ObservationRecord From(string schoolId, in Observation observation) => new(
        schoolId,
        DateTime.SpecifyKind(observation.TimestampUtc, DateTimeKind.Utc),
        observation.Kind,
        observation.Client,
        observation.ClientMac,
        observation.Server,
        observation.ServerPort,
        observation.Transport,
        observation.Vlan,
        observation.Name,
        DetailToJson(observation.Detail));

    /// <summary>JSON of a kind-specific detail (addresses as strings), null when there is none.</summary>
    public static string? DetailToJson(ObservationDetail? detail)
    {
        if (detail is null)
        {
            return null;
        }

        var buffer = new ArrayBufferWriter<byte>(128);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            switch (detail)
            {
                case DnsAnswerDetail dns:
                    json.WriteStartArray("addresses");
                    foreach (var a in dns.Addresses)
                    {
                        json.WriteStringValue(a.ToString());
                    }

                    json.WriteEndArray();
                    json.WriteStartArray("cnames");
                    foreach (var c in dns.CanonicalNames)
                    {
                        json.WriteStringValue(c);
                    }

                    json.WriteEndArray();
                    json.WriteBoolean("ech", dns.HasEchConfig);
                    break;
                case ClientHelloDetail hello:
                    json.WriteString("alpn", hello.Alpn);
                    json.WriteBoolean("ech", hello.HasEncryptedClientHello);
                    json.WriteNumber("version", hello.HighestVersionOffered);
                    break;
                case DhcpDetail dhcp:
                    json.WriteString("type", dhcp.MessageType.ToString());
                    json.WriteString("requested", dhcp.RequestedAddress?.ToString());
                    json.WriteString("assigned", dhcp.AssignedAddress?.ToString());
                    json.WriteNumber("leaseSeconds", dhcp.LeaseSeconds);
                    break;
                case FlowDetail flow:
                    json.WriteString("first", flow.FirstSeenUtc);
                    json.WriteString("last", flow.LastSeenUtc);
                    json.WriteNumber("bytesFromClient", flow.BytesFromClient);
                    json.WriteNumber("bytesToClient", flow.BytesToClient);
                    json.WriteStartArray("activeMinutes");
                    foreach (var m in flow.ActiveMinutes)
                    {
                        json.WriteNumberValue(m);
                    }

                    json.WriteEndArray();
                    break;
                default:
                    json.WriteString("type", detail.GetType().Name);
                    break;
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    internal static PhysicalAddress? ToPhysical(MacAddress mac)
    {
        if (mac.IsNone)
        {
            return null;
        }

        var bytes = new byte[6];
        for (var i = 0; i < 6; i++)
        {
            bytes[i] = (byte)(mac.Value >> (40 - (8 * i)));
        }

        return new PhysicalAddress(bytes);
    }
}

/// <summary>Anonymous daily totals (never a person). Kind -1 = unknown device. Rows for one key are summed.</summary>
public sealed record AnonymousUsageRecord(
    string SchoolId,
    DateOnly LocalDate,
    string Service,
    string Category,
    short Kind,
    int ActiveSeconds,
    int Devices)
{
    public static AnonymousUsageRecord From(CoppiceMonitor.Visits.AnonymousUsage usage)
    {
        ArgumentNullException.ThrowIfNull(usage);
        return new(usage.SchoolId, usage.LocalDate, usage.Service, usage.Category, usage.Kind is { } k ? (short)k : (short)-1,
            usage.ActiveSeconds, usage.Devices);
    }
}

/// <summary>
/// A DHCP lease as stored in dhcp_leases: who (client MAC, hostname from option 12) held which address from when
/// until when, per school. Mirrors what the Visits DeviceAttributor learns from an ACK.
/// </summary>
public sealed record DhcpLeaseRecord(
    string SchoolId,
    MacAddress Mac,
    IPAddress Address,
    string? Hostname,
    DateTime StartUtc,
    DateTime? EndUtc)
{
    /// <summary>
    /// The lease an observation grants: a DHCP ACK with an assigned address and a client MAC. The end is start +
    /// lease time; an infinite lease (0xFFFFFFFF) or a missing lease time gives no end. Anything else: null
    /// (requests, offers and releases are not leases; a release ends the lease only in the Visits attributor).
    /// </summary>
    public static DhcpLeaseRecord? TryFrom(string schoolId, in Observation observation)
    {
        if (observation.Kind != ObservationKind.DhcpLease || observation.Detail is not DhcpDetail dhcp
            || dhcp.MessageType != DhcpMessageType.Ack || dhcp.AssignedAddress is not { } assigned || observation.ClientMac.IsNone)
        {
            return null;
        }

        var start = DateTime.SpecifyKind(observation.TimestampUtc, DateTimeKind.Utc);
        DateTime? end = dhcp.LeaseSeconds is 0 or uint.MaxValue ? null : start.AddSeconds(dhcp.LeaseSeconds);
        return new DhcpLeaseRecord(schoolId, observation.ClientMac, assigned.IsIPv4MappedToIPv6 ? assigned.MapToIPv4() : assigned,
            observation.Name, start, end);
    }
}

/// <summary>A unit of exactly-once ingest: its id is recorded in ingest_batches in the same transaction as its rows.</summary>
public abstract record IngestBatch(Guid BatchId)
{
    public abstract int Count { get; }
    public abstract string Kind { get; }
}

/// <summary>A batch of rows of one table.</summary>
public abstract record IngestBatch<TRow>(Guid BatchId, IReadOnlyList<TRow> Rows) : IngestBatch(BatchId)
{
    public override int Count => Rows.Count;
}

public sealed record ObservationBatch(Guid BatchId, IReadOnlyList<ObservationRecord> Rows) : IngestBatch<ObservationRecord>(BatchId, Rows)
{
    public override string Kind => "observations";
}

public sealed record VisitBatch(Guid BatchId, IReadOnlyList<Visit> Rows) : IngestBatch<Visit>(BatchId, Rows)
{
    public override string Kind => "visits";
}

public sealed record AnonymousUsageBatch(Guid BatchId, IReadOnlyList<AnonymousUsageRecord> Rows) : IngestBatch<AnonymousUsageRecord>(BatchId, Rows)
{
    public override string Kind => "anonymous_usage";
}

public sealed record DhcpLeaseBatch(Guid BatchId, IReadOnlyList<DhcpLeaseRecord> Rows) : IngestBatch<DhcpLeaseRecord>(BatchId, Rows)
{
    public override string Kind => "dhcp_leases";
}
