using System.CommandLine;
using CoppiceMonitor.Capture;
using CoppiceMonitor.Service.Cli;

namespace CoppiceMonitor.Service.Verbs;

/// <summary>`inspect FILE...`: print the observations decoded from capture files (no database, no host).</summary>
public static class InspectVerb
{
    public static readonly Argument<FileInfo[]> Files = new("FILE")
    {
        Description = "pcap, pcapng or .gz capture files (a folder: the capture files in it), decoded in order as one stream.",
        Arity = ArgumentArity.OneOrMore,
    };

    public static readonly Option<string> Format = new("--format")
    {
        Description = "jsonl (one observation per line), tsv (with a header), or summary (counters).",
        DefaultValueFactory = _ => "jsonl",
    };

    public static Command Create()
    {
        Format.AcceptOnlyFromAmong("jsonl", "tsv", "summary");
        Files.AcceptExistingOnly();
        var command = new Command("inspect", "Decode capture files and print the observations (DNS, TLS/QUIC SNI, HTTP Host, DHCP, flows) to stdout.")
        {
            Files,
            Format,
        };
        command.SetAction((parse, ct) => Task.Run(() => Run(parse, ct), ct));
        return command;
    }

    private static int Run(ParseResult parse, CancellationToken cancellationToken)
    {
        var output = parse.InvocationConfiguration.Output;
        var error = parse.InvocationConfiguration.Error;
        var paths = CaptureFileArguments.Expand(parse.GetRequiredValue(Files));
        var format = parse.GetRequiredValue(Format);
        var failed = false;
        void OnFileError(CaptureFileFormatException ex)
        {
            failed = true;
            error.WriteLine($"coppice-monitor: {ex.Message}");
        }

        void OnWarning(string warning) => error.WriteLine($"coppice-monitor: warning: {warning}");

        DecoderCounters counters;
        if (format == "summary")
        {
            counters = CaptureFileDecoder.DecodeFiles(paths, new CountingSink(), onFileError: OnFileError, cancellationToken: cancellationToken, onWarning: OnWarning);
            counters.WriteSummary(output);
        }
        else
        {
            var kind = format == "tsv" ? ObservationFormat.Tsv : ObservationFormat.Jsonl;
            // A large buffered writer: inspect of a big day prints millions of lines.
            using var stdout = new StreamWriter(Console.OpenStandardOutput(), new System.Text.UTF8Encoding(false), 1 << 16) { AutoFlush = false };
            var writer = output == Console.Out ? stdout : output;
            if (kind == ObservationFormat.Tsv)
            {
                writer.WriteLine(ObservationFormatter.TsvHeader);
            }

            using var formatter = new ObservationFormatter(writer, kind);
            counters = CaptureFileDecoder.DecodeFiles(paths, formatter, onFileError: OnFileError, cancellationToken: cancellationToken, onWarning: OnWarning);
            writer.Flush();
        }

        error.WriteLine($"inspect: {counters.Packets} packets, {counters.TotalObservations} observations, {counters.TotalMalformed} malformed");
        return failed ? ExitCodes.RuntimeFailure : ExitCodes.Success;
    }

    private sealed class CountingSink : IObservationSink
    {
        public void Write(in Observation observation)
        {
            // The decoder counts observations itself; summary needs nothing else.
        }
    }
}
