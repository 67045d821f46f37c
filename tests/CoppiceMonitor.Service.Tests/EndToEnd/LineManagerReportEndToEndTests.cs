using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using CoppiceMonitor.Reports;
using CoppiceMonitor.Service.Jobs;
using CoppiceMonitor.Service.Hosting;
using CoppiceMonitor.Service.Pipeline;
using CoppiceMonitor.Simulation;
using CoppiceMonitor.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using MimeKit;
using Quartz;

namespace CoppiceMonitor.Service.Tests.EndToEnd;

/// <summary>
/// Issue #6 acceptance: a generated school day is replayed by the real `coppice-monitor replay` into a real
/// PostgreSQL after the registry was imported with the real `staff import` / `devices import`; then the Service's
/// own scheduling composition (the one `run` uses) starts Quartz on that database with a fake clock just before
/// Monday 07:00, the clock passes the weekly cron firing, the real weekly job sends through real SMTP (the Testing
/// sink), and each line manager's message is checked against figures computed here from truth.json, devices.csv
/// and staff.csv without any product class.
/// </summary>
public sealed class LineManagerReportEndToEndTests : IClassFixture<PostgresCluster>, IAsyncLifetime, IDisposable
{
    // The simulated Wednesday and the Monday 07:00 (Europe/London, BST) firing that reports its week.
    private static readonly DateOnly Day = new(2026, 10, 14);
    private static readonly DateTimeOffset WeeklyFiringUtc = new(2026, 10, 19, 6, 0, 0, TimeSpan.Zero);

    // The policy's social-media list as truth.json marks it (isSocialMedia) is, in the catalogue's terms, these
    // categories (YouTube is Video, WhatsApp is Messaging); the product's default is SocialMedia alone, so the test
    // configures the reports to cover the whole list and checks below that truth agrees with this mapping.
    private static readonly string[] ReportCategories = ["SocialMedia", "Video", "Messaging"];

    private static readonly TimeZoneInfo London = TimeZoneInfo.FindSystemTimeZoneById("Europe/London");

    private readonly PostgresCluster _cluster;
    private readonly TempFolder _folder = new();
    private readonly SmtpSink _smtp = new();
    private string _connectionString = "";

    public LineManagerReportEndToEndTests(PostgresCluster cluster)
    {
        _cluster = cluster;
    }

    public async Task InitializeAsync()
    {
        await _smtp.InitializeAsync();
        _connectionString = await _cluster.CreateDatabaseAsync("e2e");
    }

