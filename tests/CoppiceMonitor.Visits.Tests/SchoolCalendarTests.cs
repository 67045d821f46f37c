using static CoppiceMonitor.Visits.Tests.TestData;

namespace CoppiceMonitor.Visits.Tests;

public class SchoolCalendarTests
{
    private static readonly SchoolCalendar Default = SchoolCalendar.Create(DefaultSchool());

    [Theory]
    [InlineData(7, 59, TimeBucket.OutsideHours)]
    [InlineData(8, 0, TimeBucket.NonDirected)]
    [InlineData(8, 50, TimeBucket.Directed)]
    [InlineData(10, 29, TimeBucket.Directed)]
    [InlineData(10, 30, TimeBucket.Break)]
    [InlineData(10, 50, TimeBucket.Directed)]
    [InlineData(12, 15, TimeBucket.Break)]
    [InlineData(13, 15, TimeBucket.Directed)]
    [InlineData(15, 20, TimeBucket.NonDirected)]
    [InlineData(17, 30, TimeBucket.OutsideHours)]
    public void Classify_TermWeekdayInWinter_Timetable(int hour, int minute, TimeBucket expected)
    {
        // Tuesday 24 November 2026: in term, GMT (local = UTC).
        Assert.Equal(expected, Default.Classify(Utc(2026, 11, 24, hour, minute)));
    }

    [Fact]
    public void Classify_MinutesSharingACacheSlotAlternately_EachKeepsItsOwnBucketAndDate()
    {
        // The calendar caches per UTC minute in 4096 slots: these two minutes share a slot and must not see each
        // other's entry. Tuesday 09:00 is directed time; 4096 minutes later is Friday 05:16 (an INSET closure).
        var calendar = SchoolCalendar.Create(DefaultSchool());
        var tuesday = Utc(2026, 11, 24, 9, 0);
        var friday = tuesday.AddMinutes(4096);
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(TimeBucket.Directed, calendar.Classify(tuesday));
            Assert.Equal(new DateOnly(2026, 11, 24), calendar.LocalDate(tuesday.AddSeconds(30)));
            Assert.Equal(TimeBucket.OutsideHours, calendar.Classify(friday));
            Assert.Equal(new DateOnly(2026, 11, 27), calendar.LocalDate(friday));
        }

