using System.Net;

namespace CoppiceMonitor.Capture;

/// <summary>What a decoder saw. Kinds map one-to-one to the jsonl `kind` values of `inspect`.</summary>
public enum ObservationKind : byte
{
    DnsQuery,
    DnsAnswer,
    TlsClientHello,
    QuicInitial,
    HttpHost,
    DhcpLease,
    FlowSummary,
    /// <summary>Multicast DNS and LLMNR: local name chatter, kept apart from real lookups.</summary>
    Mdns,
}

public enum TransportProtocol : byte
{
    Udp,
    Tcp,
}

/// <summary>
/// One fact from the wire, small and immutable. Client is the host that started the exchange (the DNS asker,
/// the TLS/QUIC client, the DHCP client); Server is the other end. Name is lower-case without a trailing dot.
/// </summary>
public readonly record struct Observation(
    DateTime TimestampUtc,
    ObservationKind Kind,
    IPAddress Client,
    MacAddress ClientMac,
    IPAddress Server,
    ushort ServerPort,
    TransportProtocol Transport,
    ushort Vlan,
    string? Name,
    ObservationDetail? Detail);

/// <summary>Kind-specific extras; null where a kind has none.</summary>
public abstract record ObservationDetail;

/// <summary>DNS answer: the addresses and CNAME targets the answer carried for the question name.</summary>
public sealed record DnsAnswerDetail(
    IReadOnlyList<IPAddress> Addresses,
    IReadOnlyList<string> CanonicalNames,
    bool HasEchConfig) : ObservationDetail;

/// <summary>TLS or QUIC ClientHello extras.</summary>
public sealed record ClientHelloDetail(
    string? Alpn,
    bool HasEncryptedClientHello,
    ushort HighestVersionOffered) : ObservationDetail;

public enum DhcpMessageType : byte
{
    Discover = 1,
    Offer = 2,
    Request = 3,
    Decline = 4,
    Ack = 5,
    Nak = 6,
    Release = 7,
    Inform = 8,
}

/// <summary>DHCPv4: Name on the observation is option 12's hostname (lower-case).</summary>
public sealed record DhcpDetail(
    DhcpMessageType MessageType,
    IPAddress? RequestedAddress,
    IPAddress? AssignedAddress,
    uint LeaseSeconds) : ObservationDetail;

/// <summary>A connection that carried a name, summarised when it ends or goes idle.</summary>
public sealed record FlowDetail(
    DateTime FirstSeenUtc,
    DateTime LastSeenUtc,
    long BytesFromClient,
    long BytesToClient,
    /// <summary>UTC minutes (since the Unix epoch) in which the connection carried payload.</summary>
    IReadOnlyList<long> ActiveMinutes) : ObservationDetail
{
    /// <summary>
    /// Payload bytes each way in each of <see cref="ActiveMinutes"/> (same order and count), so Visits can tell use
    /// (request/response bursts) from keep-alives (a small packet or two a minute). Null when not reported (e.g.
    /// observations from an older capture): every active minute then counts.
    /// </summary>
    public IReadOnlyList<MinuteBytes>? MinuteBytes { get; init; }
}

/// <summary>Payload bytes a connection carried in one minute, by direction.</summary>
public readonly record struct MinuteBytes(int FromClient, int ToClient);