    public async Task DisposeAsync() => await _smtp.DisposeAsync();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task WeeklyReportJob_ReplayedSchoolDay_EachManagerGetsOneMessageWithOwnTeamsExpectedMinutes()
    {
        // 1. A small school day: 12 staff (S001 head, S002/S003 line managers), 20 pupils.
        var summary = SchoolDaySimulator.Write(new SimulationOptions
        {
            Seed = 7,
            Staff = 12,
            Pupils = 20,
            Date = Day,
            OutputPcap = _folder.File("day/day.pcap"),
        });

        // The generator makes the headteacher the manager of the two line managers, HR and ICT. For exactly two line
        // managers with a team each, the head manages nobody, S002/S003 report to nobody, HR joins S002's team and ICT
        // S003's; everyone else keeps the generator's alternating assignment.
        var staff = ReadStaffCsv(summary.StaffCsvPath);
        var highlights = JsonDocument.Parse(File.ReadAllBytes(summary.TruthPath)).RootElement.GetProperty("highlights");
        var managers = highlights.GetProperty("lineManagerIds").EnumerateArray().Select(e => e.GetString()!).ToArray();
        Assert.Equal(["S002", "S003"], managers);
        var hr = highlights.GetProperty("hrId").GetString()!;
        var ict = highlights.GetProperty("ictId").GetString()!;
        var head = highlights.GetProperty("headteacherId").GetString()!;
        staff = staff.Select(s =>
            s.StaffId == head ? s with { LineManagerId = "", Roles = "headteacher" }
            : managers.Contains(s.StaffId) ? s with { LineManagerId = "" }
            : s.StaffId == hr ? s with { LineManagerId = managers[0] }
            : s.StaffId == ict ? s with { LineManagerId = managers[1] }
            : s).ToList();
        WriteStaffCsv(summary.StaffCsvPath, staff);
        var teams = managers.ToDictionary(m => m, m => staff.Where(s => s.LineManagerId == m).Select(s => s.StaffId).ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);
        Assert.All(teams.Values, t => Assert.True(t.Count >= 3, "each manager must have a team"));
        Assert.Equal(2, staff.Select(s => s.LineManagerId).Where(m => m.Length > 0).Distinct().Count());

        // 2. The product's verbs, as ICT runs them: import the registry, replay the capture into PostgreSQL.
        var settings = _folder.Write("settings.json", $$"""
            { "Schools": [ { "Id": "coppice-primary", "TimeZone": "Europe/London", "ExcessiveMinutesPerDay": 60,
                "Timetable": { "Directed": [ "08:50-10:30", "10:50-12:15", "13:15-15:20" ], "Breaks": [ "10:30-10:50", "12:15-13:15" ],
                               "NonDirected": [ "08:00-08:50", "15:20-17:30" ] },
                "PupilSubnets": [ "10.20.0.0/16" ], "GuestSubnets": [ "10.30.0.0/16" ] } ],
              "Reports": { "Categories": [ {{string.Join(", ", ReportCategories.Select(c => $"\"{c}\""))}} ],
                "Smtp": { "Host": "{{_smtp.Host}}", "Port": {{_smtp.Port}}, "Security": "None", "FromAddress": "monitor@coppice.example" } } }
            """);
        string[] common = ["--config", settings, "--set", $"ConnectionStrings:Coppice={_connectionString}", "--set", $"Service:DataFolder={_folder.Path}/data"];
        foreach (var args in new[]
                 {
                     new[] { "staff", "import", summary.StaffCsvPath },
                     ["devices", "import", summary.DevicesCsvPath],
                     ["replay", summary.PcapPath],
                 })
        {
            var result = await CoppiceProcess.RunAsync([.. args, .. common]);
            Assert.True(result.ExitCode == 0, result.ToString());
            if (args[0] == "replay")
            {
                Assert.Contains("channel_drops    0", result.Stdout, StringComparison.Ordinal);
                Assert.Contains("ingest_drops     0", result.Stdout, StringComparison.Ordinal);
            }
        }

        // 3. The scheduled jobs exactly as `run` composes them, on a clock 5 s before the weekly firing.
        var clock = new FakeTimeProvider(WeeklyFiringUtc.AddSeconds(-5));
        var fired = new TaskCompletionSource<IJobExecutionContext>(TaskCreationOptions.RunContinuationsAsynchronously);
        var builder = CoppiceHost.CreateBuilder(new GlobalSettings(settings,
            [$"ConnectionStrings:Coppice={_connectionString}", $"Service:DataFolder={_folder.Path}/data", "Scheduling:InstanceId=e2e"], Verbose: false), HostKind.Command);
        builder.Services.AddSingleton<TimeProvider>(clock);
        builder.Services.AddCoppiceReporting(builder.Configuration);
        builder.Services.AddCoppiceScheduling(builder.Configuration);
        builder.Services.AddQuartz(q => q.AddJobListener(new FiredListener(fired)));
        using (var host = builder.Build())
        {
            await host.StartAsync();
            try
            {
                // Quartz waits on its clock: move it past 07:00 a second at a time until the trigger fires, but
                // never past the 1-minute misfire threshold, so a slow scheduler start still sees an on-time firing.
                var deadline = DateTime.UtcNow.AddSeconds(90);
                while (!fired.Task.IsCompleted)
                {
                    Assert.True(DateTime.UtcNow < deadline, "the weekly report job did not fire");
                    if (clock.GetUtcNow() < WeeklyFiringUtc.AddSeconds(30))
                    {
                        clock.Advance(TimeSpan.FromSeconds(1));
                    }

                    await Task.WhenAny(fired.Task, Task.Delay(200));
                }
            }
            finally
            {
                await host.StopAsync();
            }
        }

        var context = await fired.Task;
        Assert.Equal(SchedulingServiceCollectionExtensions.WeeklyLineManagerKey, context.JobDetail.Key.Name);
        Assert.Equal(WeeklyFiringUtc, context.ScheduledFireTimeUtc);
        var deliveries = Assert.IsAssignableFrom<IReadOnlyList<ReportDeliveryResult>>(context.Result);
        Assert.Equal(managers, deliveries.Select(d => d.RecipientStaffId).Order(StringComparer.Ordinal));
        Assert.All(deliveries, d => Assert.Equal(ReportDeliveryOutcome.Sent, d.Outcome));
        Assert.Equal(new ReportPeriod(new DateOnly(2026, 10, 12), new DateOnly(2026, 10, 18)), deliveries[0].Period);

        // 4. Expected figures from truth, devices.csv and staff.csv only.
        var expected = ExpectedRows(summary.TruthPath, summary.DevicesCsvPath);
        var received = _smtp.Received;
        Assert.Equal(managers.Length, received.Count);
        var byId = staff.ToDictionary(s => s.StaffId, StringComparer.Ordinal);
        foreach (var manager in managers)
        {
            var email = byId[manager].Email;
            var message = Assert.Single(received, r => r.EnvelopeTo.Contains(email, StringComparer.OrdinalIgnoreCase));
            Assert.Equal([email], message.EnvelopeTo);
            Assert.Equal(email, Assert.Single(message.Message.To.Mailboxes).Address);

            var team = teams[manager];
            var expectedRows = expected.Where(r => team.Contains(r.StaffId)).Order().ToList();
            Assert.True(expectedRows.Select(r => r.StaffId).Distinct().Count() >= 2, $"{manager}'s team has too little use to test");
            var csv = CsvRows(message.Message);
            Assert.Equal(expectedRows, csv);

            // Everyone of the team with use is named; nobody of the other team (nor the other manager) appears in
            // any part of the message: HTML, text alternative, CSV attachment.
            var html = message.Message.HtmlBody;
            var text = message.Message.TextBody;
            var attachment = Encoding.UTF8.GetString(CsvBytes(message.Message));
            foreach (var person in expectedRows.Select(r => r.StaffId).Distinct())
            {
                Assert.Contains(byId[person].DisplayName, text, StringComparison.Ordinal);
                Assert.Contains(WebUtility.HtmlEncode(byId[person].DisplayName), html, StringComparison.Ordinal);
            }

            var other = managers.Single(m => m != manager);
            foreach (var outsider in teams[other].Append(other))
            {
                var person = byId[outsider];
                foreach (var part in new[] { html, text, attachment })
                {
                    Assert.DoesNotContain(outsider, part, StringComparison.Ordinal);
                    Assert.DoesNotContain(person.DisplayName, part, StringComparison.Ordinal);
                    Assert.DoesNotContain(WebUtility.HtmlEncode(person.DisplayName), part, StringComparison.Ordinal);
                    Assert.DoesNotContain(person.Email, part, StringComparison.OrdinalIgnoreCase);
                }
            }
        }
    }

