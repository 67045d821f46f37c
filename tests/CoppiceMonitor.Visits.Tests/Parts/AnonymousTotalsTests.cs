namespace CoppiceMonitor.Visits.Tests.Parts;

public class AnonymousTotalsTests
{
    private static readonly SchoolCalendar Calendar = SchoolCalendar.Create(TestData.DefaultSchool());

    [Fact]
    public void MinutesOfOneLocalDay_SummedPerServiceAndKind_DevicesCountedOnce()
    {
        var totals = new AnonymousTotals(Calendar, TimeSpan.FromMinutes(10));
        var at = new DateTime(2026, 11, 24, 12, 0, 0, DateTimeKind.Utc);
        totals.AddMinute(at, "TikTok", "SocialMedia", DeviceKind.Pupil, "tablet-1");
        totals.AddMinute(at.AddMinutes(1), "TikTok", "SocialMedia", DeviceKind.Pupil, "tablet-1");
        totals.AddMinute(at.AddMinutes(1), "TikTok", "SocialMedia", DeviceKind.Pupil, "tablet-2");
        totals.AddMinute(at, "YouTube", "Video", null, "unknown-1");
        var sink = new RecordingSink();

        Assert.Equal(2, totals.EmitSettledDays(sink, at.AddHours(1), all: true));

        Assert.Equal(
            [new AnonymousUsage("coppice-primary", new DateOnly(2026, 11, 24), "TikTok", "SocialMedia", DeviceKind.Pupil, 180, 2),
             new AnonymousUsage("coppice-primary", new DateOnly(2026, 11, 24), "YouTube", "Video", null, 60, 1)],
            sink.Anonymous);
        Assert.Equal(0, totals.Days);
    }

    [Fact]
    public void ADay_IsEmittedOnlyOnceItsEndPlusTheSettlingTimeHasPassed_LocalTime()
    {
        var totals = new AnonymousTotals(Calendar, TimeSpan.FromMinutes(10));
        // 23:30 UTC on 2 July is 00:30 on 3 July in London (BST): the local date decides.
        var lateEvening = new DateTime(2026, 7, 2, 23, 30, 0, DateTimeKind.Utc);
        totals.AddMinute(lateEvening, "TikTok", "SocialMedia", DeviceKind.Guest, "phone-1");
        var sink = new RecordingSink();
        var endOfLocalDay = new DateTime(2026, 7, 3, 23, 0, 0, DateTimeKind.Utc);

        Assert.Equal(0, totals.EmitSettledDays(sink, endOfLocalDay.AddMinutes(10), all: false));
        Assert.Equal(1, totals.EmitSettledDays(sink, endOfLocalDay.AddMinutes(11), all: false));

        Assert.Equal(new DateOnly(2026, 7, 3), Assert.Single(sink.Anonymous).LocalDate);
    }
}
