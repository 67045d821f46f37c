using System.Text.Json;
using System.Text.Json.Serialization;
using CoppiceMonitor.Capture.Live;

namespace CoppiceMonitor.Service.Pipeline;

/// <summary>
/// Counters of one capture interface: frames decoded, libpcap's kernel counters (read about once a second), and
/// frames the capture thread had to drop because the decode thread was a whole frame ring behind.
/// </summary>
public sealed record InterfaceStatus(string Name, long Packets, long KernelDrops, long InterfaceDrops, long RingDrops = 0, long KernelReceived = 0)
{
    public static InterfaceStatus From(LiveCaptureStatus s) => new(s.Name, s.Packets, s.KernelDrops, s.InterfaceDrops, s.RingDrops, s.KernelReceived);
}

/// <summary>
/// What the running service last knew about itself, written to DataFolder/status.json every flush interval so
/// `status` (another process, maybe another user) can show it without a control socket.
/// </summary>
public sealed record StatusSnapshot(
    DateTimeOffset WrittenUtc,
    int ProcessId,
    DateTimeOffset StartedUtc,
    IReadOnlyList<InterfaceStatus> Interfaces,
    long Packets,
    long Observations,
    long ChannelDrops,
    int ChannelBacklog,
    long Visits,
    long IngestedBatches,
    int ReorderBacklog,
    long SpoolBytes,
    bool Stopped,
    long IngestDrops,
    bool DatabaseAvailable,
    long UnroutedObservations = 0)
{
    public const string FileName = "status.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.Never };

    public static string PathIn(string dataFolder) => System.IO.Path.Combine(dataFolder, FileName);

    public void WriteTo(string dataFolder)
    {
        Directory.CreateDirectory(dataFolder);
        var path = PathIn(dataFolder);
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(this, Json));
        // Atomic replace: `status` never reads half a file.
        File.Move(temporary, path, overwrite: true);
    }

    public static StatusSnapshot? TryRead(string dataFolder)
    {
        try
        {
            return JsonSerializer.Deserialize<StatusSnapshot>(File.ReadAllText(PathIn(dataFolder)), Json);
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public static long FolderBytes(string folder)
    {
        if (!Directory.Exists(folder))
        {
            return 0;
        }

        return new DirectoryInfo(folder).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
    }
}
