using System.Globalization;
using System.Text.Json;
using CoppiceMonitor.Testing;
using Npgsql;

namespace CoppiceMonitor.Service.Tests.EndToEnd;

/// <summary>
/// Issue #12 (policy 11, fair figures) through the real executable: `simulate` writes a day whose truth.json states
/// the fair minutes (news pages with a like button from www.facebook.com and a preconnect to www.youtube.com beside
/// the head's own Facebook visit; a push channel, a tab left open with keep-alives, an app's background refresh on
/// a phone on a charger, a prefetch), `staff import`, `devices import` and `replay` store it, and the stored visits
/// must give each person exactly the truth's minutes per service: none from the background, none from the embeds.
/// </summary>
public sealed class FairMinutesEndToEndTests : IClassFixture<PostgresCluster>, IAsyncLifetime, IDisposable
{
    private readonly PostgresCluster _cluster;
    private readonly TempFolder _folder = new();
    private string _connectionString = "";

    public FairMinutesEndToEndTests(PostgresCluster cluster)
    {
        _cluster = cluster;
    }

    public async Task InitializeAsync() => _connectionString = await _cluster.CreateDatabaseAsync("fair");

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task ReplayedDay_EveryPersonsMinutesPerServiceEqualTheTruthsFairMinutes_BackgroundAndEmbedsAddNone()
    {
        var pcap = _folder.File("day/day.pcap");
        var simulate = await CoppiceProcess.RunAsync("simulate", "--out", pcap, "--seed", "7", "--staff", "12", "--pupils", "20", "--date", "2026-10-14");
        Assert.True(simulate.ExitCode == 0, simulate.ToString());
        var folder = Path.GetDirectoryName(pcap)!;
        var settings = _folder.Write("settings.json", """
            { "Schools": [ { "Id": "coppice-primary", "TimeZone": "Europe/London",
                "Timetable": { "Directed": [ "08:50-10:30", "10:50-12:15", "13:15-15:20" ], "Breaks": [ "10:30-10:50", "12:15-13:15" ],
                               "NonDirected": [ "08:00-08:50", "15:20-17:30" ] },
                "PupilSubnets": [ "10.20.0.0/16" ], "GuestSubnets": [ "10.30.0.0/16" ] } ] }
            """);
        string[] common = ["--config", settings, "--set", $"ConnectionStrings:Coppice={_connectionString}", "--set", $"Service:DataFolder={_folder.Path}/data"];
        foreach (var args in new[]
                 {
                     new[] { "staff", "import", Path.Combine(folder, "staff.csv") },
                     ["devices", "import", Path.Combine(folder, "devices.csv")],
                     ["replay", pcap],
                 })
        {
            var result = await CoppiceProcess.RunAsync([.. args, .. common]);
            Assert.True(result.ExitCode == 0, result.ToString());
        }

        using var truth = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(folder, "truth.json")));
        var root = truth.RootElement;
        var owner = StaffDevices(Path.Combine(folder, "devices.csv"));
        var expected = ExpectedMinutes(root, owner);
        var stored = await StoredMinutesAsync();

        // The day holds every case this test is about, so it cannot pass vacuously.
        var background = root.GetProperty("background").EnumerateArray().ToList();
        Assert.Equal(["background-refresh", "idle-tab", "prefetch", "push-channel"],
            background.Select(b => b.GetProperty("scenario").GetString()).Order(StringComparer.Ordinal));
        Assert.All(background, b => Assert.Equal(0, b.GetProperty("fairMinutes").GetInt32()));
        Assert.All(background, b => Assert.True(b.GetProperty("payloadMinutes").GetInt32() > 0));
        var roles = root.GetProperty("visits").EnumerateArray()
            .SelectMany(v => v.GetProperty("connections").EnumerateArray().Select(c => c.GetProperty("role").GetString()))
            .ToHashSet(StringComparer.Ordinal);
        Assert.Contains("FirstPartyEmbed", roles);
        Assert.Contains("Preconnect", roles);
        var head = root.GetProperty("highlights").GetProperty("headteacherId").GetString()!;
        Assert.True(expected.GetValueOrDefault((head, "Facebook")) > 0, "the head's own Facebook visit is in the day");

        // Exact per person and service: no minute too many (policy 11) and none lost.
        Assert.Equal(
            expected.OrderBy(p => p.Key).Select(p => $"{p.Key.Staff} {p.Key.Service} {p.Value}"),
            stored.Minutes.OrderBy(p => p.Key).Select(p => $"{p.Key.Staff} {p.Key.Service} {p.Value}"));
        Assert.Empty(stored.NotWholeMinutes);

        // The background's own services: nothing beyond the truth's visits of them.
        foreach (var b in background)
        {
            var staff = b.GetProperty("staffId").GetString()!;
            var service = b.GetProperty("service").GetString()!;
            Assert.Equal(expected.GetValueOrDefault((staff, service)), stored.Minutes.GetValueOrDefault((staff, service)));
        }
    }

    private static Dictionary<string, string> StaffDevices(string devicesCsv)
    {
        var owner = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var fields in File.ReadLines(devicesCsv).Skip(1).Select(l => l.Split(',')))
        {
            if (fields[5] == "staff" && fields[1].Length > 0)
            {
                owner[fields[0]] = fields[1];
            }
        }

        return owner;
    }

    /// <summary>(staff, service) -> the truth's distinct minutes of use, per device summed (as the product stores visits per device).</summary>
    private static Dictionary<(string Staff, string Service), int> ExpectedMinutes(JsonElement root, Dictionary<string, string> owner)
    {
        var minutes = new Dictionary<(string Staff, string Device, string Service), HashSet<DateTime>>();
        foreach (var visit in root.GetProperty("visits").EnumerateArray())
        {
            var device = visit.GetProperty("deviceId").GetString()!;
            if (!owner.TryGetValue(device, out var staff))
            {
                continue;
            }

            // Special categories (policy 10.3) are stored as the category alone.
            var service = visit.GetProperty("isSpecialCategory").GetBoolean()
                ? visit.GetProperty("category").GetString()!
                : visit.GetProperty("service").GetString()!;
            var key = (staff, device, service);
            if (!minutes.TryGetValue(key, out var set))
            {
                minutes[key] = set = [];
            }

            set.UnionWith(visit.GetProperty("activeMinutesUtc").EnumerateArray().Select(m => m.GetDateTime().ToUniversalTime()));
        }

        return minutes.GroupBy(p => (p.Key.Staff, p.Key.Service)).ToDictionary(g => g.Key, g => g.Sum(p => p.Value.Count));
    }

    private async Task<(Dictionary<(string Staff, string Service), int> Minutes, List<string> NotWholeMinutes)> StoredMinutesAsync()
    {
        var minutes = new Dictionary<(string Staff, string Service), int>();
        var notWhole = new List<string>();
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT staff_id, service, active_seconds FROM visits", connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var key = (reader.GetString(0), reader.GetString(1));
            var seconds = reader.GetInt32(2);
            if (seconds % 60 != 0)
            {
                notWhole.Add(string.Create(CultureInfo.InvariantCulture, $"{key} {seconds}s"));
            }

            minutes[key] = minutes.GetValueOrDefault(key) + (seconds / 60);
        }

        return (minutes, notWhole);
    }
}
