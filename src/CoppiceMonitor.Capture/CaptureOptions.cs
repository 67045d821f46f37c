using System.ComponentModel.DataAnnotations;

namespace CoppiceMonitor.Capture;

/// <summary>Configuration section "Capture": live sources and decoder limits.</summary>
public sealed class CaptureOptions : IValidatableObject
{
    public const string SectionName = "Capture";

    /// <summary>
    /// Keeps everything the decoders can use (TCP, UDP and the tunnels they open, with or without a VLAN tag) and
    /// drops the rest (ARP, ICMP, other protocols) in the kernel.
    /// </summary>
    public const string DefaultFilter =
        "(tcp or udp or proto gre or ip proto 4 or ip proto 41) or (vlan and (tcp or udp or proto gre or ip proto 4 or ip proto 41))";

    /// <summary>Interface names to capture on (see the `interfaces` verb). Empty = capture nothing live.</summary>
    public IList<string> Interfaces { get; init; } = [];

    /// <summary>Put the interfaces in promiscuous mode (needed on a mirror/SPAN port).</summary>
    public bool Promiscuous { get; set; } = true;

    /// <summary>Bytes kept per frame. A post-quantum ClientHello segment needs a full 1500-byte frame.</summary>
    [Range(256, 262144)]
    public int SnapLength { get; set; } = 65535;

    /// <summary>Kernel capture buffer per interface, in bytes.</summary>
    [Range(1 << 20, 1 << 30)]
    public int KernelBufferBytes { get; set; } = 32 * 1024 * 1024;

    /// <summary>BPF filter applied in the kernel. Empty string = capture everything.</summary>
    public string Filter { get; set; } = DefaultFilter;

    /// <summary>Read timeout of the capture loop, so cancellation is seen promptly on a quiet link.</summary>
    [Range(10, 5000)]
    public int ReadTimeoutMilliseconds { get; set; } = 250;

    /// <summary>Most connections tracked at once; when full, idle flows go first, then the least recently active.</summary>
    [Range(16, 10_000_000)]
    public int MaxFlows { get; set; } = 200_000;

    /// <summary>A flow with no packet for this long is summarised and dropped.</summary>
    [Range(5, 86_400)]
    public int FlowIdleSeconds { get; set; } = 120;

    /// <summary>Most QUIC connections whose Initial CRYPTO data is still being reassembled.</summary>
    [Range(16, 1_000_000)]
    public int MaxQuicPendingConnections { get; set; } = 4096;

    /// <summary>Rules between fields (run after the ranges hold): each names the fields it concerns.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in Interfaces)
        {
            if (string.IsNullOrWhiteSpace(name))
            {
                yield return new ValidationResult("Capture:Interfaces has an empty interface name.", [nameof(Interfaces)]);
            }
            else if (!seen.Add(name))
            {
                // Two captures on one interface would count every packet twice.
                yield return new ValidationResult($"Capture:Interfaces lists '{name}' twice.", [nameof(Interfaces)]);
            }
        }

        if (MaxQuicPendingConnections > MaxFlows)
        {
            yield return new ValidationResult(
                $"Capture:MaxQuicPendingConnections ({MaxQuicPendingConnections}) must not exceed Capture:MaxFlows ({MaxFlows}): a QUIC connection is a flow.",
                [nameof(MaxQuicPendingConnections), nameof(MaxFlows)]);
        }

        if (ReadTimeoutMilliseconds >= FlowIdleSeconds * 1000L)
        {
            // Idle flows end on the wall clock when the link is quiet, checked once per read timeout.
            yield return new ValidationResult(
                $"Capture:ReadTimeoutMilliseconds ({ReadTimeoutMilliseconds}) must be shorter than Capture:FlowIdleSeconds ({FlowIdleSeconds} s).",
                [nameof(ReadTimeoutMilliseconds), nameof(FlowIdleSeconds)]);
        }
    }
}
