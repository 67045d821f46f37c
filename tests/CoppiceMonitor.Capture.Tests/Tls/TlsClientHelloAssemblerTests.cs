using CoppiceMonitor.Capture.Tests.Quic;
using CoppiceMonitor.Capture.Tls;

namespace CoppiceMonitor.Capture.Tests.Tls;

[Collection(TlsQuicRunsAlone.Name)]
public sealed class TlsClientHelloAssemblerTests
{
    private const uint Isn = 0xfffff000;     // close to wrap-around, so sequence arithmetic is exercised

    private static byte[] LargeHelloStream() => ClientHelloBuilder.ToRecords(
        new ClientHelloBuilder { ServerName = "reassembled.example", PaddingExtensionLength = 1800 }.BuildHandshake());

    [Fact]
    public void Add_ThreeSegmentsOutOfOrderWithRetransmission_SuccessOnce()
    {
        var stream = LargeHelloStream();
        var assembler = new TlsClientHelloAssembler();
        var start = Isn + 1;

        Assert.Equal(ParseStatus.NeedMoreData, assembler.Add(Isn, isSyn: true, default, out _));
        Assert.Equal(ParseStatus.NeedMoreData, assembler.Add(start + 1400, false, stream.AsSpan(1400), out _));   // 3rd
        Assert.Equal(ParseStatus.NeedMoreData, assembler.Add(start, false, stream.AsSpan(0, 3), out _));         // 1st (inside the record header)
        Assert.Equal(ParseStatus.NeedMoreData, assembler.Add(start, false, stream.AsSpan(0, 3), out _));         // 1st again
        var status = assembler.Add(start + 3, false, stream.AsSpan(3, 1397), out var hello);                     // 2nd

        Assert.Equal(ParseStatus.Success, status);
        Assert.Equal("reassembled.example", hello.ServerName);
        Assert.Equal(ParseStatus.NotApplicable, assembler.Add(start + 1400, false, stream.AsSpan(1400), out _));
    }

    [Fact]
    public void Add_OverlappingRetransmissionsOfDifferentSizes_Success()
    {
        var stream = LargeHelloStream();
        var assembler = new TlsClientHelloAssembler();
        assembler.Add(Isn, true, default, out _);

        assembler.Add(Isn + 1, false, stream.AsSpan(0, 1000), out _);
        assembler.Add(Isn + 1 + 500, false, stream.AsSpan(500, 700), out _);      // overlaps both ends
        var status = assembler.Add(Isn + 1 + 900, false, stream.AsSpan(900), out var hello);

        Assert.Equal(ParseStatus.Success, status);
        Assert.Equal("reassembled.example", hello.ServerName);
    }

    [Fact]
    public void Add_MissedSynAndFirstSegmentArrivesLast_Success()
    {
        var stream = LargeHelloStream();
        var assembler = new TlsClientHelloAssembler();
        const uint start = 123456;

        Assert.Equal(ParseStatus.NeedMoreData, assembler.Add(start + 1000, false, stream.AsSpan(1000, 500), out _));
        Assert.Equal(ParseStatus.NeedMoreData, assembler.Add(start + 1500, false, stream.AsSpan(1500), out _));
        var status = assembler.Add(start, false, stream.AsSpan(0, 1000), out var hello);

        Assert.Equal(ParseStatus.Success, status);
        Assert.Equal("reassembled.example", hello.ServerName);
    }

    [Fact]
    public void Add_EverySplitPoint_SuccessExactlyWhenComplete()
    {
        var stream = ClientHelloBuilder.ToRecords(new ClientHelloBuilder().BuildHandshake());
        var assembler = new TlsClientHelloAssembler();
        for (var cut = 1; cut < stream.Length; cut++)
        {
            assembler.Reset();
            assembler.Add(Isn, true, default, out _);
            Assert.Equal(ParseStatus.NeedMoreData, assembler.Add(Isn + 1 + (uint)cut, false, stream.AsSpan(cut), out _));
            Assert.Equal(ParseStatus.Success, assembler.Add(Isn + 1, false, stream.AsSpan(0, cut), out var hello));
            Assert.Equal("www.example.org", hello.ServerName);
        }
    }

