using System.Buffers.Binary;
using System.Text;
using CoppiceMonitor.Simulation.Wire;

namespace CoppiceMonitor.Simulation.Tests.Wire;

public sealed class ClientHelloBuilderTests
{
    /// <summary>Walks the ClientHello (RFC 8446 section 4.1.2) and returns its extensions by type, checking lengths.</summary>
    private static Dictionary<ushort, (int Offset, byte[] Body)> Extensions(byte[] handshake, bool quic)
    {
        Assert.Equal(1, handshake[0]);
        Assert.Equal(handshake.Length - 4, (handshake[1] << 16) | (handshake[2] << 8) | handshake[3]);
        var i = 4 + 2 + 32;
        var sessionId = handshake[i];
        Assert.Equal(quic ? 0 : 32, sessionId);
        i += 1 + sessionId;
        i += 2 + BinaryPrimitives.ReadUInt16BigEndian(handshake.AsSpan(i));
        i += 1 + handshake[i];
        var end = i + 2 + BinaryPrimitives.ReadUInt16BigEndian(handshake.AsSpan(i));
        Assert.Equal(handshake.Length, end);
        i += 2;
        var extensions = new Dictionary<ushort, (int, byte[])>();
        while (i < end)
        {
            var type = BinaryPrimitives.ReadUInt16BigEndian(handshake.AsSpan(i));
            var length = BinaryPrimitives.ReadUInt16BigEndian(handshake.AsSpan(i + 2));
            Assert.True(extensions.TryAdd(type, (i, handshake.AsSpan(i + 4, length).ToArray())), $"duplicate extension {type:x4}");
            i += 4 + length;
        }

        Assert.Equal(end, i);
        return extensions;
    }

    [Theory]
    [InlineData(true, false, "Anywhere")]
    [InlineData(true, true, "First")]
    [InlineData(true, true, "Last")]
    [InlineData(false, false, "Anywhere")]
    public void Build_TcpHello_HasConsistentLengthsSniAndAlpn(bool chrome, bool postQuantum, string where)
    {
        var style = chrome ? HelloStyle.Chrome : HelloStyle.Safari;
        var placement = Enum.Parse<SniPlacement>(where);
        var (hello, sniOffset) = ClientHelloBuilder.Build(
            new ClientHelloSpec("www.instagram.com", ["h2", "http/1.1"], style, postQuantum, true, placement, null), new Random(3));

        var extensions = Extensions(hello, quic: false);
        var (offset, sni) = extensions[0x0000];
        Assert.Equal(sniOffset, offset);
        Assert.Equal(0, sni[2]);
        Assert.Equal("www.instagram.com", Encoding.ASCII.GetString(sni, 5, BinaryPrimitives.ReadUInt16BigEndian(sni.AsSpan(3))));
        Assert.Equal("\u0002h2\u0008http/1.1", Encoding.ASCII.GetString(extensions[0x0010].Body, 2, extensions[0x0010].Body.Length - 2));
        Assert.Equal(postQuantum, extensions[0x000a].Body.AsSpan().IndexOf(new byte[] { 0x11, 0xec }) >= 0);
        Assert.Equal(style == HelloStyle.Chrome, extensions.ContainsKey(0xfe0d));
        if (postQuantum)
        {
            // X25519MLKEM768 makes the record longer than one 1460-byte segment.
            Assert.InRange(hello.Length + 5, 1700, 2100);
            var hostStart = 5 + sniOffset + 9;
            Assert.Equal(placement == SniPlacement.Last, hostStart >= 1460);
        }
    }

    [Fact]
    public void Build_QuicHello_CarriesTransportParametersAndH3()
    {
        var (hello, _) = ClientHelloBuilder.Build(
            new ClientHelloSpec("www.youtube.com", ["h3"], HelloStyle.Chrome, false, false, SniPlacement.Anywhere, []), new Random(4));

        var extensions = Extensions(hello, quic: true);
        Assert.True(extensions.ContainsKey(0x0039));
        Assert.False(extensions.ContainsKey(0x0023));
        Assert.Equal("\u0002h3", Encoding.ASCII.GetString(extensions[0x0010].Body, 2, extensions[0x0010].Body.Length - 2));
    }
}
