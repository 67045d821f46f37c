using Microsoft.Extensions.Options;

namespace CoppiceMonitor.Service.Hosting;

/// <summary>The executable's own settings (section "Service"): where it keeps state and how the pipeline is sized.</summary>
public sealed class ServiceOptions
{
    public const string SectionName = "Service";

    /// <summary>State folder: embedded database, spool, logs. The systemd unit makes only this (and the spool) writable.</summary>
    public string DataFolder { get; set; } = DefaultDataFolder();

    /// <summary>Durable spool for batches the database could not take yet; empty means DataFolder/spool.</summary>
    public string SpoolFolder { get; set; } = "";

    /// <summary>Rolling log files; empty means DataFolder/logs. "-" turns file logging off.</summary>
    public string LogFolder { get; set; } = "";

    /// <summary>Observations buffered between capture and the visit pipeline. Capture drops (and counts) when it is full.</summary>
    public int ChannelCapacity { get; set; } = 1 << 18;

    /// <summary>
    /// Bytes of captured frames buffered per interface between the capture thread and the decode thread (rounded up to
    /// a power of two). Absorbs bursts on top of the kernel buffer (Capture:KernelBufferBytes); frames are dropped and
    /// counted only when both are full.
    /// </summary>
    public int CaptureRingBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>How often idle flows are summarised and open visits flushed to storage.</summary>
    public int FlushIntervalSeconds { get; set; } = 10;

    /// <summary>How long a stop may take to drain the pipeline into the database or the spool.</summary>
    public int DrainTimeoutSeconds { get; set; } = 30;

    /// <summary>Loopback port of the embedded PostgreSQL server (used only without ConnectionStrings:Coppice); 0 picks a free one.</summary>
    public int EmbeddedDatabasePort { get; set; }

    /// <summary>Days of rolling log files kept.</summary>
    public int LogRetainedDays { get; set; } = 14;

    public string ResolvedSpoolFolder => SpoolFolder.Length > 0 ? SpoolFolder : Path.Combine(DataFolder, "spool");

    public string? ResolvedLogFolder => LogFolder switch
    {
        "-" => null,
        "" => Path.Combine(DataFolder, "logs"),
        _ => LogFolder,
    };

    public static string DefaultDataFolder() => OperatingSystem.IsWindows()
        ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.CommonApplicationData), "CoppiceMonitor")
        : "/var/lib/coppice-monitor";
}

/// <summary>Cross-field checks with messages that name the full configuration key.</summary>
public sealed class ServiceOptionsValidator : IValidateOptions<ServiceOptions>
{
    public ValidateOptionsResult Validate(string? name, ServiceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        const string S = ServiceOptions.SectionName;
        if (string.IsNullOrWhiteSpace(options.DataFolder))
        {
            failures.Add($"{S}:DataFolder must be a folder path (it holds the embedded database, spool and logs).");
        }
        else if (!Path.IsPathFullyQualified(options.DataFolder))
        {
            failures.Add($"{S}:DataFolder must be an absolute path, not '{options.DataFolder}'.");
        }

        if (options.ChannelCapacity is < 1024 or > 16_777_216)
        {
            failures.Add($"{S}:ChannelCapacity must be between 1024 and 16777216 observations, not {options.ChannelCapacity}.");
        }

        if (options.CaptureRingBytes is < 1 << 20 or > 1 << 30)
        {
            failures.Add($"{S}:CaptureRingBytes must be between 1048576 (1 MiB) and 1073741824 (1 GiB), not {options.CaptureRingBytes}.");
        }

        if (options.FlushIntervalSeconds is < 1 or > 3600)
        {
            failures.Add($"{S}:FlushIntervalSeconds must be between 1 and 3600, not {options.FlushIntervalSeconds}.");
        }

        if (options.DrainTimeoutSeconds is < 1 or > 3600)
        {
            failures.Add($"{S}:DrainTimeoutSeconds must be between 1 and 3600, not {options.DrainTimeoutSeconds}.");
        }

        if (options.EmbeddedDatabasePort is < 0 or > 65535)
        {
            failures.Add($"{S}:EmbeddedDatabasePort must be between 0 (any free port) and 65535, not {options.EmbeddedDatabasePort}.");
        }

        if (options.LogRetainedDays is < 1 or > 3650)
        {
            failures.Add($"{S}:LogRetainedDays must be between 1 and 3650, not {options.LogRetainedDays}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
