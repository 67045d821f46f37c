using CoppiceMonitor.Storage.Reporting;
using CoppiceMonitor.Reports.Model;
using ScottPlot;

namespace CoppiceMonitor.Reports.Rendering;

/// <summary>
/// The chart image: personal minutes per local date, stacked by service (ScottPlot 5, rendered to PNG).
/// The busiest services keep their own colour; the rest are summed as "Other" so the legend stays readable.
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

    // ScottPlot's default family resolves to a serif face on a bare Linux host; prefer a sans face that is there.
    private static readonly Lazy<string> SansFont = new(() =>
        new[] { "Liberation Sans", "DejaVu Sans", "Arial", "Helvetica" }
            .FirstOrDefault(name => SkiaSharp.SKFontManager.Default.MatchFamily(name) is { } face && face.FamilyName == name)
        ?? Fonts.Sans);

    public static byte[] Render(ReportPeriod period, IReadOnlyList<StaffDailyUsage> rows, double? thresholdMinutes, string title)
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
                        FillColor = series[s].Label == "Other" ? Palette[^1] : Palette[s % (Palette.Length - 1)],
                        LineWidth = 0,
                    });
                    baseline[d] += value;
                }

                var plottable = plot.Add.Bars(bars);
                plottable.LegendText = series[s].Label;
            }

            if (thresholdMinutes is { } threshold && baseline.Length > 0 && baseline.Max() > threshold * 0.5)
            {
                var line = plot.Add.HorizontalLine(threshold);
                line.LineColor = Colors.DarkRed;
                line.LinePattern = LinePattern.Dashed;
                line.LegendText = "Daily limit";
            }

            // A month would crowd 31 labels: label weekly with a short form so the text never overlaps.
            var step = dates.Length <= 8 ? 1 : 7;
            var positions = Enumerable.Range(0, dates.Length).Where(i => i % step == 0).Select(i => (double)i).ToArray();
            var labels = positions
                .Select(p => step == 1 ? ReportFormat.ShortDay(dates[(int)p]) : dates[(int)p].ToString("d MMM", System.Globalization.CultureInfo.InvariantCulture))
                .ToArray();
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(positions, labels);
            plot.Axes.Margins(bottom: 0);
            if (baseline.Length == 0 || baseline.Max() <= 0)
            {
                plot.Axes.SetLimitsY(0, 10);
            }

            plot.YLabel("Minutes");
            plot.Title(title, size: 14);
            if (series.Count > 0)
            {
                plot.ShowLegend(Alignment.UpperRight);
            }

            return plot.GetImageBytes(Width, Height, ImageFormat.Png);
        }
        finally
        {
            plot.Dispose();
        }
    }
}
