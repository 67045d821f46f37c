using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using CoppiceMonitor.Capture;
using CoppiceMonitor.Simulation.Truth;

namespace CoppiceMonitor.Simulation.Tests;

[Collection(SimulatedDayGroup.Name)]
public sealed class SchoolDaySimulatorTests
{
    private static readonly TimeZoneInfo London = TimeZoneInfo.FindSystemTimeZoneById("Europe/London");
    private readonly SimulatedDayFixture _day;

    public SchoolDaySimulatorTests(SimulatedDayFixture day) => _day = day;

    private SimulationTruth Truth => _day.Truth;

    private static DateTime Minute(DateTime t) => new(t.Ticks - (t.Ticks % TimeSpan.TicksPerMinute), DateTimeKind.Utc);

    private static TimeOnly Local(DateTime utc) => TimeOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(utc, London));

    [Fact]
    public void Write_SameSeedTwice_GivesIdenticalFiles()
    {
        var root = Path.Combine(Path.GetTempPath(), "coppice-sim-det-" + Guid.NewGuid().ToString("N"));
        try
        {
            SimulationSummary Run(string name, int seed) => SchoolDaySimulator.Write(new SimulationOptions
            {
                Seed = seed, Staff = 9, Pupils = 6, OutputPcap = Path.Combine(root, name, "day.pcap"),
            });

            var a = Run("a", 7);
            var b = Run("b", 7);
            var c = Run("c", 8);

            Assert.Equal(File.ReadAllBytes(a.PcapPath), File.ReadAllBytes(b.PcapPath));
            Assert.Equal(File.ReadAllBytes(a.StaffCsvPath), File.ReadAllBytes(b.StaffCsvPath));
            Assert.Equal(File.ReadAllBytes(a.DevicesCsvPath), File.ReadAllBytes(b.DevicesCsvPath));
            Assert.Equal(File.ReadAllBytes(a.TruthPath), File.ReadAllBytes(b.TruthPath));
            Assert.NotEqual(File.ReadAllBytes(a.PcapPath), File.ReadAllBytes(c.PcapPath));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void Write_WinterDate_KeepsTheLocalSchoolDayInGmt()
    {
        var root = Path.Combine(Path.GetTempPath(), "coppice-sim-gmt-" + Guid.NewGuid().ToString("N"));
        try
        {
            var summary = SchoolDaySimulator.Write(new SimulationOptions
            {
                Seed = 3, Staff = 8, Pupils = 0, Date = new DateOnly(2026, 11, 4), OutputPcap = Path.Combine(root, "day.pcap"),
            });

            // In November London is on GMT, so local and UTC clock times agree; in October (the fixture) they do not.
            Assert.Equal(new DateOnly(2026, 11, 4), DateOnly.FromDateTime(summary.FirstPacketUtc));
            Assert.InRange(TimeOnly.FromDateTime(summary.FirstPacketUtc), new TimeOnly(7, 0), new TimeOnly(8, 40));
            Assert.InRange(TimeOnly.FromDateTime(summary.LastPacketUtc), new TimeOnly(15, 0), new TimeOnly(18, 30));
            Assert.Equal(0, SimulationTruth.Load(summary.TruthPath).Devices.Count(d => d.Kind == "pupil"));
            Assert.True(TimeOnly.FromDateTime(_day.Summary.FirstPacketUtc) < new TimeOnly(7, 40));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void Write_TooFewStaff_ThrowsNamingTheSetting()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            SchoolDaySimulator.Write(new SimulationOptions { Staff = 3, OutputPcap = Path.Combine(Path.GetTempPath(), "never.pcap") }));
        Assert.Equal("Staff", error.ParamName);
    }

    [Fact]
    public void Summary_MatchesTheFilesWritten()
    {
        Assert.Equal(_day.Packets.Count, _day.Summary.Packets);
        Assert.Equal(Truth.Packets, _day.Summary.Packets);
        Assert.Equal(_day.Packets[0].TimestampUtc, _day.Summary.FirstPacketUtc);
        Assert.Equal(_day.Packets[^1].TimestampUtc, _day.Summary.LastPacketUtc);
        Assert.Equal(Truth.Devices.Count, _day.Summary.Devices);
        Assert.Equal(Path.Combine(_day.Folder, "truth.json"), _day.Summary.TruthPath);
    }

    [Fact]
    public void Pcap_EveryPacket_HasValidChecksumsAndTimeOrder()
    {
        Assert.All(_day.Packets, p => Assert.True(p.IpChecksumValid && p.TransportChecksumValid));
        for (var i = 1; i < _day.Packets.Count; i++)
        {
            Assert.True(_day.Packets[i - 1].TimestampUtc <= _day.Packets[i].TimestampUtc);
        }
    }

    [Fact]
    public void Pcap_Timestamps_LieInsideTheLocalSchoolDay()
    {
        var date = _day.Options.Date;
        Assert.All(_day.Packets, p =>
        {
            var local = TimeZoneInfo.ConvertTimeFromUtc(p.TimestampUtc, London);
            Assert.Equal(date, DateOnly.FromDateTime(local));
            Assert.InRange(TimeOnly.FromDateTime(local), new TimeOnly(7, 0), new TimeOnly(18, 30));
        });
    }

    [Fact]
    public void Pcap_Vlans_KeepStaffPupilsAndGuestsApart()
    {
        var vlanOfMac = Truth.Devices.ToDictionary(d => ParseMac(d.Mac), d => d.Vlan);
        var kindOfVlan = new Dictionary<int, string> { [10] = "staff", [20] = "pupil", [30] = "guest" };
        foreach (var device in Truth.Devices)
        {
            var expected = device.Kind == "shared" ? 10 : kindOfVlan.Single(k => k.Value == device.Kind).Key;
            Assert.Equal(expected, device.Vlan);
            Assert.StartsWith("10." + expected.ToString(CultureInfo.InvariantCulture) + ".", device.Ip, StringComparison.Ordinal);
        }

        foreach (var p in _day.Packets)
        {
            Assert.Contains(p.Vlan, kindOfVlan.Keys);
            var local = p.SourceIp >> 24 == 10 ? p.SourceIp : p.DestinationIp;
            if (local >> 24 == 10)
            {
                Assert.Equal(p.Vlan, (int)((local >> 16) & 0xff));
            }
            else
            {
                // DHCP DISCOVER/REQUEST before an address: 0.0.0.0 -> 255.255.255.255, known by its MAC.
                Assert.Equal(0u, p.SourceIp);
                Assert.Equal(p.Vlan, vlanOfMac[p.SourceMac]);
            }

            var deviceMac = vlanOfMac.ContainsKey(p.SourceMac) ? p.SourceMac : p.DestinationMac;
            if (vlanOfMac.TryGetValue(deviceMac, out var vlan))
            {
                Assert.Equal(vlan, p.Vlan);
            }
        }
    }

    [Fact]
    public void Truth_EveryConnection_HasItsPacketsSniAndExactActiveMinutes()
    {
        var flows = _day.Packets
            .Where(p => p.SourcePort != 53 && p.DestinationPort != 53 && p.SourcePort != 67 && p.SourcePort != 68)
            .GroupBy(p => p.SourceIp >> 24 == 10
                ? (Client: p.SourceIp, ClientPort: p.SourcePort, Server: p.DestinationIp, ServerPort: p.DestinationPort)
                : (Client: p.DestinationIp, ClientPort: p.DestinationPort, Server: p.SourceIp, ServerPort: p.SourcePort))
            .ToDictionary(g => g.Key, g => g.ToList());
        var connections = Truth.Visits.SelectMany(v => v.Connections).ToList();
        Assert.NotEmpty(connections);
        Assert.Contains(connections, c => c.Transport == "quic");
        Assert.Contains(connections, c => c.Transport == "tcp" && c.PostQuantum && c.HelloPackets == 2 && c.SniInLaterPacket);
        Assert.Contains(connections, c => c.Transport == "tcp" && c.PostQuantum && c.HelloPackets == 2 && !c.SniInLaterPacket);
        Assert.Contains(connections, c => c.Transport == "quic" && c.PostQuantum && c.HelloPackets == 2);

        foreach (var c in connections)
        {
            var key = (PcapTestReader.ParseIp(c.ClientIp), (ushort)c.ClientPort, PcapTestReader.ParseIp(c.ServerIp), (ushort)c.ServerPort);
            Assert.True(flows.TryGetValue(key, out var packets), $"no packets for {c.Sni} {c.ClientIp}:{c.ClientPort}");
            var minutes = packets.Where(p => p.Payload.Length > 0).Select(p => Minute(p.TimestampUtc)).Distinct().Order().ToList();
            Assert.Equal(c.ActiveMinutesUtc, minutes);
            Assert.Equal(c.StartUtc, packets[0].TimestampUtc);
            Assert.Equal(c.EndUtc, packets[^1].TimestampUtc);
            var fromClient = packets.Where(p => p.SourceIp == key.Item1).ToList();
            var hello = c.Transport == "tcp"
                ? TcpClientStream(fromClient, 4096)
                : QuicCryptoStream(fromClient.Take(c.HelloPackets), c);
            Assert.True(Contains(hello, Encoding.ASCII.GetBytes(c.Sni)), $"SNI {c.Sni} not in the hello of {c.ClientIp}:{c.ClientPort}");
        }
    }

    [Fact]
    public void Truth_EveryConnection_IsPrecededByADnsLookupOfItsName()
    {
        var toResolver = _day.Packets.Where(p => p.DestinationPort == 53 && p.Payload.Length > 0).ToList();
        var queries = toResolver.Where(p => p.Protocol == 17)
            .Select(p => (p.SourceIp, p.TimestampUtc, Name: DnsQuestion(p.Payload)))
            .ToList();

        // DNS over TCP: the 2-byte length prefix, sometimes in a segment of its own, then the message.
        var tcpQueries = toResolver.Where(p => p.Protocol == 6).GroupBy(p => (p.SourceIp, p.SourcePort)).ToList();
        Assert.NotEmpty(tcpQueries);
        foreach (var flow in tcpQueries)
        {
            var stream = flow.SelectMany(p => p.Payload).ToArray();
            Assert.Equal(stream.Length - 2, BinaryPrimitives.ReadUInt16BigEndian(stream));
            queries.Add((flow.Key.SourceIp, flow.First().TimestampUtc, DnsQuestion(stream[2..])));
        }

        foreach (var c in Truth.Visits.SelectMany(v => v.Connections))
        {
            var client = PcapTestReader.ParseIp(c.ClientIp);
            Assert.True(queries.Any(q => q.SourceIp == client && q.Name == c.Sni
                && q.TimestampUtc <= c.StartUtc && q.TimestampUtc > c.StartUtc.AddSeconds(-301)),
                $"no lookup of {c.Sni} by {c.ClientIp} before {c.StartUtc:O}");
        }
    }

    [Fact]
    public void Truth_Visits_UnionTheirOwnServiceConnectionMinutes()
    {
        foreach (var visit in Truth.Visits)
        {
            Assert.Equal(visit.FirstPartySni, visit.Connections[0].Sni);
            Assert.Equal("FirstParty", visit.Connections[0].Role);
            var expected = visit.Connections.Where(c => c.Service == visit.Service)
                .SelectMany(c => c.ActiveMinutesUtc).Distinct().Order().ToList();
            Assert.Equal(expected, visit.ActiveMinutesUtc);
            Assert.True(visit.StartUtc <= visit.ActiveMinutesUtc[0].AddMinutes(1));
            Assert.True(visit.EndUtc >= visit.ActiveMinutesUtc[^1]);
        }
    }

    [Fact]
    public void Truth_Story_HasTheCastAndTheirActivities()
    {
        var h = Truth.Highlights;
        var social = Truth.Visits.Where(v => v.IsSocialMedia && !v.IsAuthorisedWorkUse).ToList();

        // Excessive use: computed here from the visits, independently of the highlight's own figure.
        var excessive = social.Where(v => v.StaffId == h.ExcessiveUseStaffId).SelectMany(v => v.ActiveMinutesUtc).Distinct().Count();
        Assert.True(excessive > 60, $"excessive user has {excessive} minutes");
        Assert.Equal(excessive, h.ExcessiveUseSocialMinutes);

        Assert.Contains(Truth.Visits, v => v.StaffId == h.SpecialCategoryStaffId && v.IsSpecialCategory && v.Category == "TradeUnion");
        var authorised = Truth.Visits.Where(v => v.DeviceId == h.AuthorisedDeviceId && v.IsAuthorisedWorkUse).Select(v => v.Service).ToHashSet();
        Assert.Equal(["Facebook", "Instagram"], authorised.Order());
        Assert.Contains(Truth.Visits, v => v.DeviceId == h.SharedDeviceId && v.StaffId is null && v.DeviceKind == "shared");
        Assert.Contains(Truth.Visits, v => v.DeviceId == h.StaticIpDeviceId);

        // Embedded widgets appear only inside news visits and never open a visit of their own.
        Assert.All(Truth.Visits, v => Assert.DoesNotContain(v.FirstPartySni, h.EmbedHosts));
        var embeds = Truth.Visits.SelectMany(v => v.Connections.Where(c => c.Role == "Embed").Select(c => (v.Service, c.Sni))).ToList();
        Assert.Equal(h.EmbedHosts.Order(), embeds.Select(e => e.Sni).Distinct().Order());
        Assert.All(embeds, e => Assert.Equal("bbc.co.uk", e.Service));

        // Social media in lessons, in breaks and after school.
        var times = social.Select(v => Local(v.StartUtc)).ToList();
        Assert.Contains(times, t => t >= new TimeOnly(8, 50) && t < new TimeOnly(10, 30));
        Assert.Contains(times, t => t >= new TimeOnly(12, 15) && t < new TimeOnly(13, 15));
        Assert.Contains(times, t => t >= new TimeOnly(15, 20));
        Assert.True(social.Select(v => v.Service).Distinct().Count() >= 5);
    }

    [Fact]
    public void Truth_Pupils_AppearOnlyAsAnonymousTotals()
    {
        var pupils = Truth.Devices.Where(d => d.Kind == "pupil").Select(d => d.DeviceId).ToHashSet();
        Assert.Equal(_day.Options.Pupils, pupils.Count);
        Assert.DoesNotContain(Truth.Visits, v => pupils.Contains(v.DeviceId) || v.DeviceKind is "pupil" or "guest");
        Assert.All(Truth.Devices.Where(d => d.Kind == "pupil"), d => Assert.Null(d.StaffId));
        var pupilTotals = Truth.AnonymousTotals.Where(t => t.DeviceKind == "pupil").ToList();
        Assert.Contains(pupilTotals, t => t.IsSocialMedia && t.Devices > 0 && t.ActiveMinutes >= t.Devices);
        Assert.Contains(Truth.AnonymousTotals, t => t.DeviceKind == "guest");

        // Pupil traffic is on VLAN 20 and is in the capture.
        var pupilIps = Truth.Devices.Where(d => d.Kind == "pupil").Select(d => PcapTestReader.ParseIp(d.Ip)).ToHashSet();
        var pupilPackets = _day.Packets.Where(p => pupilIps.Contains(p.SourceIp)).ToList();
        Assert.NotEmpty(pupilPackets);
        Assert.All(pupilPackets, p => Assert.Equal(20, p.Vlan));
    }

    [Fact]
    public void Pcap_Dhcp_HasTheFullExchangeWithHostnameAndARenewal()
    {
        var dhcp = _day.Packets.Where(p => p.Protocol == 17 && (p.DestinationPort == 67 || p.DestinationPort == 68)).ToList();
        foreach (var device in Truth.Devices.Where(d => !d.StaticIp))
        {
            var mac = ParseMac(device.Mac);
            var types = dhcp.Where(p => ChaddrOf(p.Payload) == mac).Select(p => DhcpOption(p.Payload, 53)![0]).ToList();
            Assert.Equal([1, 2, 3, 5], types.Take(4).Select(t => (int)t));
            Assert.Equal(device.DhcpExchangesUtc.Count * 2 + 2, types.Count);
            var discover = dhcp.First(p => ChaddrOf(p.Payload) == mac);
            var hostname = DhcpOption(discover.Payload, 12);
            Assert.Equal(device.Hostname, hostname is null ? null : Encoding.ASCII.GetString(hostname));
            var ack = dhcp.First(p => ChaddrOf(p.Payload) == mac && DhcpOption(p.Payload, 53)![0] == 5);
            Assert.Equal(device.Ip, string.Join('.', ack.Payload.AsSpan(16, 4).ToArray()));
            Assert.NotNull(DhcpOption(ack.Payload, 51));
            Assert.NotNull(DhcpOption(ack.Payload, 54));
        }

        Assert.Contains(Truth.Devices, d => d.DhcpExchangesUtc.Count >= 2);
        Assert.Contains(Truth.Devices, d => d.StaticIp && d.DhcpExchangesUtc.Count == 0);
    }

    [Fact]
    public void RegistryCsvs_ParseAndReferenceEachOther()
    {
        var staff = ReadCsv(_day.Summary.StaffCsvPath, "staff_id,display_name,email,line_manager_id,roles");
        var devices = ReadCsv(_day.Summary.DevicesCsvPath, "device_id,staff_id,mac,hostname,static_ip,kind,authorised_services");
        Assert.Equal(_day.Options.Staff, staff.Count);
        var ids = staff.Select(s => s[0]).ToHashSet();
        Assert.Equal(staff.Count, ids.Count);
        Assert.All(staff, s => Assert.True(s[3].Length == 0 || ids.Contains(s[3])));
        Assert.All(staff, s => Assert.EndsWith("@coppice-primary.sch.uk", s[2], StringComparison.Ordinal));
        var roles = staff.ToDictionary(s => s[0], s => s[4].Split(';', StringSplitOptions.RemoveEmptyEntries));
        Assert.All(roles.Values.SelectMany(r => r), r => Assert.Contains(r, new[] { "line-manager", "hr", "headteacher", "ict" }));
        Assert.Single(roles, r => r.Value.Contains("headteacher"));
        Assert.Contains(roles, r => r.Value.Contains("hr"));
        Assert.Contains(roles, r => r.Value.Contains("ict"));
        var managers = roles.Where(r => r.Value.Contains("line-manager") && !r.Value.Contains("headteacher")).Select(r => r.Key).ToList();
        Assert.True(managers.Count >= 2);
        Assert.All(managers, m => Assert.True(staff.Count(s => s[3] == m) >= 2, $"{m} manages too few"));

        var kinds = new[] { "staff", "shared", "pupil", "guest" };
        Assert.All(devices, d =>
        {
            Assert.Contains(d[5], kinds);
            Assert.Equal(d[5] == "staff", d[1].Length > 0);
            Assert.True(d[1].Length == 0 || ids.Contains(d[1]));
            Assert.True(MacAddress.TryParse(d[2], out _));
            Assert.True(d[4].Length == 0 || System.Net.IPAddress.TryParse(d[4], out _));
        });
        Assert.Equal(devices.Count, devices.Select(d => d[0]).Distinct().Count());
        Assert.Contains(devices, d => d[5] == "shared");
        Assert.Contains(devices, d => d[5] == "guest");
        Assert.Equal(_day.Options.Pupils, devices.Count(d => d[5] == "pupil"));
        Assert.Single(devices, d => d[6] == "Facebook;Instagram" && d[0] == Truth.Highlights.AuthorisedDeviceId);
        Assert.All(staff, s => Assert.Contains(devices, d => d[1] == s[0]));

        // Every registered device in the truth is in devices.csv with the same MAC; unknown guests are not.
        var byId = devices.ToDictionary(d => d[0]);
        foreach (var device in Truth.Devices)
        {
            Assert.Equal(device.Registered, byId.ContainsKey(device.DeviceId));
            if (device.Registered)
            {
                Assert.Equal(device.Mac, byId[device.DeviceId][2]);
                Assert.Equal(device.StaticIp ? device.Ip : string.Empty, byId[device.DeviceId][4]);
            }
        }

        Assert.Contains(Truth.Devices, d => !d.Registered);

        // Attribution depends on MACs and addresses being unique across the whole network.
        Assert.Equal(Truth.Devices.Count, Truth.Devices.Select(d => d.Mac).Distinct().Count());
        Assert.Equal(Truth.Devices.Count, Truth.Devices.Select(d => d.Ip).Distinct().Count());
    }

    // ------------------------------------------------------------------ helpers

    private static ulong ParseMac(string text)
    {
        Assert.True(MacAddress.TryParse(text, out var mac));
        return mac.Value;
    }

    /// <summary>Splits a CSV without quoted fields (the simulator never needs quoting) after checking the header.</summary>
    private static List<string[]> ReadCsv(string path, string header)
    {
        var lines = File.ReadAllLines(path, Encoding.UTF8);
        Assert.Equal(header, lines[0]);
        var rows = lines.Skip(1).Where(l => l.Length > 0).Select(l => l.Split(',')).ToList();
        Assert.All(rows, r => Assert.Equal(header.Split(',').Length, r.Length));
        return rows;
    }

    private static byte[] TcpClientStream(List<TestPacket> fromClient, int limit)
    {
        var syn = fromClient.First(p => (p.TcpFlags & 0x02) != 0);
        var stream = new byte[limit];
        var length = 0;
        foreach (var p in fromClient.Where(p => p.Payload.Length > 0))
        {
            var at = (int)(p.TcpSequence - syn.TcpSequence - 1);
            if (at >= limit)
            {
                continue;
            }

            var count = Math.Min(p.Payload.Length, limit - at);
            p.Payload.AsSpan(0, count).CopyTo(stream.AsSpan(at));
            length = Math.Max(length, at + count);
        }

        return stream[..length];
    }

    private static byte[] QuicCryptoStream(IEnumerable<TestPacket> initials, TruthConnection c)
    {
        var stream = new byte[4096];
        var length = 0;
        foreach (var p in initials)
        {
            Assert.Equal(0xc0, p.Payload[0] & 0xf0);
            var dcid = p.Payload.AsSpan(6, p.Payload[5]).ToArray();
            var plain = QuicTestDecryptor.DecryptClientInitial(p.Payload, dcid);
            var i = 0;
            while (i < plain.Length)
            {
                if (plain[i] == 0x00)
                {
                    i++;
                    continue;
                }

                Assert.Equal(0x06, plain[i]);
                i++;
                var offset = (int)VarInt(plain, ref i);
                var count = (int)VarInt(plain, ref i);
                plain.AsSpan(i, count).CopyTo(stream.AsSpan(offset));
                length = Math.Max(length, offset + count);
                i += count;
            }
        }

        Assert.True(length > 0, $"no CRYPTO data for {c.Sni}");
        return stream[..length];
    }

    private static long VarInt(byte[] data, ref int i)
    {
        var size = 1 << (data[i] >> 6);
        long value = data[i] & 0x3f;
        for (var k = 1; k < size; k++)
        {
            value = (value << 8) | data[i + k];
        }

        i += size;
        return value;
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;

    private static string DnsQuestion(byte[] message)
    {
        var name = new StringBuilder();
        var i = 12;
        while (message[i] != 0)
        {
            if (name.Length > 0)
            {
                name.Append('.');
            }

            name.Append(Encoding.ASCII.GetString(message, i + 1, message[i]));
            i += message[i] + 1;
        }

        return name.ToString();
    }

    private static ulong ChaddrOf(byte[] bootp)
    {
        ulong v = 0;
        for (var i = 0; i < 6; i++)
        {
            v = (v << 8) | bootp[28 + i];
        }

        return v;
    }

    private static byte[]? DhcpOption(byte[] bootp, byte code)
    {
        var i = 240;
        while (i < bootp.Length && bootp[i] != 255)
        {
            if (bootp[i] == 0)
            {
                i++;
                continue;
            }

            if (bootp[i] == code)
            {
                return bootp.AsSpan(i + 2, bootp[i + 1]).ToArray();
            }

            i += 2 + bootp[i + 1];
        }

        return null;
    }
}
