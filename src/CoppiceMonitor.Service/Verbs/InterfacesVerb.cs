using System.CommandLine;
using System.Net.NetworkInformation;
using CoppiceMonitor.Capture.Live;
using CoppiceMonitor.Service.Cli;

namespace CoppiceMonitor.Service.Verbs;

/// <summary>`interfaces`: what can be captured on, so ICT can fill Capture:Interfaces.</summary>
public static class InterfacesVerb
{
    public static Command Create()
    {
        var command = new Command("interfaces", "List the network interfaces that can be captured on (names for Capture:Interfaces).");
        command.SetAction((parse, ct) => Task.FromResult(Run(parse)));
        return command;
    }

    private static int Run(ParseResult parse)
    {
        var output = parse.InvocationConfiguration.Output;
        IReadOnlyList<CaptureInterfaceInfo> devices;
        try
        {
            devices = LiveInterfaces.List();
        }
        catch (Exception ex) when (ex is DllNotFoundException or TypeInitializationException or SharpPcap.PcapException)
        {
            parse.InvocationConfiguration.Error.WriteLine(
                OperatingSystem.IsWindows()
                    ? "coppice-monitor: Npcap is not installed (https://npcap.com); it is needed to capture on Windows."
                    : "coppice-monitor: libpcap is not installed (Debian: apt-get install libpcap0.8).");
            return ExitCodes.RuntimeFailure;
        }

        var system = NetworkInterface.GetAllNetworkInterfaces().ToDictionary(n => n.Name, StringComparer.Ordinal);
        output.WriteLine("NAME\tSTATE\tADDRESSES\tDESCRIPTION");
        foreach (var device in devices)
        {
            var state = system.TryGetValue(device.Name, out var nic) ? nic.OperationalStatus.ToString().ToLowerInvariant() : "-";
            var addresses = string.Join(',', device.Addresses);
            output.WriteLine($"{device.Name}\t{state}\t{(addresses.Length > 0 ? addresses : "-")}\t{device.Description ?? "-"}");
        }

        if (devices.Count == 0)
        {
            parse.InvocationConfiguration.Error.WriteLine("coppice-monitor: no capture interfaces visible; capturing needs root or CAP_NET_RAW.");
        }

        return ExitCodes.Success;
    }
}
