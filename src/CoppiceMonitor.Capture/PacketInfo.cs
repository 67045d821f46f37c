namespace CoppiceMonitor.Capture;

/// <summary>What the layers below have learned about the packet being decoded (the walker fills it in going up).</summary>
internal ref struct PacketInfo
{
    public DateTime Timestamp;
    public ushort Vlan;
    public MacAddress SourceMac;
    public MacAddress DestinationMac;
    public ReadOnlySpan<byte> SourceAddress;
    public ReadOnlySpan<byte> DestinationAddress;
    public ushort SourcePort;
    public ushort DestinationPort;

    /// <summary>Tunnels entered so far (bounded, so a packet cannot nest without end).</summary>
    public int Depth;
}
