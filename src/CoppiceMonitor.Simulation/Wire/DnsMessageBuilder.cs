using System.Net;

namespace CoppiceMonitor.Simulation.Wire;

/// <summary>DNS record types used by the simulator (RFC 1035, RFC 3596).</summary>
internal enum DnsType : ushort
{
    A = 1,
    Cname = 5,
    Aaaa = 28,
}

/// <summary>One answer record: owner name, type, TTL and either an address or a CNAME target.</summary>
internal readonly record struct DnsRecord(string Owner, DnsType Type, uint Ttl, IPAddress? Address, string? Target);

/// <summary>
/// DNS messages (RFC 1035 section 4.1): header(12) = ID, flags, QDCOUNT, ANCOUNT, NSCOUNT, ARCOUNT; question =
/// QNAME, QTYPE, QCLASS; resource records = NAME, TYPE, CLASS, TTL, RDLENGTH, RDATA. Names are compressed with
/// pointers (0xC000 | offset) to names written earlier in the message, as resolvers do.
/// </summary>
internal static class DnsMessageBuilder
{
    public static byte[] Query(ushort id, string name, DnsType type, bool withEdns)
    {
        var w = new WireWriter(64 + name.Length);
        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        w.U16(id);
        w.U16(0x0100); // RD
        w.U16(1);
        w.U16(0);
        w.U16(0);
        w.U16(withEdns ? 1 : 0);
        WriteName(w, name, names);
        w.U16((ushort)type);
        w.U16(1); // IN
        if (withEdns)
        {
            WriteOpt(w);
        }

        return w.ToArray();
    }

    public static byte[] Response(ushort id, string name, DnsType type, IReadOnlyList<DnsRecord> answers, bool withEdns)
    {
        var w = new WireWriter(128 + (answers.Count * 32));
        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        w.U16(id);
        w.U16(0x8180); // QR, RD, RA, NOERROR
        w.U16(1);
        w.U16(answers.Count);
        w.U16(0);
        w.U16(withEdns ? 1 : 0);
        WriteName(w, name, names);
        w.U16((ushort)type);
        w.U16(1);
        foreach (var record in answers)
        {
            WriteName(w, record.Owner, names);
            w.U16((ushort)record.Type);
            w.U16(1);
            w.U32(record.Ttl);
            var rdata = w.BeginLength(2);
            switch (record.Type)
            {
                case DnsType.Cname:
                    WriteName(w, record.Target!, names);
                    break;
                default:
                    var bytes = record.Address!.GetAddressBytes();
                    w.Bytes(bytes);
                    break;
            }

            w.EndLength(rdata, 2);
        }

        if (withEdns)
        {
            WriteOpt(w);
        }

        return w.ToArray();
    }

    /// <summary>TCP transport (RFC 1035 section 4.2.2 / RFC 7766): a two-byte length before each message.</summary>
    public static byte[] WithLengthPrefix(ReadOnlySpan<byte> message)
    {
        var w = new WireWriter(message.Length + 2);
        w.U16(message.Length);
        w.Bytes(message);
        return w.ToArray();
    }

    /// <summary>EDNS(0) OPT pseudo-record (RFC 6891): root name, type 41, UDP size 1232, no options.</summary>
    private static void WriteOpt(WireWriter w)
    {
        w.U8(0);
        w.U16(41);
        w.U16(1232);
        w.U32(0);
        w.U16(0);
    }

    /// <summary>Writes labels, replacing the longest suffix already in the message by a compression pointer.</summary>
    private static void WriteName(WireWriter w, string name, Dictionary<string, int> names)
    {
        var rest = name;
        while (rest.Length > 0)
        {
            if (names.TryGetValue(rest, out var offset))
            {
                w.U16(0xc000 | offset);
                return;
            }

            if (w.Length < 0x3fff)
            {
                names[rest] = w.Length;
            }

            var dot = rest.IndexOf('.', StringComparison.Ordinal);
            var label = dot < 0 ? rest : rest[..dot];
            w.U8(label.Length);
            w.Ascii(label);
            rest = dot < 0 ? string.Empty : rest[(dot + 1)..];
        }

        w.U8(0);
    }
}
