using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using CoppiceMonitor.Capture;
using CoppiceMonitor.Visits;
using Npgsql;

namespace CoppiceMonitor.Storage.Ingest;

/// <summary>Running totals for `status` and the logs.</summary>
public sealed record IngestCounters(
    long ObservationsQueued,
    long ObservationsDropped,
    long VisitsQueued,
    long BatchesWritten,
    long BatchesSpooled,
    long BatchesReplayed,
    long BatchesAlreadyWritten,
    long BatchesRejected,
    long CorruptSpoolRecords,
    bool DatabaseAvailable);

/// <summary>
/// Bounded channels in, binary COPY batches out. Observations never block the producer (drop with a counter);
/// visits apply back-pressure. A batch that cannot reach the database goes to the <see cref="IngestSpool"/>; a
/// background loop replays the spool when the database returns. Batch ids make every batch land exactly once.
/// Start-up replays what a previous run left in the spool; stop drains the channels (to the database or spool).
/// </summary>
public sealed class IngestService : IHostedService, IAsyncDisposable, IVisitSink
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly ObservationCopyWriter _observationWriter;
    private readonly VisitCopyWriter _visitWriter;
    private readonly AnonymousUsageWriter _anonymousWriter;
    private readonly DhcpLeaseCopyWriter _dhcpWriter;
    private readonly Channel<DhcpLeaseRecord> _dhcp;
    private readonly Channel<AnonymousUsageRecord> _anonymous;
    private readonly IngestSpool _spool;
    private readonly IngestOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Channel<ObservationRecord> _observations;
    private readonly Channel<Visit> _visits;
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _replaySignal = new(0, 1);
    private readonly SemaphoreSlim _replayGate = new(1, 1);
    private Task _observationLoop = Task.CompletedTask;
    private Task _visitLoop = Task.CompletedTask;
    private Task _anonymousLoop = Task.CompletedTask;
    private Task _dhcpLoop = Task.CompletedTask;
    private Task _replayLoop = Task.CompletedTask;
    private volatile bool _databaseAvailable = true;
    private long _observationsQueued, _observationsDropped, _visitsQueued, _batchesWritten, _batchesSpooled,
        _batchesReplayed, _batchesAlreadyWritten, _batchesRejected, _corruptSpoolRecords, _leasesQueued, _leasesDropped;

    public IngestService(NpgsqlDataSource dataSource, IOptions<IngestOptions> options, TimeProvider timeProvider,
        ILogger<IngestService>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _dataSource = dataSource;
        _timeProvider = timeProvider;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _observationWriter = new ObservationCopyWriter(dataSource, timeProvider);
        _visitWriter = new VisitCopyWriter(dataSource, timeProvider);
        _anonymousWriter = new AnonymousUsageWriter(dataSource, timeProvider);
        _dhcpWriter = new DhcpLeaseCopyWriter(dataSource, timeProvider);
        _dhcp = Bounded<DhcpLeaseRecord>(_options.VisitQueueCapacity, singleReader: true);
        _anonymous = Bounded<AnonymousUsageRecord>(_options.VisitQueueCapacity, singleReader: true);
        _spool = new IngestSpool(_options.SpoolDirectory, _logger);
        // Wait mode, not DropWrite: a DropWrite channel's TryWrite reports success while discarding the item, so drops
        // could not be counted. TryWrite still never blocks (it returns false when full); WriteAsync waits for room.
        _observations = Bounded<ObservationRecord>(_options.ObservationQueueCapacity, singleReader: _options.ObservationWriters == 1);
        _visits = Bounded<Visit>(_options.VisitQueueCapacity, singleReader: true);
    }

    public IngestSpool Spool => _spool;

    /// <summary>The observation writer (exposed for tests that abandon a batch part-way).</summary>
    internal ObservationCopyWriter ObservationWriter => _observationWriter;

    public IngestCounters Counters => new(
        Interlocked.Read(ref _observationsQueued), Interlocked.Read(ref _observationsDropped),
        Interlocked.Read(ref _visitsQueued), Interlocked.Read(ref _batchesWritten),
        Interlocked.Read(ref _batchesSpooled), Interlocked.Read(ref _batchesReplayed),
        Interlocked.Read(ref _batchesAlreadyWritten), Interlocked.Read(ref _batchesRejected),
        Interlocked.Read(ref _corruptSpoolRecords), _databaseAvailable);

    /// <summary>DHCP leases queued so far.</summary>
    public long LeasesQueued => Interlocked.Read(ref _leasesQueued);

    /// <summary>Queues an observation without ever waiting (live capture); false (and counted) when the queue is full or the service stopped.</summary>
    public bool TryWrite(ObservationRecord observation)
    {
        if (_observations.Writer.TryWrite(observation))
        {
            Interlocked.Increment(ref _observationsQueued);
            return true;
        }

        var dropped = Interlocked.Increment(ref _observationsDropped);
        if ((dropped & (dropped - 1)) == 0)
        {
            // Log at 1, 2, 4, 8... so a long outage does not flood the log.
            Log.IngestDropped(_logger, dropped);
        }

        return false;
    }

    /// <summary>
    /// Queues an observation, waiting while the queue is full (back-pressure, never a drop): for replays of capture
    /// files and other producers that can slow down, so memory stays bounded by ObservationQueueCapacity.
    /// Throws <see cref="ChannelClosedException"/> after the service stopped.
    /// </summary>
    public async ValueTask WriteAsync(ObservationRecord observation, CancellationToken cancellationToken = default)
    {
        await _observations.Writer.WriteAsync(observation, cancellationToken).ConfigureAwait(false);
        Interlocked.Increment(ref _observationsQueued);
    }

    /// <summary>Queues a visit, waiting while the queue is full.</summary>
    public async ValueTask WriteAsync(Visit visit, CancellationToken cancellationToken = default)
    {
        await _visits.Writer.WriteAsync(visit, cancellationToken).ConfigureAwait(false);
        Interlocked.Increment(ref _visitsQueued);
    }

    /// <summary>Queues anonymous daily totals, waiting while the queue is full.</summary>
    public ValueTask WriteAsync(AnonymousUsageRecord usage, CancellationToken cancellationToken = default) =>
        _anonymous.Writer.WriteAsync(usage, cancellationToken);

    /// <summary>
    /// Stores a captured observation of <paramref name="schoolId"/>, plus its lease in dhcp_leases when it is a DHCP
    /// ACK (<see cref="DhcpLeaseRecord.TryFrom"/>). <paramref name="wait"/> false (live capture): never waits; returns
    /// false when the observation was dropped (counted) because the queue is full. True (replays of capture files):
    /// waits for room, so memory stays bounded and nothing is dropped.
    /// </summary>
    public async ValueTask<bool> WriteObservationAsync(string schoolId, Observation observation, bool wait,
        CancellationToken cancellationToken = default)
    {
        var record = ObservationRecord.From(schoolId, observation);
        var lease = DhcpLeaseRecord.TryFrom(schoolId, observation);
        if (wait)
        {
            await WriteAsync(record, cancellationToken).ConfigureAwait(false);
            if (lease is not null)
            {
                await WriteAsync(lease, cancellationToken).ConfigureAwait(false);
            }

            return true;
        }

        if (lease is not null && !TryWrite(lease))
        {
            Interlocked.Increment(ref _leasesDropped);
        }

        return TryWrite(record);
    }

    /// <summary>DHCP leases dropped by <see cref="WriteObservationAsync"/> without waiting because their queue was full.</summary>
    public long LeasesDropped => Interlocked.Read(ref _leasesDropped);

    /// <summary>Queues a DHCP lease, waiting while the queue is full.</summary>
    public async ValueTask WriteAsync(DhcpLeaseRecord lease, CancellationToken cancellationToken = default)
    {
        await _dhcp.Writer.WriteAsync(lease, cancellationToken).ConfigureAwait(false);
        Interlocked.Increment(ref _leasesQueued);
    }

    /// <summary>Queues a DHCP lease without waiting; false when the queue is full or the service stopped.</summary>
    public bool TryWrite(DhcpLeaseRecord lease)
    {
        if (!_dhcp.Writer.TryWrite(lease))
        {
            return false;
        }

        Interlocked.Increment(ref _leasesQueued);
        return true;
    }

    /// <summary>IVisitSink for the Visits pipeline: blocks the pipeline thread while the queue is full (back-pressure).</summary>
    public void WriteVisit(Visit visit)
    {
        var record = visit;
        if (!_visits.Writer.TryWrite(record))
        {
            _visits.Writer.WriteAsync(record).AsTask().GetAwaiter().GetResult();
        }

        Interlocked.Increment(ref _visitsQueued);
    }

    public void WriteAnonymousUsage(AnonymousUsage usage)
    {
        var record = AnonymousUsageRecord.From(usage);
        if (!_anonymous.Writer.TryWrite(record))
        {
            _anonymous.Writer.WriteAsync(record).AsTask().GetAwaiter().GetResult();
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // Whatever a previous run left behind goes first (a no-op for batches that did reach the database).
        await TryReplayAsync(cancellationToken).ConfigureAwait(false);
        // Several COPY streams: the server side of a COPY (parsing, routing, WAL) runs on one core per connection.
        _observationLoop = Task.WhenAll(Enumerable.Range(0, _options.ObservationWriters).Select(_ => Task.Run(() => ConsumeAsync(
            _observations.Reader, _options.ObservationBatchSize, rows => new ObservationBatch(Guid.NewGuid(), rows)), CancellationToken.None)));
        _visitLoop = Task.Run(() => ConsumeAsync(_visits.Reader, _options.VisitBatchSize,
            rows => new VisitBatch(Guid.NewGuid(), rows)), CancellationToken.None);
        _anonymousLoop = Task.Run(() => ConsumeAsync(_anonymous.Reader, _options.VisitBatchSize,
            rows => new AnonymousUsageBatch(Guid.NewGuid(), rows)), CancellationToken.None);
        _dhcpLoop = Task.Run(() => ConsumeAsync(_dhcp.Reader, _options.VisitBatchSize,
            rows => new DhcpLeaseBatch(Guid.NewGuid(), rows)), CancellationToken.None);
        _replayLoop = Task.Run(ReplayLoopAsync, CancellationToken.None);
    }

    /// <summary>Waits until everything queued so far is in the database (spool empty), or the timeout passes.</summary>
    public async Task<bool> WaitUntilDrainedAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = _timeProvider.GetUtcNow() + timeout;
        while (_timeProvider.GetUtcNow() < deadline)
        {
            if (_observations.Reader.Count == 0 && _visits.Reader.Count == 0 && _anonymous.Reader.Count == 0
                && _dhcp.Reader.Count == 0 && Volatile.Read(ref _inFlight) == 0 && !_spool.HasPending)
            {
                return true;
            }

            SignalReplay();
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }

        return false;
    }

    /// <summary>
    /// Waits until everything queued so far is durable: written to the database or appended (fsynced) to the spool.
    /// Unlike <see cref="WaitUntilDrainedAsync"/> it does not wait for the database to come back.
    /// </summary>
    public async Task<bool> WaitUntilPersistedAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = _timeProvider.GetUtcNow() + timeout;
        while (_timeProvider.GetUtcNow() < deadline)
        {
            if (_observations.Reader.Count == 0 && _visits.Reader.Count == 0 && _anonymous.Reader.Count == 0
                && _dhcp.Reader.Count == 0 && Volatile.Read(ref _inFlight) == 0)
            {
                return true;
            }

            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }

        return false;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _observations.Writer.TryComplete();
        _visits.Writer.TryComplete();
        _anonymous.Writer.TryComplete();
        _dhcp.Writer.TryComplete();
        await Task.WhenAll(_observationLoop, _visitLoop, _anonymousLoop, _dhcpLoop).WaitAsync(cancellationToken).ConfigureAwait(false);
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _replayLoop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        // Last chance to empty the spool; whatever stays is replayed at the next start.
        await TryReplayAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stopping.IsCancellationRequested)
        {
            await StopAsync(CancellationToken.None).ConfigureAwait(false);
        }

        _spool.Dispose();
        _stopping.Dispose();
        _replaySignal.Dispose();
        _replayGate.Dispose();
    }

    private int _inFlight;

    private async Task ConsumeAsync<T>(ChannelReader<T> reader, int batchSize, Func<List<T>, IngestBatch> makeBatch)
    {
        var delay = TimeSpan.FromMilliseconds(_options.MaxBatchDelayMilliseconds);
        while (await reader.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
        {
            Interlocked.Increment(ref _inFlight);
            try
            {
                var rows = new List<T>(Math.Min(batchSize, 4096));
                var deadline = _timeProvider.GetUtcNow() + delay;
                while (rows.Count < batchSize)
                {
                    if (reader.TryRead(out var item))
                    {
                        rows.Add(item);
                        continue;
                    }

                    var remaining = deadline - _timeProvider.GetUtcNow();
                    if (remaining <= TimeSpan.Zero || reader.Completion.IsCompleted)
                    {
                        break;
                    }

                    using var timeout = new CancellationTokenSource(remaining, _timeProvider);
                    try
                    {
                        if (!await reader.WaitToReadAsync(timeout.Token).ConfigureAwait(false))
                        {
                            break;
                        }
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }
                }

                if (rows.Count > 0)
                {
                    await PersistAsync(makeBatch(rows)).ConfigureAwait(false);
                }
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
            }
        }
    }

    private async Task PersistAsync(IngestBatch batch)
    {
        if (_databaseAvailable)
        {
            try
            {
                await WriteAsync(batch, fromSpool: false, CancellationToken.None).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (IsTransient(ex))
            {
                _databaseAvailable = false;
                Log.IngestSpooling(_logger, batch.Kind, batch.Count, ex);
            }
        }

        _spool.Append(batch);
        Interlocked.Increment(ref _batchesSpooled);
        SignalReplay();
    }

    private async Task WriteAsync(IngestBatch batch, bool fromSpool, CancellationToken cancellationToken)
    {
        BatchWriteOutcome outcome;
        try
        {
            outcome = batch switch
            {
                ObservationBatch o => await _observationWriter.WriteAsync(o, fromSpool, cancellationToken).ConfigureAwait(false),
                VisitBatch v => await _visitWriter.WriteAsync(v, fromSpool, cancellationToken).ConfigureAwait(false),
                AnonymousUsageBatch a => await _anonymousWriter.WriteAsync(a, fromSpool, cancellationToken).ConfigureAwait(false),
                DhcpLeaseBatch d => await _dhcpWriter.WriteAsync(d, fromSpool, cancellationToken).ConfigureAwait(false),
                _ => throw new ArgumentException("unknown batch type", nameof(batch)),
            };
        }
        catch (PostgresException ex) when (!ex.IsTransient)
        {
            // Bad data, not a bad connection: retrying would fail forever. Keep it on disk for a human.
            SetAside(batch, ex);
            return;
        }

        if (outcome == BatchWriteOutcome.AlreadyWritten)
        {
            Interlocked.Increment(ref _batchesAlreadyWritten);
        }
        else
        {
            Interlocked.Increment(ref fromSpool ? ref _batchesReplayed : ref _batchesWritten);
        }
    }

    private void SetAside(IngestBatch batch, PostgresException ex)
    {
        var rejected = new IngestSpool(Path.Combine(_spool.Directory, "rejected"));
        rejected.Append(batch);
        rejected.Dispose();
        Interlocked.Increment(ref _batchesRejected);
        Log.IngestBatchRejected(_logger, batch.BatchId, batch.Kind, rejected.Directory, ex);
    }

    private async Task ReplayLoopAsync()
    {
        var retry = TimeSpan.FromMilliseconds(_options.RetryMilliseconds);
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                await _replaySignal.WaitAsync(retry, _stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            await TryReplayAsync(_stopping.Token).ConfigureAwait(false);
        }
    }

    private async Task TryReplayAsync(CancellationToken cancellationToken)
    {
        await _replayGate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            if (!_spool.HasPending)
            {
                return;
            }

            if (!_databaseAvailable)
            {
                // Probe first: a replay seals the open segment, so failed attempts through a long outage would
                // otherwise leave one small segment per retry.
                await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                await using var probe = new NpgsqlCommand("SELECT 1", connection);
                await probe.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            }

            var result = await _spool.ReplayAsync((b, ct) => WriteAsync(b, fromSpool: true, ct), cancellationToken).ConfigureAwait(false);
            Interlocked.Add(ref _corruptSpoolRecords, result.CorruptRecords);
            _databaseAvailable = true;
            Log.SpoolReplayed(_logger, result.Batches, result.CorruptRecords);
        }
        catch (Exception ex) when (IsTransient(ex))
        {
            _databaseAvailable = false;
            Log.SpoolReplayFailed(_logger, ex);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            _replayGate.Release();
        }
    }

    private void SignalReplay()
    {
        try
        {
            if (_replaySignal.CurrentCount == 0)
            {
                _replaySignal.Release();
            }
        }
        catch (SemaphoreFullException)
        {
        }
    }

    private static Channel<T> Bounded<T>(int capacity, bool singleReader) =>
        Channel.CreateBounded<T>(new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = singleReader });

    private static bool IsTransient(Exception ex) => ex switch
    {
        PostgresException pg => pg.IsTransient || pg.SqlState.StartsWith("08", StringComparison.Ordinal)
            || pg.SqlState.StartsWith("57P", StringComparison.Ordinal),
        NpgsqlException => true,
        IOException or System.Net.Sockets.SocketException or TimeoutException => true,
        InvalidOperationException when ex.InnerException is NpgsqlException => true,
        _ => false,
    };
}
