using System.ComponentModel.DataAnnotations;

namespace CoppiceMonitor.Storage.Ingest;

/// <summary>Configuration section "Ingest": batching of observations and visits into the database.</summary>
public sealed class IngestOptions
{
    public const string SectionName = "Ingest";

    /// <summary>Rows per observation COPY batch.</summary>
    [Range(1, 1_000_000)]
    public int ObservationBatchSize { get; set; } = 5000;

    /// <summary>Concurrent observation COPY batches (connections); observations carry no order, so batches may overlap.</summary>
    [Range(1, 16)]
    public int ObservationWriters { get; set; } = 2;

    /// <summary>Rows per visit COPY batch.</summary>
    [Range(1, 1_000_000)]
    public int VisitBatchSize { get; set; } = 1000;

    /// <summary>A partial batch is written after this long.</summary>
    [Range(1, 600_000)]
    public int MaxBatchDelayMilliseconds { get; set; } = 1000;

    /// <summary>Observations buffered in memory; when full, new ones are dropped (capture never blocks) and counted.</summary>
    [Range(1, 10_000_000)]
    public int ObservationQueueCapacity { get; set; } = 200_000;

    /// <summary>Visits buffered in memory; when full, the producer waits.</summary>
    [Range(1, 10_000_000)]
    public int VisitQueueCapacity { get; set; } = 50_000;

    /// <summary>Folder of the durable spool used while the database is unreachable.</summary>
    [Required]
    public string SpoolDirectory { get; set; } = "spool";

    /// <summary>How often the spool is retried while the database is away.</summary>
    [Range(1, 3600_000)]
    public int RetryMilliseconds { get; set; } = 5000;
}
