using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using CoppiceMonitor.Testing;

namespace CoppiceMonitor.Service.Tests.Verbs;

/// <summary>`accounts add|list|reset-2fa|disable` and `portal` as processes against a real PostgreSQL.</summary>
public sealed class PortalVerbsTests : IClassFixture<PostgresCluster>, IAsyncLifetime, IDisposable
{
    private readonly PostgresCluster _cluster;
    private readonly TempFolder _folder = new();
    private string[] _common = [];

    public PortalVerbsTests(PostgresCluster cluster) => _cluster = cluster;

    public async Task InitializeAsync()
    {
        var connectionString = await _cluster.CreateDatabaseAsync("portalverbs");
        var settings = _folder.Write("settings.json", """{ "Schools": [ { "Id": "coppice", "Timetable": { "Directed": [ "09:00-10:00" ] } } ] }""");
        _common = ["--config", settings, "--set", $"ConnectionStrings:Coppice={connectionString}", "--set", $"Service:DataFolder={_folder.Path}/data"];
        var staff = _folder.Write("staff.csv", "staff_id,display_name,email,line_manager_id,roles\nhead,Hana Head,head@coppice.sch.uk,,headteacher;line-manager\n");
        var imported = await CoppiceProcess.RunAsync(["staff", "import", staff, .. _common]);
        Assert.True(imported.ExitCode == 0, imported.ToString());
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Accounts_AddReadsThePasswordFromStandardInput_ListResetDisable()
    {
        var empty = await CoppiceProcess.RunAsync(["accounts", "add", "head@coppice.sch.uk", .. _common]);
        Assert.True(empty.ExitCode == 2, empty.ToString());
        Assert.Contains("standard input", empty.Stderr, StringComparison.Ordinal);

        var unknown = await RunWithInputAsync("a long enough password\n", "accounts", "add", "nobody@coppice.sch.uk");
        Assert.True(unknown.ExitCode == 1, unknown.ToString());
        Assert.Contains("staff registry", unknown.Stderr, StringComparison.Ordinal);

        var added = await RunWithInputAsync("a long enough password\n", "accounts", "add", "HEAD@coppice.sch.uk");
        Assert.True(added.ExitCode == 0, added.ToString());
        Assert.DoesNotContain("a long enough password", added.Stdout + added.Stderr, StringComparison.Ordinal);

        var list = await CoppiceProcess.RunAsync(["accounts", "list", .. _common]);
        Assert.Contains("head@coppice.sch.uk\tcoppice\thead\tline-manager;headteacher\toff\tactive", list.Stdout, StringComparison.Ordinal);

        Assert.Equal(0, (await CoppiceProcess.RunAsync(["accounts", "reset-2fa", "head@coppice.sch.uk", .. _common])).ExitCode);
        Assert.Equal(0, (await CoppiceProcess.RunAsync(["accounts", "disable", "head@coppice.sch.uk", .. _common])).ExitCode);
        Assert.Contains("\tdisabled", (await CoppiceProcess.RunAsync(["accounts", "list", .. _common])).Stdout, StringComparison.Ordinal);
        Assert.Equal(1, (await CoppiceProcess.RunAsync(["accounts", "disable", "nobody@coppice.sch.uk", .. _common])).ExitCode);
    }

    [Fact]
    public async Task Portal_ServesHealthOverHttpsWithAGeneratedCertificate()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        using var process = Process.Start(CoppiceProcess.StartInfo(["portal", .. _common, "--set", $"Portal:Urls:0=https://127.0.0.1:{port}"]))!;
        try
        {
            using var http = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, c, _, _) => c is not null });
            string? body = null;
            for (var i = 0; i < 120 && body is null && !process.HasExited; i++)
            {
                try
                {
                    body = await http.GetStringAsync(new Uri($"https://127.0.0.1:{port}/health"));
                }
                catch (HttpRequestException)
                {
                    await Task.Delay(500);
                }
            }

            Assert.True(body is not null, process.HasExited ? await process.StandardError.ReadToEndAsync() : "portal did not answer");
            Assert.StartsWith("ok", body, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(_folder.Path, "data", "portal", "portal-selfsigned.pfx")));
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    private async Task<ProcessResult> RunWithInputAsync(string input, params string[] args)
    {
        using var process = Process.Start(CoppiceProcess.StartInfo([.. args, .. _common]))!;
        await process.StandardInput.WriteAsync(input);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return new ProcessResult(process.ExitCode, await stdout, await stderr);
    }
}
