using CoppiceMonitor.Storage.Reporting;
using CoppiceMonitor.Reports.Model;
using ScottPlot;

namespace CoppiceMonitor.Reports.Rendering;

/// <summary>
/// The chart images (ScottPlot 5, rendered to PNG). A line manager's chart puts each person's own bar beside the
/// per-person daily limit (policy 9.1): a team total against that line would make a team of five look five times over
/// it. The headteacher's chart is the school's personal minutes per local date, stacked by service, with no limit line.
/// </summary>
public static class ReportChartRenderer
{
    public const int Width = 640;
    public const int Height = 300;
    private const int MaxServices = 6;

    // Okabe-Ito colours without black: distinguishable with the common colour-vision deficiencies and in greyscale
    // print-outs, and no bar disappears into the axis.
    private static readonly Color[] Palette =
    [
        Color.FromHex("#0072B2"), Color.FromHex("#E69F00"), Color.FromHex("#009E73"),
        Color.FromHex("#CC79A7"), Color.FromHex("#56B4E9"), Color.FromHex("#D55E00"), Color.FromHex("#999999"),
    ];

    // A service keeps its colour in every report (this week's Facebook is last week's Facebook, and the headteacher's
    // too): the services most seen have a colour of their own, any other takes one by a stable hash of its name.
    private static readonly Dictionary<string, string> KnownServiceColours = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Facebook"] = "#0072B2", ["Instagram"] = "#CC79A7", ["TikTok"] = "#009E73", ["YouTube"] = "#D55E00",
        ["X"] = "#56B4E9", ["X/Twitter"] = "#56B4E9", ["Snapchat"] = "#E69F00", ["WhatsApp"] = "#117733",
        ["LinkedIn"] = "#332288", ["Messenger"] = "#88CCEE", ["Reddit"] = "#AA4499", ["Pinterest"] = "#882255",
    };

    private static readonly string[] OtherServiceColours = ["#44AA99", "#999933", "#DDCC77", "#6699CC", "#AA7744", "#661100"];

    /// <summary>The colour a service is drawn in, the same in every report and period.</summary>
    public static string ServiceColour(string service)
    {
        ArgumentNullException.ThrowIfNull(service);
        if (KnownServiceColours.TryGetValue(service, out var known))
        {
            return known;
        }

        var hash = 2166136261u;   // FNV-1a: stable across processes, unlike string.GetHashCode
        foreach (var c in service.ToUpperInvariant())
        {
            hash = (hash ^ c) * 16777619u;
        }

        return OtherServiceColours[hash % (uint)OtherServiceColours.Length];
    }

    // ScottPlot's default family resolves to a serif face on a bare Linux host; prefer a sans face that is there.
    private static readonly Lazy<string> SansFont = new(() =>
        new[] { "Liberation Sans", "DejaVu Sans", "Arial", "Helvetica" }
            .FirstOrDefault(name => SkiaSharp.SKFontManager.Default.MatchFamily(name) is { } face && face.FamilyName == name)
        ?? Fonts.Sans);

    /// <summary>
    /// One bar per person per day (personal minutes), side by side, and the per-person daily limit as a dashed line;
    /// every bar is one person's figure, so a bar above the line is that person over the limit.
    /// </summary>
    public static byte[] RenderPeople(ReportPeriod period, IReadOnlyList<PersonSummary> people, double limitMinutes, string title)
    {
        ArgumentNullException.ThrowIfNull(people);
        var dates = period.Dates.ToArray();
        var plot = new Plot();
        try
        {
            plot.Font.Set(SansFont.Value);
            var series = PersonBars(period, people);
            var width = 0.8 / Math.Max(1, series.Count);
            var highest = 0.0;
            for (var p = 0; p < series.Count; p++)
            {
                var offset = (p - ((series.Count - 1) / 2.0)) * width;
                var bars = series[p].Minutes
                    .Select((value, d) => new Bar { Position = d + offset, Value = value, Size = width * 0.92, FillColor = Palette[p % (Palette.Length - 1)], LineWidth = 0 })
                    .ToList();
                highest = Math.Max(highest, series[p].Minutes.DefaultIfEmpty(0).Max());
                plot.Add.Bars(bars).LegendText = series[p].Person;
            }

            var line = plot.Add.HorizontalLine(limitMinutes);
            line.LineColor = Colors.DarkRed;
            line.LinePattern = LinePattern.Dashed;
            line.LegendText = $"Daily limit per person ({limitMinutes:0} min)";
            Finish(plot, dates, Math.Max(highest, limitMinutes) * 1.15, title);
            return plot.GetImageBytes(Width, Height, ImageFormat.Png);
        }
        finally
        {
            plot.Dispose();
        }
    }

    /// <summary>Personal minutes per local date stacked by service; no limit line (the limit is per person, not per school).</summary>
    /// <summary>
    /// The bars of <see cref="RenderPeople"/>: per person with any use, their own personal minutes on each date of
    /// the period (never summed across people).
    /// </summary>
    public static IReadOnlyList<(string Person, double[] Minutes)> PersonBars(ReportPeriod period, IReadOnlyList<PersonSummary> people)
    {
        ArgumentNullException.ThrowIfNull(people);
        var dates = period.Dates.ToArray();
        return people
            .Where(p => p.ByDay.Any(d => d.MinutesPersonal > 0))
            .Select(p => (p.DisplayName, dates.Select(date => p.ByDay.Where(x => x.Date == date).Sum(x => x.MinutesPersonal)).ToArray()))
            .ToList();
    }

    public static byte[] Render(ReportPeriod period, IReadOnlyList<StaffDailyUsage> rows, string title)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var dates = period.Dates.ToArray();
        var totals = rows.GroupBy(r => r.Service, StringComparer.Ordinal)
            .Select(g => (Service: g.Key, Minutes: g.Sum(r => r.MinutesPersonal)))
            .Where(s => s.Minutes > 0)
            .OrderByDescending(s => s.Minutes)
            .ThenBy(s => s.Service, StringComparer.Ordinal)
            .ToList();
        var named = totals.Take(totals.Count > MaxServices ? MaxServices - 1 : MaxServices).Select(s => s.Service).ToList();
        var series = named.Select(s => (Label: s, Include: (Func<string, bool>)(x => x == s))).ToList();
        if (totals.Count > named.Count)
        {
            var namedSet = named.ToHashSet(StringComparer.Ordinal);
            series.Add(("Other", x => !namedSet.Contains(x)));
        }

        var plot = new Plot();
        try
        {
            plot.Font.Set(SansFont.Value);
            var baseline = new double[dates.Length];
            for (var s = 0; s < series.Count; s++)
            {
                var bars = new List<Bar>(dates.Length);
                for (var d = 0; d < dates.Length; d++)
                {
                    var value = rows.Where(r => r.Date == dates[d] && series[s].Include(r.Service)).Sum(r => r.MinutesPersonal);
                    bars.Add(new Bar
                    {
                        Position = d,
                        ValueBase = baseline[d],
                        Value = baseline[d] + value,
                        FillColor = series[s].Label == "Other" ? Palette[^1] : Color.FromHex(ServiceColour(series[s].Label)),
                        LineWidth = 0,
                    });
                    baseline[d] += value;
                }

                var plottable = plot.Add.Bars(bars);
                plottable.LegendText = series[s].Label;
            }

            Finish(plot, dates, baseline.Length == 0 || baseline.Max() <= 0 ? 10 : null, title);
            return plot.GetImageBytes(Width, Height, ImageFormat.Png);
        }
        finally
        {
            plot.Dispose();
        }
    }

    private static void Finish(Plot plot, DateOnly[] dates, double? top, string title)
    {
        // A month would crowd 31 labels: label weekly with a short form so the text never overlaps.
        var step = dates.Length <= 8 ? 1 : 7;
        var positions = Enumerable.Range(0, dates.Length).Where(i => i % step == 0).Select(i => (double)i).ToArray();
        var labels = positions
            .Select(p => step == 1 ? ReportFormat.ShortDay(dates[(int)p]) : dates[(int)p].ToString("d MMM", System.Globalization.CultureInfo.InvariantCulture))
            .ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(positions, labels);
        plot.Axes.Margins(bottom: 0);
        if (top is { } limit)
        {
            plot.Axes.SetLimitsY(0, limit);
        }

        plot.YLabel("Minutes");
        plot.Title(title, size: 14);
        if (plot.GetPlottables().Any(p => p is ScottPlot.Plottables.BarPlot || p is ScottPlot.Plottables.HorizontalLine))
        {
            plot.ShowLegend(Alignment.UpperRight);
        }
    }
}
