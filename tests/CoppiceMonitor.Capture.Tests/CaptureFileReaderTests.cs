using CoppiceMonitor.Capture.Tests.Builders;

namespace CoppiceMonitor.Capture.Tests;

public sealed class CaptureFileReaderTests
{
    private static readonly DateTime T0 = new(2026, 9, 7, 8, 50, 1, DateTimeKind.Utc);

    private static (DateTime Ts, byte[] Frame)[] Frames(int count) =>
        [.. Enumerable.Range(0, count).Select(i => (T0.AddTicks((i * 1_234_567L) + 3), Packets.UdpFrame((ushort)(40000 + i), 53, Packets.DnsQuery($"host{i}.example.org"))))];

    private static List<(DateTime Ts, LinkType Link, byte[] Frame)> ReadAll(byte[] file)
    {
        using var reader = new CaptureFileReader(new MemoryStream(file), "test");
        var list = new List<(DateTime, LinkType, byte[])>();
        while (reader.TryReadNext(out var ts, out var link, out var frame))
        {
            list.Add((ts, link, frame.ToArray()));
        }

        return list;
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void TryReadNext_PcapEitherByteOrderAndResolution_ReturnsFramesAndTimestamps(bool bigEndian, bool nanosecond)
    {
        var frames = Frames(5);
        var read = ReadAll(CaptureFileWriter.Pcap(frames, LinkType.Ethernet, bigEndian, nanosecond));

        Assert.Equal(5, read.Count);
        for (var i = 0; i < 5; i++)
        {
            // Microsecond files lose the sub-microsecond ticks; nanosecond files keep 100 ns ticks exactly.
            var expected = nanosecond ? frames[i].Ts : new DateTime(frames[i].Ts.Ticks - (frames[i].Ts.Ticks % 10), DateTimeKind.Utc);
            Assert.Equal(expected, read[i].Ts);
            Assert.Equal(DateTimeKind.Utc, read[i].Ts.Kind);
            Assert.Equal(LinkType.Ethernet, read[i].Link);
            Assert.Equal(frames[i].Frame, read[i].Frame);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TryReadNext_PcapngSeveralInterfacesAndLinkTypes_MapsEachPacketToItsInterface(bool bigEndian)
    {
        var ethernet = Packets.UdpFrame(1000, 53, Packets.DnsQuery("a.example"));
        var raw = Packets.Ipv4(Packets.Client, Packets.Server, 17, Packets.Udp(1001, 53, Packets.DnsQuery("b.example")));
        var file = CaptureFileWriter.Pcapng(
            [(T0, 0, ethernet), (T0.AddSeconds(1), 1, raw), (T0.AddSeconds(2), 0, ethernet)],
            [(LinkType.Ethernet, 6), (LinkType.Raw, 9)],
            bigEndian);

        var read = ReadAll(file);

        Assert.Equal([LinkType.Ethernet, LinkType.Raw, LinkType.Ethernet], read.Select(r => r.Link));
        Assert.Equal([T0, T0.AddSeconds(1), T0.AddSeconds(2)], read.Select(r => r.Ts));
        Assert.Equal(raw, read[1].Frame);
    }

    [Fact]
    public void Open_GzipCompressedPcap_DecompressesTransparently()
    {
        var path = Path.Combine(Path.GetTempPath(), $"coppice-{Guid.NewGuid():N}.pcap.gz");
        File.WriteAllBytes(path, CaptureFileWriter.Gzip(CaptureFileWriter.Pcap(Frames(3))));
        try
        {
            using var reader = CaptureFileReader.Open(path);
            var count = 0;
            while (reader.TryReadNext(out _, out _, out _))
            {
                count++;
            }

            Assert.Equal(3, count);
            Assert.Equal("pcap", reader.Format);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void TryReadNext_TruncatedLastRecord_ReturnsGoodFramesThenThrowsWithOffset()
    {
        var whole = CaptureFileWriter.Pcap(Frames(3));
        var cut = whole[..^10];
        using var reader = new CaptureFileReader(new MemoryStream(cut), "cut.pcap");
        var good = 0;
        var ex = Assert.Throws<CaptureFileFormatException>(() =>
        {
            while (reader.TryReadNext(out _, out _, out _))
            {
                good++;
            }
        });

        Assert.Equal(2, good);
        var thirdRecordOffset = 24 + (2 * (16 + Frames(3)[0].Frame.Length));
        Assert.Equal(thirdRecordOffset, ex.Offset);
        Assert.Contains("truncated record", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"offset {thirdRecordOffset}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryReadNext_CorruptPcapngBlockLength_ThrowsAfterGoodPackets()
    {
        var frame = Packets.UdpFrame(1000, 53, Packets.DnsQuery("a.example"));
        var file = CaptureFileWriter.Pcapng([(T0, 0, frame), (T0, 0, frame)], [(LinkType.Ethernet, 6)]);
        var secondEpb = file.Length - (32 + ((frame.Length + 3) & ~3));
        file[secondEpb + 4] = 0x03; // block length no longer a multiple of 4
        var delivered = new List<int>();
        using var reader = new CaptureFileReader(new MemoryStream(file), "bad.pcapng");

        var ex = Assert.Throws<CaptureFileFormatException>(() => reader.Run(new CountingHandler(delivered), CancellationToken.None));

        Assert.Single(delivered);
        Assert.Equal(secondEpb, ex.Offset);
    }

    [Fact]
    public void Constructor_NotACaptureFile_ThrowsClearError()
    {
        var ex = Assert.Throws<CaptureFileFormatException>(() => new CaptureFileReader(new MemoryStream("hello, this is a text file and not a capture"u8.ToArray()), "notes.txt"));
        Assert.Contains("not a pcap or pcapng file", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, ex.Offset);
    }

    [Fact]
    public void TryReadNext_CorruptGzip_ThrowsCaptureFileFormatException()
    {
        var gz = CaptureFileWriter.Gzip(CaptureFileWriter.Pcap(Frames(50)));
        var damaged = gz[..(gz.Length / 2)];
        var path = Path.Combine(Path.GetTempPath(), $"coppice-{Guid.NewGuid():N}.pcap.gz");
        File.WriteAllBytes(path, damaged);
        try
        {
            using var reader = CaptureFileReader.Open(path);
            Assert.Throws<CaptureFileFormatException>(() =>
            {
                while (reader.TryReadNext(out _, out _, out _))
                {
                }
            });
            Assert.True(reader.FramesDelivered > 0);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private sealed class CountingHandler(List<int> delivered) : IFrameHandler
    {
        public void OnFrame(DateTime timestampUtc, LinkType linkType, ReadOnlySpan<byte> frame) => delivered.Add(frame.Length);
    }
}
