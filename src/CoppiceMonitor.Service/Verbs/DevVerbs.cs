using System.Buffers;
using System.CommandLine;
using CoppiceMonitor.Service.Cli;
using CoppiceMonitor.Storage;
using Microsoft.Extensions.DependencyInjection;
using SmtpServer;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace CoppiceMonitor.Service.Verbs;

/// <summary>Hidden developer verbs used by the demo: a local SMTP sink that writes each message to an .eml file.</summary>
public static class DevVerbs
{
    public static Command Create()
    {
        var dev = new Command("dev", "Developer tools used by deploy/dev/demo.sh.") { Hidden = true };
        var port = new Option<int>("--port") { Description = "Loopback port to listen on.", DefaultValueFactory = _ => 2525 };
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder that receives one .eml file per message.", Required = true };
        var sink = new Command("smtp-sink", "Accept mail on 127.0.0.1:PORT and write each message to DIR as an .eml file, until stopped.")
        {
            port,
            output,
        };
        port.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 65535)
            {
                r.AddError("--port must be between 1 and 65535.");
            }
        });
        sink.SetAction((parse, ct) => RunSmtpSinkAsync(parse.GetValue(port), parse.GetRequiredValue(output), parse.InvocationConfiguration.Output, ct));
        dev.Subcommands.Add(sink);

        var visitsOut = new Option<FileInfo>("--out") { Description = "TSV file to write.", Required = true };
        var export = new Command("export-visits", "Write every stored visit of the school as TSV (staff_id, device_id, service, category, start_utc, end_utc, active_seconds, is_work_use), for comparing the demo with the simulation's truth.")
        {
            visitsOut,
        };
        export.SetAction((parse, ct) => DatabaseVerb.RunAsync(parse, (db, token) => ExportVisitsAsync(db, parse.GetRequiredValue(visitsOut), token), ct));
        dev.Subcommands.Add(export);
        return dev;
    }

    private static async Task<int> RunSmtpSinkAsync(int port, DirectoryInfo folder, TextWriter output, CancellationToken cancellationToken)
    {
        folder.Create();
        var options = new SmtpServerOptionsBuilder()
            .ServerName("coppice-dev-sink")
            .Endpoint(b => b.Endpoint(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, port)))
            .Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(new EmlFileStore(folder.FullName));
        var server = new SmtpServer.SmtpServer(options, services);
        await output.WriteLineAsync($"smtp-sink: listening on 127.0.0.1:{port}, writing to {folder.FullName}").ConfigureAwait(false);
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await server.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping is this verb's normal end.
        }

        return ExitCodes.Success;
    }

    private static async Task<int> ExportVisitsAsync(DatabaseContext db, FileInfo file, CancellationToken cancellationToken)
    {
        var admin = db.Services.GetRequiredService<CoppiceDataSources>().Admin;
        var writer = new StreamWriter(file.FullName);
        await using (writer.ConfigureAwait(false))
        {
            await writer.WriteLineAsync("staff_id\tdevice_id\tservice\tcategory\tstart_utc\tend_utc\tactive_seconds\tis_work_use").ConfigureAwait(false);
            var rows = 0;
            await foreach (var v in VisitExport.ReadAllAsync(admin, db.SchoolId, cancellationToken).ConfigureAwait(false))
            {
                await writer.WriteLineAsync(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"{v.StaffId}\t{v.DeviceId}\t{v.Service}\t{v.Category}\t{v.StartUtc:O}\t{v.EndUtc:O}\t{v.ActiveSeconds}\t{(v.IsWorkUse ? 1 : 0)}")).ConfigureAwait(false);
                rows++;
            }

            await db.Output.WriteLineAsync($"export-visits: {rows} visits written to {file.FullName}").ConfigureAwait(false);
        }

        return ExitCodes.Success;
    }

    private sealed class EmlFileStore(string folder) : MessageStore
    {
        private int _count;

        public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            var n = Interlocked.Increment(ref _count);
            var path = Path.Combine(folder, $"{TimeProvider.System.GetUtcNow():yyyyMMddTHHmmssfff}-{Environment.ProcessId}-{n:D5}.eml");
            var temporary = path + ".part";
            var stream = File.Create(temporary);
            await using (stream.ConfigureAwait(false))
            {
                foreach (var segment in buffer)
                {
                    await stream.WriteAsync(segment, cancellationToken).ConfigureAwait(false);
                }
            }

            // Rename last so a reader never sees half a message.
            File.Move(temporary, path);
            return SmtpResponse.Ok;
        }
    }
}
