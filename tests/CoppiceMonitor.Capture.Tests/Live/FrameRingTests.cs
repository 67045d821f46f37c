using CoppiceMonitor.Capture.Live;

namespace CoppiceMonitor.Capture.Tests.Live;

public sealed class FrameRingTests
{
    private static readonly TimeSpan ShortWait = TimeSpan.FromMilliseconds(20);

    [Fact]
    public void Read_AfterWrites_ReturnsFramesInOrderWithTimestamps()
    {
        using var ring = new FrameRing(1 << 16);
        Assert.True(ring.TryWrite(100, new byte[] { 1, 2, 3 }));
        Assert.True(ring.TryWrite(200, new byte[] { 4 }));
        Assert.True(ring.TryWrite(300, ReadOnlySpan<byte>.Empty));

        var seen = new List<(long Ticks, byte[] Bytes)>();
        Assert.Equal(3, ring.Read(static (list, ticks, frame) => list.Add((ticks, frame.ToArray())), seen, ShortWait));

        Assert.Equal([100L, 200L, 300L], seen.Select(s => s.Ticks));
        Assert.Equal(new byte[] { 1, 2, 3 }, seen[0].Bytes);
        Assert.Equal(new byte[] { 4 }, seen[1].Bytes);
        Assert.Empty(seen[2].Bytes);
        Assert.Equal(0, ring.BacklogBytes);
    }

    [Fact]
    public void TryWrite_WhenFull_DropsAndCountsWithoutOverwriting()
    {
        using var ring = new FrameRing(1 << 16);
        var frame = new byte[1000];
        var accepted = 0;
        for (var i = 0; i < 100; i++)
        {
            frame[0] = (byte)i;
            if (ring.TryWrite(i, frame))
            {
                accepted++;
            }
        }

        // 64 KiB holds 64 records of 1016 bytes (16-byte header, 8-byte aligned); the rest are dropped.
        Assert.Equal(64, accepted);
        Assert.Equal(36, ring.Dropped);
        var firstBytes = new List<byte>();
        ring.Read(static (list, _, f) => list.Add(f[0]), firstBytes, ShortWait);
        Assert.Equal(Enumerable.Range(0, 64).Select(i => (byte)i), firstBytes);
    }

    [Fact]
    public void TryWrite_AcrossTheEnd_WrapsAndKeepsEveryByte()
    {
        using var ring = new FrameRing(1 << 16);
        var random = new Random(5);
        var expected = new List<byte[]>();
        var seen = new List<byte[]>();
        for (var round = 0; round < 2000; round++)
        {
            // Odd sizes so records land at every alignment and some must skip the tail of the buffer.
            var frame = new byte[random.Next(0, 1600)];
            random.NextBytes(frame);
            Assert.True(ring.TryWrite(round, frame));
            expected.Add(frame);
            if (round % 7 == 6)
            {
                ring.Read(static (list, _, f) => list.Add(f.ToArray()), seen, ShortWait);
            }
        }

        ring.Read(static (list, _, f) => list.Add(f.ToArray()), seen, ShortWait);
        Assert.Equal(expected.Count, seen.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i], seen[i]);
        }

        Assert.Equal(0, ring.Dropped);
    }

    [Fact]
    public void Read_EmptyThenCompleted_TimesOutThenReportsTheEnd()
    {
        using var ring = new FrameRing(1 << 16);
        Assert.Equal(0, ring.Read(static (_, _, _) => { }, 0, ShortWait));
        ring.TryWrite(1, new byte[] { 9 });
        ring.Complete();
        Assert.Equal(1, ring.Read(static (_, _, _) => { }, 0, ShortWait));
        Assert.Equal(-1, ring.Read(static (_, _, _) => { }, 0, ShortWait));
    }

    [Fact]
    public async Task Read_ConcurrentProducer_ReceivesEveryFrameOnce()
    {
        using var ring = new FrameRing(1 << 20);
        const int Frames = 200_000;
        var producer = Task.Run(() =>
        {
            var buffer = new byte[64];
            for (var i = 0; i < Frames; i++)
            {
                BitConverter.TryWriteBytes(buffer, i);
                while (!ring.TryWrite(i, buffer.AsSpan(0, 8 + (i % 56))))
                {
                    Thread.SpinWait(10);
                }
            }

            ring.Complete();
        });

        var state = new ConsumerState();
        while (ring.Read(static (s, ticks, frame) => s.Check(ticks, frame), state, TimeSpan.FromSeconds(1)) >= 0)
        {
        }

        await producer;
        Assert.Equal(Frames, state.Next);
        Assert.Equal(0, state.Mismatches);
    }

    private sealed class ConsumerState
    {
        public int Next { get; private set; }

        public int Mismatches { get; private set; }

        public void Check(long ticks, ReadOnlySpan<byte> frame)
        {
            if (ticks != Next || BitConverter.ToInt32(frame) != Next || frame.Length != 8 + (Next % 56))
            {
                Mismatches++;
            }

            Next++;
        }
    }
}
