using System.Diagnostics;
using CoppiceMonitor.Simulation.Scenario;

namespace CoppiceMonitor.Simulation.Tests;

/// <summary>
/// An independent decoder's view: Wireshark's tshark (installed by deploy/dev/setup.sh) must read our TLS SNIs
/// (including hellos split over two TCP segments), decrypt our QUIC Initials and reassemble their CRYPTO frames,
/// and find DHCP hostnames, with no malformed packet anywhere.
/// </summary>
[Collection(SimulatedDayGroup.Name)]
public sealed class TsharkDecodeTests
{
    private readonly SimulatedDayFixture _day;

    public TsharkDecodeTests(SimulatedDayFixture day) => _day = day;

    private List<string[]> Tshark(params string[] arguments)
    {
        var start = new ProcessStartInfo("tshark")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-n");
        start.ArgumentList.Add("-r");
        start.ArgumentList.Add(_day.Summary.PcapPath);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("tshark is not installed; deploy/dev/setup.sh installs it (Debian package tshark).", e);
        }

        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            var lines = new List<string[]>();
            while (process.StandardOutput.ReadLine() is { } line)
            {
                lines.Add(line.Split('\t'));
            }

            process.WaitForExit();
            Assert.True(process.ExitCode == 0, "tshark failed: " + stderr.Result);
            return lines;
        }
    }

    [Fact]
    public void Tshark_ClientHellos_GiveEveryTruthConnectionItsSni()
    {
        var hellos = Tshark("-Y", "tls.handshake.type == 1", "-T", "fields",
            "-e", "ip.src", "-e", "tcp.srcport", "-e", "udp.srcport", "-e", "tls.handshake.extensions_server_name");
        var seen = new Dictionary<(string, int), string>();
        foreach (var f in hellos)
        {
            var port = int.Parse(f[1].Length > 0 ? f[1] : f[2], System.Globalization.CultureInfo.InvariantCulture);
            seen[(f[0], port)] = f[3];
        }

        var connections = _day.Truth.Visits.SelectMany(v => v.Connections).ToList();
        foreach (var c in connections)
        {
            Assert.True(seen.TryGetValue((c.ClientIp, c.ClientPort), out var sni), $"tshark found no ClientHello for {c.Sni} ({c.Transport})");
            Assert.Equal(c.Sni, sni);
        }

        // Pupil and guest hellos are not itemised in the truth; they still name only simulated hosts.
        var known = SimulatedSites.StaffSocial.Concat(SimulatedSites.Work).Concat([SimulatedSites.BbcNews, SimulatedSites.TradeUnion])
            .SelectMany(s => s.Supporting.Concat(s.Embeds).Append(s.FirstParty)).Select(h => h.Name).ToHashSet();
        Assert.All(seen.Values, sni => Assert.Contains(sni, known));
        Assert.True(seen.Count > connections.Count);
    }

    [Fact]
    public void Tshark_QuicInitials_DecryptToTheTruthSnis()
    {
        var quic = Tshark("-Y", "quic && tls.handshake.type == 1", "-T", "fields",
            "-e", "ip.src", "-e", "udp.srcport", "-e", "tls.handshake.extensions_server_name");
        var seen = quic.ToDictionary(f => (f[0], int.Parse(f[1], System.Globalization.CultureInfo.InvariantCulture)), f => f[2]);
        var truth = _day.Truth.Visits.SelectMany(v => v.Connections).Where(c => c.Transport == "quic").ToList();
        Assert.Contains(truth, c => c.PostQuantum && c.HelloPackets == 2);
        foreach (var c in truth)
        {
            Assert.Equal(c.Sni, seen[(c.ClientIp, c.ClientPort)]);
        }
    }

    [Fact]
    public void Tshark_DhcpDiscovers_CarryTheRegisteredHostnames()
    {
        var discovers = Tshark("-Y", "dhcp.option.dhcp == 1", "-T", "fields", "-e", "dhcp.hw.mac_addr", "-e", "dhcp.option.hostname");
        // dhcp.hw.mac_addr also matches option 61 (client identifier), so tshark prints the MAC twice.
        var byMac = discovers.ToDictionary(f => f[0].Split(',')[0], f => f[1]);
        foreach (var device in _day.Truth.Devices.Where(d => !d.StaticIp))
        {
            Assert.Equal(device.Hostname ?? string.Empty, byMac[device.Mac]);
        }
    }

    [Fact]
    public void Tshark_WholeCapture_HasNoMalformedPacketsOrChecksumErrors()
    {
        var malformed = Tshark("-o", "tcp.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE",
            "-Y", "_ws.malformed || _ws.expert.severity >= error || tcp.checksum.status == 0 || udp.checksum.status == 0 || ip.checksum.status == 0",
            "-T", "fields", "-e", "frame.number", "-e", "_ws.expert.message");
        Assert.Empty(malformed.Select(f => string.Join(' ', f)));
    }
}
