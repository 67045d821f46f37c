namespace CoppiceMonitor.Capture.Tls;

// Placeholder with the contract's signatures so capture-core builds until capture-tlsquic is merged (their file wins).
public static class TlsClientHelloParser
{
    public static ParseStatus TryParseRecords(ReadOnlySpan<byte> stream, out ClientHelloInfo hello)
    {
        hello = default;
        return stream.IsEmpty ? ParseStatus.NeedMoreData : ParseStatus.NotApplicable;
    }

    public static ParseStatus TryParseHandshake(ReadOnlySpan<byte> handshake, out ClientHelloInfo hello)
    {
        hello = default;
        return handshake.IsEmpty ? ParseStatus.NeedMoreData : ParseStatus.NotApplicable;
    }
}
