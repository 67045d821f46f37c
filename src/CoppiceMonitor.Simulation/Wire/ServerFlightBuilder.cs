namespace CoppiceMonitor.Simulation.Wire;

/// <summary>The server's side of a TLS 1.3 handshake and application-data records, as a monitor sees them.</summary>
internal static class ServerFlightBuilder
{
    /// <summary>
    /// ServerHello (RFC 8446 section 4.1.3): msg_type 2, length, legacy_version 0x0303, random(32),
    /// legacy_session_id_echo, cipher_suite TLS_AES_128_GCM_SHA256, compression 0, extensions:
    /// supported_versions (0x0304) and key_share (X25519).
    /// </summary>
    public static byte[] ServerHello(ReadOnlySpan<byte> sessionIdEcho, Random random)
    {
        var w = new WireWriter(128);
        w.U8(2);
        var body = w.BeginLength(3);
        w.U16(0x0303);
        w.Random(random, 32);
        w.U8(sessionIdEcho.Length);
        w.Bytes(sessionIdEcho);
        w.U16(0x1301);
        w.U8(0);
        var extensions = w.BeginLength(2);
        w.U16(0x002b);
        w.U16(2);
        w.U16(0x0304);
        w.U16(0x0033);
        w.U16(36);
        w.U16(ClientHelloBuilder.X25519);
        w.U16(32);
        w.Random(random, 32);
        w.EndLength(extensions, 2);
        w.EndLength(body, 3);
        return w.ToArray();
    }

    /// <summary>
    /// The server's first TCP flight: ServerHello record, the compatibility ChangeCipherSpec record (RFC 8446
    /// appendix D.4), then encrypted records (EncryptedExtensions, Certificate, CertificateVerify, Finished) whose
    /// content is opaque to a monitor.
    /// </summary>
    public static byte[] TcpFlight(ReadOnlySpan<byte> sessionIdEcho, int encryptedLength, Random random)
    {
        var hello = ServerHello(sessionIdEcho, random);
        var w = new WireWriter(hello.Length + encryptedLength + 32);
        w.U8(22);
        w.U16(0x0303);
        w.U16(hello.Length);
        w.Bytes(hello);
        w.Bytes([20, 0x03, 0x03, 0x00, 0x01, 0x01]);
        AppendApplicationData(w, encryptedLength, random);
        return w.ToArray();
    }

    /// <summary>TLSCiphertext (RFC 8446 section 5.2): opaque_type 23, legacy version 0x0303, length, ciphertext.</summary>
    public static void AppendApplicationData(WireWriter w, int length, Random random)
    {
        w.U8(23);
        w.U16(0x0303);
        w.U16(length);
        w.Random(random, length);
    }

    public static byte[] ApplicationData(int length, Random random)
    {
        var w = new WireWriter(length + 5);
        AppendApplicationData(w, length, random);
        return w.ToArray();
    }
}
