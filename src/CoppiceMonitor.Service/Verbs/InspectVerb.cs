using System.CommandLine;

namespace CoppiceMonitor.Service.Verbs;

/// <summary>`inspect FILE...`: print the observations decoded from capture files (no database).</summary>
public static class InspectVerb
{
    public static readonly Argument<FileInfo[]> Files = new("FILE")
    {
        Description = "pcap, pcapng or .gz capture files.",
        Arity = ArgumentArity.OneOrMore,
    };

    public static readonly Option<string> Format = new("--format")
    {
        Description = "jsonl (one observation per line), tsv, or summary (counts by kind).",
        DefaultValueFactory = _ => "jsonl",
    };

    public static Command Create()
    {
        Format.AcceptOnlyFromAmong("jsonl", "tsv", "summary");
        Files.AcceptExistingOnly();
        var command = new Command("inspect", "Decode capture files and print the observations (DNS, TLS/QUIC SNI, DHCP, flows) to stdout.")
        {
            Files,
            Format,
        };
        command.SetAction((parse, ct) => Pending.Run("inspect", "the capture decoders"));
        return command;
    }
}