    /// <summary>
    /// One row per person, service and local date: staff_id, service, date, and the minutes the report's CSV
    /// carries (total; directed, break, non-directed, outside hours by the default timetable; work use), as text
    /// in whole minutes like the CSV.
    /// </summary>
    private static List<ExpectedRow> ExpectedRows(string truthPath, string devicesCsvPath)
    {
        // Attribution as the registry says it: device -> staff member (staff devices only).
        var owner = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var fields in File.ReadLines(devicesCsvPath).Skip(1).Select(l => l.Split(',')))
        {
            if (fields[5] == "staff" && fields[1].Length > 0)
            {
                owner[fields[0]] = fields[1];
            }
        }

        // (staff, service, local date) -> distinct UTC minutes, and those of authorised work use (policy 5).
        var minutes = new Dictionary<(string Staff, string Service, DateOnly Date), (HashSet<DateTime> All, HashSet<DateTime> Work)>();
        using var truth = JsonDocument.Parse(File.ReadAllBytes(truthPath));
        foreach (var visit in truth.RootElement.GetProperty("visits").EnumerateArray())
        {
            var category = visit.GetProperty("category").GetString()!;
            var isSocial = visit.GetProperty("isSocialMedia").GetBoolean();
            Assert.True(isSocial == ReportCategories.Contains(category), $"truth marks {visit.GetProperty("service")} ({category}) isSocialMedia={isSocial}");
            if (!isSocial || !owner.TryGetValue(visit.GetProperty("deviceId").GetString()!, out var staffId))
            {
                continue;
            }

            var work = visit.GetProperty("isAuthorisedWorkUse").GetBoolean();
            foreach (var minute in visit.GetProperty("activeMinutesUtc").EnumerateArray().Select(m => m.GetDateTime().ToUniversalTime()))
            {
                var local = TimeZoneInfo.ConvertTimeFromUtc(minute, London);
                var key = (staffId, visit.GetProperty("service").GetString()!, DateOnly.FromDateTime(local));
                if (!minutes.TryGetValue(key, out var sets))
                {
                    minutes[key] = sets = ([], []);
                }

                sets.All.Add(minute);
                if (work)
                {
                    sets.Work.Add(minute);
                }
            }
        }

