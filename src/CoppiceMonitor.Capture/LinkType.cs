namespace CoppiceMonitor.Capture;

/// <summary>Link-layer header types (tcpdump.org LINKTYPE_* values) the decoder understands.</summary>
public enum LinkType
{
    Null = 0,
    Ethernet = 1,
    Ppp = 9,
    /// <summary>LINKTYPE_RAW as some BSDs number it in DLT space (DLT_RAW 12).</summary>
    RawBsd12 = 12,
    /// <summary>OpenBSD's DLT_RAW 14.</summary>
    RawBsd14 = 14,
    PppHdlc = 50,
    Raw = 101,
    Loop = 108,
    LinuxSll = 113,
    Ipv4 = 228,
    Ipv6 = 229,
    LinuxSll2 = 276,
}
