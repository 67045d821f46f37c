using System.Diagnostics;
using System.Globalization;
using CoppiceMonitor.Testing;
using Npgsql;

namespace CoppiceMonitor.Service.Tests.LiveCapture;

/// <summary>
/// The real service captures on a veth in a private lab: a client namespace takes an address by DHCP (dnsmasq),
/// looks names up and opens TLS connections with social-media SNI names to an openssl server; the registered staff
/// device must get the right visits in PostgreSQL, and the DHCP lease must be learnt from the wire.
/// </summary>
public sealed class LiveCaptureTests : IClassFixture<PostgresCluster>
{
    private const string ClientMac = "02:00:00:c0:ff:ee";
    private readonly PostgresCluster _cluster;

    public LiveCaptureTests(PostgresCluster cluster)
    {
        _cluster = cluster;
    }

    [NetnsFact]
    public async Task Run_CapturesLabTraffic_StaffDeviceGetsInstagramAndTikTokVisits()
    {
        var connectionString = await _cluster.CreateDatabaseAsync("live");
        using var folder = new TempFolder();
        var settings = folder.Write("settings.json", """
            { "Schools": [ { "Id": "lab-school", "TimeZone": "Europe/London",
                "Timetable": { "Directed": [ "00:00-23:59" ] } } ] }
            """);
        folder.Write("staff.csv", "staff_id,display_name,email,line_manager_id,roles\nS900,Lab Head,head@lab.example,,headteacher;line-manager\nS901,Lab Teacher,teacher@lab.example,S900,\n");
        folder.Write("devices.csv", $"device_id,staff_id,mac,hostname,static_ip,kind,authorised_services\nS901-LT,S901,{ClientMac},lab-laptop,,staff,\n");
        string[] common = ["--config", settings, "--set", $"ConnectionStrings:Coppice={connectionString}", "--set", $"Service:DataFolder={folder.Path}/data"];

        var staff = await CoppiceProcess.RunAsync(["staff", "import", folder.File("staff.csv"), .. common]);
        Assert.True(staff.ExitCode == 0, staff.ToString());
        var devices = await CoppiceProcess.RunAsync(["devices", "import", folder.File("devices.csv"), .. common]);
        Assert.True(devices.ExitCode == 0, devices.ToString());

        using var lab = new NetnsLab(ClientMac);
        using var service = Process.Start(CoppiceProcess.StartInfo(["run", .. common,
            "--set", $"Capture:Interfaces:0={lab.CaptureInterface}", "--set", "Service:FlushIntervalSeconds=1", "--set", "Reports:Delivery=Folder"]))!;
        var stderr = new System.Text.StringBuilder();
        var captureStarted = new TaskCompletionSource();
        service.ErrorDataReceived += (_, e) =>
        {
            lock (stderr)
            {
                stderr.AppendLine(e.Data);
            }

            if (e.Data?.Contains("Capture started on", StringComparison.Ordinal) == true)
            {
                captureStarted.TrySetResult();
            }
        };
        service.BeginErrorReadLine();
        var stdout = service.StandardOutput.ReadToEndAsync();
        try
        {
            // Fail fast (with the service's own message) if it exits instead of starting capture.
            await Task.WhenAny(captureStarted.Task, service.WaitForExitAsync()).WaitAsync(TimeSpan.FromSeconds(120));
            Assert.True(captureStarted.Task.IsCompleted, $"service did not start capturing:\n{stderr}");
            await Task.Delay(500);
            var leased = lab.Run("dhcp", "lab-laptop").Trim().Split('\n')[^1];
            Assert.StartsWith("10.199.0.", leased, StringComparison.Ordinal);
            lab.Run("traffic");
            await Task.Delay(1000);
        }
        finally
        {
            // SIGTERM: the graceful stop drains capture -> visits -> ingest before exiting.
            using (var kill = Process.Start("kill", ["-TERM", service.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            if (!service.WaitForExit(90_000))
            {
                service.Kill(entireProcessTree: true);
            }
        }

        await stdout;
        Assert.True(service.ExitCode == 0, $"exit {service.ExitCode}\n{stderr}");

        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var visits = new Dictionary<string, (string Staff, string Device, int Active)>(StringComparer.Ordinal);
        await using (var command = dataSource.CreateCommand("SELECT service, staff_id, device_id, active_seconds FROM visits WHERE school_id = 'lab-school'"))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                visits[reader.GetString(0)] = (reader.GetString(1), reader.GetString(2), reader.GetInt32(3));
            }
        }

        Assert.True(visits.ContainsKey("Instagram"), $"visits: {string.Join(", ", visits.Keys)}\n{stderr}");
        Assert.True(visits.ContainsKey("TikTok"), $"visits: {string.Join(", ", visits.Keys)}");
        Assert.All(visits.Values, v => Assert.Equal(("S901", "S901-LT"), (v.Staff, v.Device)));
        Assert.True(visits["Instagram"].Active > 0);

        // The lease was learnt from the DHCP exchange on the wire, with the address the client actually got.
        await using var lease = dataSource.CreateCommand(
            "SELECT count(*) FROM observations WHERE kind = @kind AND client_mac = @mac::macaddr AND detail::text LIKE @address");
        lease.Parameters.AddWithValue("kind", (short)CoppiceMonitor.Capture.ObservationKind.DhcpLease);
        lease.Parameters.AddWithValue("mac", ClientMac);
        lease.Parameters.AddWithValue("address", "%" + File.ReadAllText(Path.Combine(lab.Folder, "client.ip")).Trim() + "%");
        Assert.True((long)(await lease.ExecuteScalarAsync())! > 0, "no DHCP observation with the leased address");

        // And the DNS lookups of the social-media names were recorded.
        await using var dns = dataSource.CreateCommand("SELECT count(*) FROM observations WHERE name = 'www.instagram.com'");
        Assert.True((long)(await dns.ExecuteScalarAsync())! > 0);
    }
}
