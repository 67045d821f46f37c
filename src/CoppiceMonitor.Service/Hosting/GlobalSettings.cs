namespace CoppiceMonitor.Service.Hosting;

/// <summary>
/// Options every verb shares: an extra configuration file, KEY=VALUE overrides (the command-line configuration
/// layer, highest precedence) and verbose logging.
/// </summary>
public sealed record GlobalSettings(string? ConfigFile, IReadOnlyList<string> Overrides, bool Verbose);