        // A person's minutes are the distinct minutes of use of that service over all their devices. (The product
        // sums its per-device visits, so a seed where one person used a service on two devices in the same minute
        // would count that minute twice there; this day has no such overlap, and a future one would fail here.)
        return minutes.Select(p =>
        {
            var buckets = p.Value.All.GroupBy(m => Bucket(TimeOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(m, London)))).ToDictionary(g => g.Key, g => g.Count());
            return new ExpectedRow(p.Key.Staff, p.Key.Service, p.Key.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                Minutes(p.Value.All.Count), Minutes(buckets.GetValueOrDefault("directed")), Minutes(buckets.GetValueOrDefault("break")),
                Minutes(buckets.GetValueOrDefault("non-directed")), Minutes(buckets.GetValueOrDefault("outside")), Minutes(p.Value.Work.Count));
        }).ToList();
    }

    // The default timetable (CONTRACTS.md) on a term day, by the local start of each whole minute of use.
    private static string Bucket(TimeOnly t)
    {
        static bool In(TimeOnly t, string from, string to) => t >= TimeOnly.Parse(from, CultureInfo.InvariantCulture) && t < TimeOnly.Parse(to, CultureInfo.InvariantCulture);
        if (In(t, "08:50", "10:30") || In(t, "10:50", "12:15") || In(t, "13:15", "15:20"))
        {
            return "directed";
        }

        if (In(t, "10:30", "10:50") || In(t, "12:15", "13:15"))
        {
            return "break";
        }

        return In(t, "08:00", "08:50") || In(t, "15:20", "17:30") ? "non-directed" : "outside";
    }

    // The CSV carries whole minutes, as the email shows them (issue 12).
    private static string Minutes(int count) => count.ToString("0", CultureInfo.InvariantCulture);

    private static byte[] CsvBytes(MimeMessage message)
    {
        var part = Assert.Single(message.Attachments.OfType<MimePart>(), a => a.FileName == "usage.csv");
        Assert.NotNull(part.Content);
        using var stream = new MemoryStream();
        part.Content.DecodeTo(stream);
        return stream.ToArray();
    }

    private static List<ExpectedRow> CsvRows(MimeMessage message)
    {
        var lines = Encoding.UTF8.GetString(CsvBytes(message)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("staff_id,staff_name,service,date,minutes_total,minutes_directed,minutes_break,minutes_non_directed,minutes_outside_hours,minutes_work_use", lines[0]);
        return lines.Skip(1).Select(line =>
        {
            var f = ParseCsvLine(line);
            Assert.Equal(10, f.Count);
            Assert.False(string.IsNullOrWhiteSpace(f[1]), $"no staff_name for {f[0]}");
            return new ExpectedRow(f[0], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9]);
        }).Order().ToList();
    }

    // RFC 4180 fields of one line (no embedded line breaks in this CSV).
    private static List<string> ParseCsvLine(string line)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else
            {
                field.Append(c);
            }
        }

        fields.Add(field.ToString());
        return fields;
    }

    private static List<StaffRow> ReadStaffCsv(string path)
    {
        var lines = File.ReadAllLines(path);
        Assert.Equal("staff_id,display_name,email,line_manager_id,roles", lines[0]);
        Assert.DoesNotContain(lines, l => l.Contains('"', StringComparison.Ordinal));
        return lines.Skip(1).Select(l => l.Split(',')).Select(f => new StaffRow(f[0], f[1], f[2], f[3], f[4])).ToList();
    }

    private static void WriteStaffCsv(string path, IEnumerable<StaffRow> staff) =>
        File.WriteAllLines(path, staff.Select(s => $"{s.StaffId},{s.DisplayName},{s.Email},{s.LineManagerId},{s.Roles}")
            .Prepend("staff_id,display_name,email,line_manager_id,roles"));

    private sealed record StaffRow(string StaffId, string DisplayName, string Email, string LineManagerId, string Roles);

    private sealed record ExpectedRow(string StaffId, string Service, string Date, string Total, string Directed, string Break,
        string NonDirected, string OutsideHours, string WorkUse) : IComparable<ExpectedRow>
    {
        public int CompareTo(ExpectedRow? other) => other is null ? 1
            : string.CompareOrdinal($"{StaffId}|{Service}|{Date}", $"{other.StaffId}|{other.Service}|{other.Date}");
    }

    private sealed class FiredListener(TaskCompletionSource<IJobExecutionContext> fired) : IJobListener
    {
        public string Name => "e2e-weekly";

        public ValueTask JobToBeExecuted(IJobExecutionContext context, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public ValueTask JobExecutionVetoed(IJobExecutionContext context, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public ValueTask JobWasExecuted(IJobExecutionContext context, JobExecutionException? jobException, CancellationToken cancellationToken = default)
        {
            if (context.JobDetail.Key.Name == SchedulingServiceCollectionExtensions.WeeklyLineManagerKey)
            {
                if (jobException is null)
                {
                    fired.TrySetResult(context);
                }
                else
                {
                    fired.TrySetException(jobException);
                }
            }

            return ValueTask.CompletedTask;
        }
    }
}
