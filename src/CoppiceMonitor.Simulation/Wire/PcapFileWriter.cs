using System.Buffers.Binary;

namespace CoppiceMonitor.Simulation.Wire;

/// <summary>
/// Classic libpcap file (little-endian magic 0xa1b2c3d4, version 2.4, microsecond timestamps, link type 1 Ethernet).
/// Classic pcap rather than pcapng because every tool (tcpreplay, tshark, our own reader) reads it.
/// </summary>
internal sealed class PcapFileWriter : IDisposable
{
    public const int SnapLength = 262144;
    private const uint Magic = 0xa1b2c3d4;
    private readonly Stream _stream;
    private readonly byte[] _recordHeader = new byte[16];

    public PcapFileWriter(Stream stream)
    {
        _stream = stream;
        Span<byte> header = stackalloc byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(header, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], 2);
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], 4);
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], 0);   // thiszone: timestamps are UTC
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], 0); // sigfigs
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], SnapLength);
        BinaryPrimitives.WriteUInt32LittleEndian(header[20..], 1); // LINKTYPE_ETHERNET
        _stream.Write(header);
    }

    public long Packets { get; private set; }

    /// <summary>Writes one record; <paramref name="unixMicroseconds"/> is UTC microseconds since the Unix epoch.</summary>
    public void Write(long unixMicroseconds, ReadOnlySpan<byte> frame)
    {
        var seconds = unixMicroseconds / 1_000_000;
        var micros = unixMicroseconds % 1_000_000;
        BinaryPrimitives.WriteUInt32LittleEndian(_recordHeader, (uint)seconds);
        BinaryPrimitives.WriteUInt32LittleEndian(_recordHeader.AsSpan(4), (uint)micros);
        BinaryPrimitives.WriteUInt32LittleEndian(_recordHeader.AsSpan(8), (uint)frame.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(_recordHeader.AsSpan(12), (uint)frame.Length);
        _stream.Write(_recordHeader);
        _stream.Write(frame);
        Packets++;
    }

    public void Dispose() => _stream.Flush();
}
