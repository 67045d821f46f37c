using System.Buffers.Binary;

namespace CoppiceMonitor.Simulation.Tests;

/// <summary>One decoded frame: just what the tests need, read independently of the simulator's builders.</summary>
internal sealed record TestPacket(
    DateTime TimestampUtc,
    ulong SourceMac,
    ulong DestinationMac,
    int Vlan,
    uint SourceIp,
    uint DestinationIp,
    byte Protocol,
    ushort SourcePort,
    ushort DestinationPort,
    byte TcpFlags,
    uint TcpSequence,
    byte[] Payload,
    bool IpChecksumValid,
    bool TransportChecksumValid);

/// <summary>A small classic-pcap reader for Ethernet + 802.1Q + IPv4 + TCP/UDP, written for the tests.</summary>
internal static class PcapTestReader
{
    public static List<TestPacket> Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(0xa1b2c3d4u, BinaryPrimitives.ReadUInt32LittleEndian(bytes));
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(20)));
        var packets = new List<TestPacket>();
        var offset = 24;
        while (offset < bytes.Length)
        {
            var seconds = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset));
            var micros = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset + 4));
            var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset + 8));
            Assert.True(micros < 1_000_000);
            var frame = bytes.AsSpan(offset + 16, length);
            offset += 16 + length;
            var time = DateTime.UnixEpoch.AddSeconds(seconds).AddTicks(micros * 10L);
            packets.Add(Decode(time, frame));
        }

        return packets;
    }

    private static ulong Mac(ReadOnlySpan<byte> span)
    {
        ulong v = 0;
        for (var i = 0; i < 6; i++)
        {
            v = (v << 8) | span[i];
        }

        return v;
    }

    private static TestPacket Decode(DateTime time, ReadOnlySpan<byte> frame)
    {
        Assert.Equal(0x8100, BinaryPrimitives.ReadUInt16BigEndian(frame[12..]));
        var vlan = BinaryPrimitives.ReadUInt16BigEndian(frame[14..]) & 0x0fff;
        Assert.Equal(0x0800, BinaryPrimitives.ReadUInt16BigEndian(frame[16..]));
        var ip = frame[18..];
        var totalLength = BinaryPrimitives.ReadUInt16BigEndian(ip[2..]);
        ip = ip[..totalLength];
        var ihl = (ip[0] & 0x0f) * 4;
        var protocol = ip[9];
        var source = BinaryPrimitives.ReadUInt32BigEndian(ip[12..]);
        var destination = BinaryPrimitives.ReadUInt32BigEndian(ip[16..]);
        var ipValid = Sum(0, ip[..ihl]) == 0xffff;
        var transport = ip[ihl..];
        var pseudo = (source >> 16) + (source & 0xffff) + (destination >> 16) + (destination & 0xffff) + protocol + (uint)transport.Length;
        var transportValid = Sum(pseudo, transport) == 0xffff;
        var sourcePort = BinaryPrimitives.ReadUInt16BigEndian(transport);
        var destinationPort = BinaryPrimitives.ReadUInt16BigEndian(transport[2..]);
        byte flags = 0;
        uint sequence = 0;
        byte[] payload;
        if (protocol == 6)
        {
            sequence = BinaryPrimitives.ReadUInt32BigEndian(transport[4..]);
            flags = transport[13];
            payload = transport[((transport[12] >> 4) * 4)..].ToArray();
        }
        else
        {
            payload = transport[8..].ToArray();
        }

        return new TestPacket(time, Mac(frame[6..]), Mac(frame), vlan, source, destination, protocol, sourcePort,
            destinationPort, flags, sequence, payload, ipValid, transportValid);
    }

    private static uint Sum(uint initial, ReadOnlySpan<byte> data)
    {
        ulong sum = initial;
        var i = 0;
        for (; i + 1 < data.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        }

        if (i < data.Length)
        {
            sum += (uint)(data[i] << 8);
        }

        while ((sum >> 16) != 0)
        {
            sum = (sum & 0xffff) + (sum >> 16);
        }

        return (uint)sum;
    }

    public static uint ParseIp(string text)
    {
        var parts = text.Split('.');
        return (uint.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture) << 24)
            | (uint.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) << 16)
            | (uint.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture) << 8)
            | uint.Parse(parts[3], System.Globalization.CultureInfo.InvariantCulture);
    }
}