    [Fact]
    public void Add_HelloLargerThanCap_Malformed()
    {
        var stream = ClientHelloBuilder.ToRecords(
            new ClientHelloBuilder { PaddingExtensionLength = TlsClientHelloAssembler.MaxStreamBytes }.BuildHandshake());
        var assembler = new TlsClientHelloAssembler();
        assembler.Add(0, true, default, out _);

        var status = ParseStatus.NeedMoreData;
        for (var offset = 0; offset < stream.Length && status == ParseStatus.NeedMoreData; offset += 1400)
        {
            status = assembler.Add(1 + (uint)offset, false, stream.AsSpan(offset, Math.Min(1400, stream.Length - offset)), out _);
        }

        Assert.Equal(ParseStatus.Malformed, status);
    }

    [Fact]
    public void Add_PlainHttpAfterSyn_NotApplicable()
    {
        var assembler = new TlsClientHelloAssembler();
        assembler.Add(10, true, default, out _);

        Assert.Equal(ParseStatus.NotApplicable, assembler.Add(11, false, "GET / HTTP/1.1\r\n"u8, out _));
    }

    [Fact]
    public void Add_MidStreamWithoutAnyRecordStart_GivesUpWhenEarlyBufferFull()
    {
        var assembler = new TlsClientHelloAssembler();
        var status = ParseStatus.NeedMoreData;
        for (uint i = 0; i < 200 && status == ParseStatus.NeedMoreData; i++)
        {
            status = assembler.Add(i * 100, false, new byte[100], out _);
        }

        Assert.Equal(ParseStatus.NotApplicable, status);
    }

    [Fact]
    public void Reset_AfterSuccess_AssemblesAnotherFlow()
    {
        var stream = ClientHelloBuilder.ToRecords(new ClientHelloBuilder { ServerName = "first.example" }.BuildHandshake());
        var second = ClientHelloBuilder.ToRecords(new ClientHelloBuilder { ServerName = "second.example" }.BuildHandshake());
        var assembler = new TlsClientHelloAssembler();
        Assert.Equal(ParseStatus.Success, assembler.Add(5, false, stream, out _));

        assembler.Reset();
        var status = assembler.Add(900, false, second, out var hello);

        Assert.Equal(ParseStatus.Success, status);
        Assert.Equal("second.example", hello.ServerName);
    }

    [Fact]
    public void Add_NewSynWithOtherSequence_StartsAgain()
    {
        var stream = LargeHelloStream();
        var assembler = new TlsClientHelloAssembler();
        assembler.Add(100, true, default, out _);
        assembler.Add(101, false, stream.AsSpan(0, 600), out _);

        assembler.Add(5000, true, default, out _);
        var status = assembler.Add(5001, false, stream, out var hello);

        Assert.Equal(ParseStatus.Success, status);
        Assert.Equal("reassembled.example", hello.ServerName);
    }

    [Fact]
    public void Add_RandomSegmentationOrderAndDuplicates_AlwaysSuccess()
    {
        var stream = LargeHelloStream();
        var random = new Random(7);
        var assembler = new TlsClientHelloAssembler();
        for (var round = 0; round < 300; round++)
        {
            assembler.Reset();
            var withSyn = random.Next(2) == 0;
            var start = (uint)random.NextInt64(0, uint.MaxValue);
            if (withSyn)
            {
                assembler.Add(start - 1, true, default, out _);
            }

            var segments = new List<(int Offset, int Length)>();
            for (var offset = 0; offset < stream.Length;)
            {
                var length = Math.Min(random.Next(1, 400), stream.Length - offset);
                segments.Add((offset, length));
                if (random.Next(4) == 0)
                {
                    segments.Add((offset, length));     // retransmission
                }

                offset += length;
            }

            // Without a SYN the segment holding the record header anchors the stream wherever it lands.
            var shuffled = segments.OrderBy(_ => random.Next()).ToList();
            ParseStatus status = ParseStatus.NeedMoreData;
            ClientHelloInfo hello = default;
            foreach (var (offset, length) in shuffled)
            {
                var result = assembler.Add(start + (uint)offset, false, stream.AsSpan(offset, length), out var h);
                if (result != ParseStatus.NeedMoreData && status == ParseStatus.NeedMoreData)
                {
                    status = result;
                    hello = h;
                }
            }

            Assert.Equal(ParseStatus.Success, status);
            Assert.Equal("reassembled.example", hello.ServerName);
        }
    }
}
