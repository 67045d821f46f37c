namespace CoppiceMonitor.Capture.Tls;

// Placeholder with the contract's signatures so capture-core builds until capture-tlsquic is merged (their file wins).
public sealed class TlsClientHelloAssembler
{
    private int _calls;

    public ParseStatus Add(uint sequenceNumber, bool isSyn, ReadOnlySpan<byte> payload, out ClientHelloInfo hello)
    {
        _ = sequenceNumber;
        _ = isSyn;
        _calls++;
        return TlsClientHelloParser.TryParseRecords(payload, out hello);
    }

    public void Reset() => _calls = 0;
}
