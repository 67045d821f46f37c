using System.CommandLine;

namespace CoppiceMonitor.Service.Verbs;

/// <summary>`replay FILE...`: feed captures through the same pipeline as live capture.</summary>
public static class ReplayVerb
{
    public static readonly Argument<FileInfo[]> Files = new("FILE")
    {
        Description = "pcap, pcapng or .gz capture files, replayed in order.",
        Arity = ArgumentArity.OneOrMore,
    };

    public static readonly Option<string> Pace = new("--pace")
    {
        Description = "top: as fast as possible; capture: at the pace the packets were captured.",
        DefaultValueFactory = _ => "top",
    };

    public static Command Create()
    {
        Pace.AcceptOnlyFromAmong("top", "capture");
        Files.AcceptExistingOnly();
        var command = new Command("replay", "Replay capture files through the full pipeline (decode, visits, storage) with a progress bar.")
        {
            Files,
            Pace,
        };
        command.SetAction((parse, ct) => Pending.Run("replay", "the capture pipeline"));
        return command;
    }
}