        // BST: 23:30 UTC is already the next local day, on a cached and an uncached pass alike.
        var lateSummer = Utc(2026, 9, 16, 23, 30);
        Assert.Equal(new DateOnly(2026, 9, 17), calendar.LocalDate(lateSummer));
        Assert.Equal(new DateOnly(2026, 9, 17), calendar.LocalDate(lateSummer));
    }

    [Fact]
    public void Classify_SummerTime_LocalTimetableIsOneHourEarlierInUtc()
    {
        // Wednesday 16 September 2026 is BST: 08:50 local = 07:50 UTC.
        Assert.Equal(TimeBucket.NonDirected, Default.Classify(Utc(2026, 9, 16, 7, 49)));
        Assert.Equal(TimeBucket.Directed, Default.Classify(Utc(2026, 9, 16, 7, 50)));
        Assert.Equal(TimeBucket.Break, Default.Classify(Utc(2026, 9, 16, 9, 30)));
    }

    [Theory]
    [InlineData(2026, 11, 28)] // Saturday
    [InlineData(2026, 11, 29)] // Sunday
    [InlineData(2026, 11, 27)] // INSET closure
    [InlineData(2026, 10, 27)] // half term (between terms)
    [InlineData(2027, 7, 20)]  // after the last term
    public void Classify_WeekendClosureOrOutsideTerm_OutsideHours(int year, int month, int day)
    {
        Assert.Equal(TimeBucket.OutsideHours, Default.Classify(Utc(year, month, day, 11, 0)));
    }

    [Fact]
    public void Classify_FridayOverride_ReplacesOnlyThatList()
    {
        var calendar = SchoolCalendar.Create(DefaultSchool(s =>
            s.Timetable.Friday = new DayTimetableOptions { Directed = ["08:50-10:30", "10:50-12:15", "13:15-14:30"], NonDirected = ["08:00-08:50", "14:30-16:00"] }));

        // Friday 20 November 2026.
        Assert.Equal(TimeBucket.NonDirected, calendar.Classify(Utc(2026, 11, 20, 14, 45)));
        Assert.Equal(TimeBucket.OutsideHours, calendar.Classify(Utc(2026, 11, 20, 16, 30)));
        Assert.Equal(TimeBucket.Break, calendar.Classify(Utc(2026, 11, 20, 12, 30)));
        // Thursday keeps the default.
        Assert.Equal(TimeBucket.Directed, calendar.Classify(Utc(2026, 11, 19, 14, 45)));
    }

    [Fact]
    public void Split_VisitAcrossEndOfMorningBreak_BreakThenDirected()
    {
        var split = Default.Split(Utc(2026, 11, 24, 10, 40), Utc(2026, 11, 24, 11, 0));

        Assert.Equal(TimeSpan.FromMinutes(10), split.Break);
        Assert.Equal(TimeSpan.FromMinutes(10), split.Directed);
        Assert.Equal(TimeSpan.Zero, split.NonDirected + split.OutsideHours);
    }

    [Fact]
    public void Split_LastSundayOfMarch_DayHas23HoursAndMondayStartsAnHourEarlierInUtc()
    {
        var calendar = SchoolCalendar.Create(DefaultSchool(s => s.Terms.Add("2027-03-01..2027-03-31")));
        var sunday = new DateOnly(2027, 3, 28);

        var start = calendar.StartOfLocalDayUtc(sunday);
        var end = calendar.StartOfLocalDayUtc(sunday.AddDays(1));
        var split = calendar.Split(start, end);

        Assert.Equal(TimeSpan.FromHours(23), end - start);
        Assert.Equal(TimeSpan.FromHours(23), split.OutsideHours);
        // Saturday 08:50 was 08:50 UTC; Monday 29 March 08:50 BST is 07:50 UTC.
        Assert.Equal(TimeBucket.NonDirected, calendar.Classify(Utc(2027, 3, 26, 8, 49)));
        Assert.Equal(TimeBucket.Directed, calendar.Classify(Utc(2027, 3, 29, 7, 50)));
        Assert.Equal(TimeBucket.NonDirected, calendar.Classify(Utc(2027, 3, 29, 7, 49)));
    }

    [Fact]
    public void Split_LastSundayOfOctober_DayHas25HoursAndMondayStartsAnHourLaterInUtc()
    {
        var calendar = SchoolCalendar.Create(DefaultSchool(s => s.Terms.Add("2026-10-26..2026-10-30")));
        var sunday = new DateOnly(2026, 10, 25);

        var start = calendar.StartOfLocalDayUtc(sunday);
        var end = calendar.StartOfLocalDayUtc(sunday.AddDays(1));

        Assert.Equal(TimeSpan.FromHours(25), end - start);
        Assert.Equal(TimeSpan.FromHours(25), calendar.Split(start, end).OutsideHours);
        // Friday 23 October 08:50 BST was 07:50 UTC; Monday 26 October 08:50 GMT is 08:50 UTC.
        Assert.Equal(TimeBucket.Directed, calendar.Classify(Utc(2026, 10, 23, 7, 50)));
        Assert.Equal(TimeBucket.NonDirected, calendar.Classify(Utc(2026, 10, 26, 8, 49)));
        Assert.Equal(TimeBucket.Directed, calendar.Classify(Utc(2026, 10, 26, 8, 50)));
    }

    [Fact]
    public void Split_RangeOverTheRepeatedAndSkippedHour_CountsRealElapsedTime()
    {
        // A Sunday range 00:30-03:00 local: 3.5 h of real time when the clocks go back, 1.5 h when they go forward.
        var calendar = SchoolCalendar.Create(DefaultSchool(s =>
        {
            s.Terms.Clear();
            s.Timetable.Sunday = new DayTimetableOptions { NonDirected = ["00:30-03:00"] };
        }));

        var october = calendar.Split(calendar.StartOfLocalDayUtc(new DateOnly(2026, 10, 25)), calendar.StartOfLocalDayUtc(new DateOnly(2026, 10, 26)));
        var march = calendar.Split(calendar.StartOfLocalDayUtc(new DateOnly(2027, 3, 28)), calendar.StartOfLocalDayUtc(new DateOnly(2027, 3, 29)));

        Assert.Equal(TimeSpan.FromHours(3.5), october.NonDirected);
        Assert.Equal(TimeSpan.FromHours(21.5), october.OutsideHours);
        Assert.Equal(TimeSpan.FromHours(1.5), march.NonDirected);
        Assert.Equal(TimeSpan.FromHours(21.5), march.OutsideHours);
    }

    [Fact]
    public void Create_InvalidOptions_ThrowsListingKeys()
    {
        var e = Assert.Throws<ArgumentException>(() => SchoolCalendar.Create(DefaultSchool(s => s.Id = "")));

        Assert.Contains("Schools:0:Id", e.Message, StringComparison.Ordinal);
    }
}
