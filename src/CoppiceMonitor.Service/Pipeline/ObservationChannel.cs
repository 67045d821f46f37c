using System.Threading.Channels;
using CoppiceMonitor.Capture;

namespace CoppiceMonitor.Service.Pipeline;

/// <summary>
/// The bounded hand-off between capture threads and the visit pipeline. Capture never waits: when the channel
/// is full the observation is dropped and counted (shown by `status`, logged), so the kernel ring keeps draining.
/// Replay, which reads files, may instead wait for room (<see cref="WriteAsync"/>) and loses nothing.
/// </summary>
public sealed class ObservationChannel
{
    private readonly Channel<Observation> _channel;
    private long _written;
    private long _dropped;

    public ObservationChannel(int capacity)
    {
        _channel = Channel.CreateBounded<Observation>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
            AllowSynchronousContinuations = false,
        });
    }

    public ChannelReader<Observation> Reader => _channel.Reader;

    public long Written => Interlocked.Read(ref _written);

    public long Dropped => Interlocked.Read(ref _dropped);

    public int Count => _channel.Reader.Count;

    /// <summary>Non-blocking write from a capture callback; false (and counted) when full or completed.</summary>
    public bool TryWrite(in Observation observation)
    {
        if (_channel.Writer.TryWrite(observation))
        {
            Interlocked.Increment(ref _written);
            return true;
        }

        Interlocked.Increment(ref _dropped);
        return false;
    }

    /// <summary>Waits for room: for file replay, where back-pressure is right and dropping would be wrong.</summary>
    public async ValueTask WriteAsync(Observation observation, CancellationToken cancellationToken)
    {
        await _channel.Writer.WriteAsync(observation, cancellationToken).ConfigureAwait(false);
        Interlocked.Increment(ref _written);
    }

    /// <summary>Synchronous waiting write for a replay thread (the decoder's sink interface is synchronous).</summary>
    public void WriteBlocking(in Observation observation, CancellationToken cancellationToken)
    {
        if (_channel.Writer.TryWrite(observation))
        {
            Interlocked.Increment(ref _written);
            return;
        }

        var pending = _channel.Writer.WriteAsync(observation, cancellationToken);
        if (!pending.IsCompletedSuccessfully)
        {
            pending.AsTask().GetAwaiter().GetResult();
        }

        Interlocked.Increment(ref _written);
    }

    public void Complete() => _channel.Writer.TryComplete();
}
