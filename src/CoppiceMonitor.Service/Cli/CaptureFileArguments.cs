namespace CoppiceMonitor.Service.Cli;

/// <summary>
/// The FILE arguments of `replay` and `inspect`: a folder stands for the capture files directly inside it (by name,
/// so a day split by the capture tool replays in order); a folder with none is a usage error, never "access denied".
/// </summary>
public static class CaptureFileArguments
{
    private static readonly string[] CaptureEndings = [".pcap", ".pcapng", ".cap", ".pcap.gz", ".pcapng.gz", ".cap.gz"];

    public static List<string> Expand(IEnumerable<FileSystemInfo> arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var paths = new List<string>();
        foreach (var argument in arguments)
        {
            if (!Directory.Exists(argument.FullName))
            {
                paths.Add(argument.FullName);
                continue;
            }

            var inFolder = Directory.EnumerateFiles(argument.FullName)
                .Where(f => CaptureEndings.Any(e => f.EndsWith(e, StringComparison.OrdinalIgnoreCase)))
                .Order(StringComparer.Ordinal)
                .ToList();
            if (inFolder.Count == 0)
            {
                throw new UsageException(
                    $"{argument.FullName} is a folder with no capture files ({string.Join(", ", CaptureEndings)}); give files or use {argument.FullName}/*.pcap");
            }

            paths.AddRange(inFolder);
        }

        return paths;
    }
}
