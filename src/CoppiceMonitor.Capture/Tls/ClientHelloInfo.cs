namespace CoppiceMonitor.Capture.Tls;

/// <summary>
/// What a ClientHello tells a passive observer. ServerName is the server_name host_name, lower-case without a
/// trailing dot (null when absent); Alpn is every offered protocol joined by ',' in the client's order (null when
/// absent); HighestVersionOffered is the highest non-GREASE supported_versions entry, else legacy_version.
/// </summary>
public readonly record struct ClientHelloInfo(
    string? ServerName,
    string? Alpn,
    bool HasEncryptedClientHello,
    ushort HighestVersionOffered);
