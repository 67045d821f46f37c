using CoppiceMonitor.Storage.Ingest;

namespace CoppiceMonitor.Storage.Tests.Ingest;

public sealed class IngestSpoolTests : IDisposable
{
    private static readonly DateTime Day = new(2026, 11, 25, 9, 0, 0, DateTimeKind.Utc);
    private readonly string _dir = Directory.CreateTempSubdirectory("coppice-spool-test").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task ReplayAsync_AppendedBatches_ComeBackInOrderAndSegmentsAreRemoved()
    {
        using var spool = new IngestSpool(_dir);
        var first = new ObservationBatch(Guid.NewGuid(), [TestData.Observation(1, Day), TestData.Observation(2, Day)]);
        var second = new VisitBatch(Guid.NewGuid(), [TestData.Visit(1, Day)]);
        var third = new AnonymousUsageBatch(Guid.NewGuid(), [new AnonymousUsageRecord("s1", new DateOnly(2026, 11, 25), "TikTok", "SocialMedia", -1, 60, 2)]);
        spool.Append(first);
        spool.Append(second);
        spool.Append(third);

        var seen = new List<IngestBatch>();
        var result = await spool.ReplayAsync((b, _) => { seen.Add(b); return Task.CompletedTask; });

        Assert.Equal(3, result.Batches);
        Assert.Equal(0, result.CorruptRecords);
        Assert.Equal([first.BatchId, second.BatchId, third.BatchId], seen.Select(b => b.BatchId));
        Assert.Equal(third.Rows, ((AnonymousUsageBatch)seen[2]).Rows);
        Assert.Equal(first.Rows, ((ObservationBatch)seen[0]).Rows);
        Assert.Equal(second.Rows, ((VisitBatch)seen[1]).Rows);
        Assert.False(spool.HasPending);
        Assert.Empty(Directory.GetFiles(_dir));
    }

    [Fact]
    public async Task ReplayAsync_CorruptMiddleRecordAndTornTail_LoadsEverythingElse()
    {
        var ids = new List<Guid>();
        using (var spool = new IngestSpool(_dir))
        {
            for (var i = 0; i < 5; i++)
            {
                var batch = new ObservationBatch(Guid.NewGuid(), [TestData.Observation(i, Day)]);
                ids.Add(batch.BatchId);
                spool.Append(batch);
            }
        }

        var segment = Directory.GetFiles(_dir).Single();
        var bytes = await File.ReadAllBytesAsync(segment);
        const int first = IngestSpool.SegmentHeaderSize;
        var recordLength = (bytes.Length - first) / 5;
        // Flip a payload byte of record 2 (checksum mismatch) and the length field of record 3 (garbage length).
        bytes[first + (2 * recordLength) + IngestSpool.HeaderSize + 20] ^= 0xFF;
        bytes[first + (3 * recordLength) + 6] ^= 0x7F;
        // A power cut during a sixth append: only half of its header reached the disk.
        var torn = bytes.Concat(bytes.AsSpan(first, 7).ToArray()).ToArray();
        await File.WriteAllBytesAsync(segment, torn);

        using var reopened = new IngestSpool(_dir);
        var seen = new List<Guid>();
        var result = await reopened.ReplayAsync((b, _) => { seen.Add(b.BatchId); return Task.CompletedTask; });

        Assert.Equal([ids[0], ids[1], ids[4]], seen);
        Assert.Equal(2, result.CorruptRecords); // records 2-3 are one damaged stretch, the torn tail another
        Assert.False(reopened.HasPending);
    }

    [Fact]
    public async Task ReplayAsync_SegmentOfUnknownFormatVersion_RefusedWithOneLineErrorAndKept()
    {
        using (var spool = new IngestSpool(_dir))
        {
            spool.Append(new ObservationBatch(Guid.NewGuid(), [TestData.Observation(1, Day)]));
        }

        var segment = Directory.GetFiles(_dir).Single();
        var bytes = await File.ReadAllBytesAsync(segment);
        Assert.Equal("CMSPOOL"u8.ToArray(), bytes[..7]);
        Assert.Equal(IngestSpool.FormatVersion, bytes[7]);
        bytes[7] = 99;
        await File.WriteAllBytesAsync(segment, bytes);

        using var reopened = new IngestSpool(_dir);
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => reopened.ReplayAsync((_, _) => Task.CompletedTask));
        Assert.Contains("format version 99", error.Message, StringComparison.Ordinal);
        Assert.Contains($"only version {IngestSpool.FormatVersion}", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
        Assert.True(File.Exists(segment), "the segment stays for a build that reads it");
    }

    [Fact]
    public async Task ReplayAsync_SegmentWithoutHeaderFromBeforeVersions_IsStillRead()
    {
        using (var spool = new IngestSpool(_dir))
        {
            spool.Append(new ObservationBatch(Guid.NewGuid(), [TestData.Observation(1, Day)]));
        }

        var segment = Directory.GetFiles(_dir).Single();
        var bytes = await File.ReadAllBytesAsync(segment);
        await File.WriteAllBytesAsync(segment, bytes[IngestSpool.SegmentHeaderSize..]);

        using var reopened = new IngestSpool(_dir);
        var result = await reopened.ReplayAsync((_, _) => Task.CompletedTask);
        Assert.Equal(1, result.Batches);
        Assert.Equal(0, result.CorruptRecords);
    }

    [Fact]
    public async Task ReplayAsync_WriterFails_SegmentIsKeptForTheNextAttempt()
    {
        using var spool = new IngestSpool(_dir);
        spool.Append(new ObservationBatch(Guid.NewGuid(), [TestData.Observation(1, Day)]));

        await Assert.ThrowsAsync<IOException>(() => spool.ReplayAsync((_, _) => throw new IOException("database away")));
        Assert.True(spool.HasPending);

        var replayed = await spool.ReplayAsync((_, _) => Task.CompletedTask);
        Assert.Equal(1, replayed.Batches);
        Assert.False(spool.HasPending);
    }

    [Fact]
    public void DirectorySyncFlush_RealAndMissingFolders_FsyncsOrReportsTheError()
    {
        // The libc binding really runs: an existing folder flushes, a missing one is an error, not a silent no-op.
        CoppiceMonitor.Storage.Platform.DirectorySync.Flush(_dir);
        var error = Assert.Throws<IOException>(() => CoppiceMonitor.Storage.Platform.DirectorySync.Flush(Path.Combine(_dir, "missing")));
        Assert.Contains("errno 2", error.Message, StringComparison.Ordinal); // ENOENT
    }
}
