using CoppiceMonitor.Visits;
using System.Net;
using System.Text;
using CoppiceMonitor.Capture;

namespace CoppiceMonitor.Storage.Ingest;

/// <summary>
/// Compact binary form of a batch for the spool. Layout: kind byte (1 observations, 2 visits, 3 anonymous totals, 4 DHCP leases), 16-byte batch id,
/// int32 row count, then the rows field by field (strings length-prefixed UTF-8, -1 for null; addresses as
/// length-prefixed bytes, 0 for null; times as UTC ticks).
/// </summary>
internal static class BatchCodec
{
    private const byte ObservationsTag = 1;
    private const byte VisitsTag = 2;
    private const byte AnonymousTag = 3;
    private const byte DhcpTag = 4;

    public static byte[] Encode(IngestBatch batch)
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            switch (batch)
            {
                case ObservationBatch o:
                    w.Write(ObservationsTag);
                    w.Write(o.BatchId.ToByteArray());
                    w.Write(o.Rows.Count);
                    foreach (var r in o.Rows)
                    {
                        WriteString(w, r.SchoolId);
                        w.Write(r.TimestampUtc.Ticks);
                        w.Write((byte)r.Kind);
                        WriteAddress(w, r.Client);
                        w.Write(r.ClientMac.Value);
                        WriteAddress(w, r.Server);
                        w.Write(r.ServerPort);
                        w.Write((byte)r.Transport);
                        w.Write(r.Vlan);
                        WriteString(w, r.Name);
                        WriteString(w, r.DetailJson);
                    }

                    break;
                case VisitBatch v:
                    w.Write(VisitsTag);
                    w.Write(v.BatchId.ToByteArray());
                    w.Write(v.Rows.Count);
                    foreach (var r in v.Rows)
                    {
                        WriteString(w, r.SchoolId);
                        WriteString(w, r.StaffId);
                        WriteString(w, r.DeviceId);
                        WriteString(w, r.Service);
                        WriteString(w, r.Category);
                        w.Write(r.StartUtc.Ticks);
                        w.Write(r.EndUtc.Ticks);
                        w.Write(r.ActiveSeconds);
                        w.Write(r.DirectedSeconds);
                        w.Write(r.BreakSeconds);
                        w.Write(r.NonDirectedSeconds);
                        w.Write(r.OutsideHoursSeconds);
                        w.Write(r.IsWorkUse);
                        WriteString(w, r.SiteName);
                        w.Write(r.EvidenceCount);
                    }

                    break;
                case AnonymousUsageBatch a:
                    w.Write(AnonymousTag);
                    w.Write(a.BatchId.ToByteArray());
                    w.Write(a.Rows.Count);
                    foreach (var r in a.Rows)
                    {
                        WriteString(w, r.SchoolId);
                        w.Write(r.LocalDate.DayNumber);
                        WriteString(w, r.Service);
                        WriteString(w, r.Category);
                        w.Write(r.Kind);
                        w.Write(r.ActiveSeconds);
                        w.Write(r.Devices);
                    }

                    break;
                case DhcpLeaseBatch d:
                    w.Write(DhcpTag);
                    w.Write(d.BatchId.ToByteArray());
                    w.Write(d.Rows.Count);
                    foreach (var r in d.Rows)
                    {
                        WriteString(w, r.SchoolId);
                        w.Write(r.Mac.Value);
                        WriteAddress(w, r.Address);
                        WriteString(w, r.Hostname);
                        w.Write(r.StartUtc.Ticks);
                        w.Write(r.EndUtc?.Ticks ?? -1L);
                    }

                    break;
                default:
                    throw new ArgumentException($"unknown batch type {batch.GetType().Name}", nameof(batch));
            }
        }

        return stream.ToArray();
    }

    /// <summary>Decodes a payload whose checksum already matched; throws <see cref="InvalidDataException"/> otherwise.</summary>
    public static IngestBatch Decode(ReadOnlyMemory<byte> payload)
    {
        try
        {
            using var stream = new MemoryStream(payload.ToArray(), writable: false);
            using var r = new BinaryReader(stream, Encoding.UTF8);
            var tag = r.ReadByte();
            var id = new Guid(r.ReadBytes(16));
            var count = r.ReadInt32();
            if (count < 0 || count > payload.Length)
            {
                throw new InvalidDataException("bad row count");
            }

            switch (tag)
            {
                case ObservationsTag:
                {
                    var rows = new ObservationRecord[count];
                    for (var i = 0; i < count; i++)
                    {
                        rows[i] = new ObservationRecord(
                            ReadString(r)!,
                            new DateTime(r.ReadInt64(), DateTimeKind.Utc),
                            (ObservationKind)r.ReadByte(),
                            ReadAddress(r),
                            new MacAddress(r.ReadUInt64()),
                            ReadAddress(r),
                            r.ReadInt32(),
                            (TransportProtocol)r.ReadByte(),
                            r.ReadInt32(),
                            ReadString(r),
                            ReadString(r));
                    }

                    return new ObservationBatch(id, rows);
                }

                case VisitsTag:
                {
                    var rows = new Visit[count];
                    for (var i = 0; i < count; i++)
                    {
                        rows[i] = new Visit(
                            ReadString(r)!,
                            ReadString(r)!,
                            ReadString(r)!,
                            ReadString(r)!,
                            ReadString(r)!,
                            new DateTime(r.ReadInt64(), DateTimeKind.Utc),
                            new DateTime(r.ReadInt64(), DateTimeKind.Utc),
                            r.ReadInt32(),
                            r.ReadInt32(),
                            r.ReadInt32(),
                            r.ReadInt32(),
                            r.ReadInt32(),
                            r.ReadBoolean(),
                            ReadString(r),
                            r.ReadInt32());
                    }

                    return new VisitBatch(id, rows);
                }

                case AnonymousTag:
                {
                    var rows = new AnonymousUsageRecord[count];
                    for (var i = 0; i < count; i++)
                    {
                        rows[i] = new AnonymousUsageRecord(ReadString(r)!, DateOnly.FromDayNumber(r.ReadInt32()), ReadString(r)!,
                            ReadString(r)!, r.ReadInt16(), r.ReadInt32(), r.ReadInt32());
                    }

                    return new AnonymousUsageBatch(id, rows);
                }

                case DhcpTag:
                {
                    var rows = new DhcpLeaseRecord[count];
                    for (var i = 0; i < count; i++)
                    {
                        var school = ReadString(r)!;
                        var mac = new MacAddress(r.ReadUInt64());
                        var address = ReadAddress(r) ?? throw new InvalidDataException("lease without an address");
                        var hostname = ReadString(r);
                        var start = new DateTime(r.ReadInt64(), DateTimeKind.Utc);
                        var endTicks = r.ReadInt64();
                        rows[i] = new DhcpLeaseRecord(school, mac, address, hostname, start,
                            endTicks < 0 ? null : new DateTime(endTicks, DateTimeKind.Utc));
                    }

                    return new DhcpLeaseBatch(id, rows);
                }

                default:
                    throw new InvalidDataException($"unknown batch tag {tag}");
            }
        }
        catch (EndOfStreamException ex)
        {
            throw new InvalidDataException("truncated batch", ex);
        }
        catch (ArgumentOutOfRangeException ex)
        {
            throw new InvalidDataException("bad batch field", ex);
        }
    }

    private static void WriteString(BinaryWriter w, string? s)
    {
        if (s is null)
        {
            w.Write(-1);
            return;
        }

        var bytes = Encoding.UTF8.GetBytes(s);
        w.Write(bytes.Length);
        w.Write(bytes);
    }

    private static string? ReadString(BinaryReader r)
    {
        var length = r.ReadInt32();
        if (length < 0)
        {
            return null;
        }

        var bytes = r.ReadBytes(length);
        if (bytes.Length != length)
        {
            throw new EndOfStreamException();
        }

        return Encoding.UTF8.GetString(bytes);
    }

    private static void WriteAddress(BinaryWriter w, IPAddress? address)
    {
        if (address is null)
        {
            w.Write((byte)0);
            return;
        }

        var bytes = address.GetAddressBytes();
        w.Write((byte)bytes.Length);
        w.Write(bytes);
    }

    private static IPAddress? ReadAddress(BinaryReader r)
    {
        var length = r.ReadByte();
        if (length == 0)
        {
            return null;
        }

        if (length != 4 && length != 16)
        {
            throw new InvalidDataException("bad address length");
        }

        return new IPAddress(r.ReadBytes(length));
    }
}
