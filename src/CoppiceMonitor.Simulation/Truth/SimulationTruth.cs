using System.Text.Json;
using System.Text.Json.Serialization;

namespace CoppiceMonitor.Simulation.Truth;

/// <summary>
/// What the simulated school day contains, written beside the pcap as truth.json so tests can compute expected
/// results independently of the product. Times are UTC; minutes are the UTC minute starts in which a connection
/// carried payload (TCP segments with data, any QUIC datagram).
/// </summary>
public sealed record SimulationTruth(
    int GeneratorVersion,
    int Seed,
    DateOnly Date,
    string SchoolId,
    string TimeZone,
    long Packets,
    DateTime FirstPacketUtc,
    DateTime LastPacketUtc,
    TruthHighlights Highlights,
    IReadOnlyList<TruthDevice> Devices,
    IReadOnlyList<TruthVisit> Visits,
    IReadOnlyList<TruthAnonymousTotal> AnonymousTotals,
    IReadOnlyList<TruthBackground> Background)
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public static SimulationTruth Load(string path)
    {
        using var stream = File.OpenRead(path);
        return JsonSerializer.Deserialize<SimulationTruth>(stream, JsonOptions)
            ?? throw new InvalidDataException($"{path} holds no simulation truth.");
    }

    public void Save(string path)
    {
        using var stream = File.Create(path);
        JsonSerializer.Serialize(stream, this, JsonOptions);
    }
}

/// <summary>The people and devices that play a special part in the day.</summary>
public sealed record TruthHighlights(
    string HeadteacherId,
    IReadOnlyList<string> LineManagerIds,
    string HrId,
    string IctId,
    /// <summary>Staff member over the 60 minutes/day social-media threshold.</summary>
    string ExcessiveUseStaffId,
    int ExcessiveUseSocialMinutes,
    /// <summary>Staff member who visits a special-category (policy 10.3) site.</summary>
    string SpecialCategoryStaffId,
    /// <summary>Device authorised (policy section 5) for the school's own Facebook and Instagram accounts.</summary>
    string AuthorisedDeviceId,
    string SharedDeviceId,
    string StaticIpDeviceId,
    /// <summary>Embedded-widget names that appear only inside other sites' pages and never open a visit.</summary>
    IReadOnlyList<string> EmbedHosts);

/// <summary>
/// Traffic that carries payload but is not use, so the fair figure it adds is 0 minutes (policy 11): a push channel
/// (pings a minute, pushed messages), a tab left open after use (keep-alives; its first minute lies inside the visit
/// it belongs to), an app's background refresh on a phone left on a charger, a browser's prefetch. PayloadMinutes is
/// what counting every minute with payload would wrongly add. Each connection's ActiveMinutesUtc are its payload
/// minutes, as for visits.
/// </summary>
public sealed record TruthBackground(
    string Scenario,
    string DeviceId,
    string? StaffId,
    string Service,
    string Sni,
    int PayloadMinutes,
    int FairMinutes,
    IReadOnlyList<TruthConnection> Connections);

/// <summary>A device on the network. Registered=false: not in devices.csv (an unknown guest).</summary>
public sealed record TruthDevice(
    string DeviceId,
    string? StaffId,
    string Kind,
    bool Registered,
    string Mac,
    string? Hostname,
    string Ip,
    int Vlan,
    bool StaticIp,
    DateTime ArrivalUtc,
    DateTime DepartureUtc,
    IReadOnlyList<DateTime> DhcpExchangesUtc);

/// <summary>
/// One activity on a staff or shared device: a site or service, opened by its first-party name. ActiveMinutesUtc
/// is the union of the minutes of the connections whose Service equals the visit's Service: every one of them is a
/// minute of use (a request and a response of a few KB), so these are the fair expected minutes.
/// </summary>
public sealed record TruthVisit(
    string DeviceId,
    string? StaffId,
    string DeviceKind,
    string Service,
    string Category,
    bool IsSocialMedia,
    bool IsSpecialCategory,
    bool IsAuthorisedWorkUse,
    string FirstPartySni,
    DateTime StartUtc,
    DateTime EndUtc,
    IReadOnlyList<DateTime> ActiveMinutesUtc,
    IReadOnlyList<TruthConnection> Connections);

/// <summary>
/// One TLS-over-TCP or QUIC connection and the minutes in which it carried payload. In a visit, a connection whose
/// Role is FirstPartyEmbed (another service's like button in the page) or Preconnect (a handshake without a request)
/// belongs to another service and opens no visit of it: the fair figure for it is 0 minutes.
/// </summary>
public sealed record TruthConnection(
    string Sni,
    string Service,
    /// <summary>FirstParty, Cdn, Embed, Messaging, FirstPartyEmbed or Preconnect.</summary>
    string Role,
    /// <summary>"tcp" (TLS) or "quic".</summary>
    string Transport,
    string ClientIp,
    int ClientPort,
    string ServerIp,
    int ServerPort,
    DateTime StartUtc,
    DateTime EndUtc,
    IReadOnlyList<DateTime> ActiveMinutesUtc,
    bool PostQuantum,
    /// <summary>TCP segments or QUIC Initial packets that carry the ClientHello.</summary>
    int HelloPackets,
    /// <summary>The SNI bytes start in the second (or later) segment or Initial, not the first.</summary>
    bool SniInLaterPacket);

/// <summary>Anonymous per-service totals for pupil or guest devices (never attributed to a person).</summary>
public sealed record TruthAnonymousTotal(
    string DeviceKind,
    string Service,
    string Category,
    bool IsSocialMedia,
    int Devices,
    int ActiveMinutes);
