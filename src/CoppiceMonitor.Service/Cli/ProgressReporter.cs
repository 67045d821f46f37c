using System.Globalization;

namespace CoppiceMonitor.Service.Cli;

/// <summary>
/// Progress on stderr: a redrawn bar when stderr is a terminal, plain periodic lines when it is a file or a pipe
/// (journald, CI logs) so nothing is flooded with carriage returns.
/// </summary>
public sealed class ProgressReporter
{
    private const int BarWidth = 30;
    private readonly TextWriter _error;
    private readonly bool _interactive;
    private readonly TimeProvider _time;
    private readonly string _label;
    private readonly long _total;
    private readonly long _started;
    private long _lastDrawn;
    private bool _drewBar;

    public ProgressReporter(TextWriter error, bool interactive, TimeProvider time, string label, long total)
    {
        _error = error;
        _interactive = interactive;
        _time = time;
        _label = label;
        _total = Math.Max(total, 1);
        _started = time.GetTimestamp();
        _lastDrawn = long.MinValue;
    }

    public static ProgressReporter ForStandardError(TimeProvider time, string label, long total) =>
        new(Console.Error, !Console.IsErrorRedirected, time, label, total);

    /// <summary>Interval between redraws: 10 per second on a terminal, one line every 5 s otherwise.</summary>
    public TimeSpan Interval => _interactive ? TimeSpan.FromMilliseconds(100) : TimeSpan.FromSeconds(5);

    public void Report(long done, string detail)
    {
        var now = _time.GetTimestamp();
        if (_lastDrawn != long.MinValue && _time.GetElapsedTime(_lastDrawn, now) < Interval)
        {
            return;
        }

        _lastDrawn = now;
        Draw(done, detail);
    }

    public void Complete(string summary)
    {
        if (_interactive && _drewBar)
        {
            _error.Write('\r');
            _error.Write(new string(' ', Console.IsErrorRedirected ? 0 : Math.Max(0, SafeWidth() - 1)));
            _error.Write('\r');
        }

        var elapsed = _time.GetElapsedTime(_started);
        _error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{_label}: {summary} in {elapsed.TotalSeconds:F1} s"));
        _error.Flush();
    }

    private void Draw(long done, string detail)
    {
        var fraction = Math.Clamp((double)done / _total, 0, 1);
        var elapsed = _time.GetElapsedTime(_started);
        var eta = fraction > 0.001 ? TimeSpan.FromSeconds(elapsed.TotalSeconds * (1 - fraction) / fraction) : (TimeSpan?)null;
        var etaText = eta is { } e ? $"ETA {e:mm\\:ss}" : "ETA --:--";
        if (_interactive)
        {
            var filled = (int)(fraction * BarWidth);
            var bar = new string('#', filled) + new string('-', BarWidth - filled);
            var line = string.Create(CultureInfo.InvariantCulture, $"\r{_label} [{bar}] {fraction,4:P0} {detail} {etaText}");
            var width = SafeWidth();
            _error.Write(line.Length > width ? line[..width] : line.PadRight(width - 1));
            _drewBar = true;
        }
        else
        {
            _error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{_label}: {fraction:P0} {detail} {etaText}"));
        }

        _error.Flush();
    }

    private static int SafeWidth()
    {
        try
        {
            return Console.IsErrorRedirected ? 120 : Math.Max(Console.WindowWidth, 40);
        }
        catch (IOException)
        {
            return 120;
        }
    }
}
