using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CoppiceMonitor.Portal.Hosting;

/// <summary>
/// The portal's TLS certificate: the configured PKCS#12 file, or for a trial a self-signed one generated on first
/// start into the portal's data folder (mode 0600) and reused after.
/// </summary>
public static class PortalCertificate
{
    public const string GeneratedFileName = "portal-selfsigned.pfx";

    public static X509Certificate2 Load(PortalOptions options, string dataFolder)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!string.IsNullOrEmpty(options.CertificatePath))
        {
            if (!File.Exists(options.CertificatePath))
            {
                throw new InvalidOperationException($"Portal:CertificatePath: {options.CertificatePath} does not exist");
            }

            return X509CertificateLoader.LoadPkcs12FromFile(options.CertificatePath, options.CertificatePassword);
        }

        var file = Path.Combine(dataFolder, GeneratedFileName);
        if (!File.Exists(file))
        {
            Directory.CreateDirectory(dataFolder);
            var bytes = CreateSelfSigned(Environment.MachineName).Export(X509ContentType.Pkcs12);
            // Created 0600 before the key is written: never readable by others, not even briefly.
            var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using var stream = new FileStream(file, create);
            stream.Write(bytes);
        }

        return X509CertificateLoader.LoadPkcs12FromFile(file, null);
    }

    /// <summary>An RSA 2048 server certificate for the host's name, localhost and loopback, valid two years.</summary>
    public static X509Certificate2 CreateSelfSigned(string hostName)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={hostName}, O=CoppiceMonitor portal (self-signed)", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(hostName);
        names.AddDnsName("localhost");
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        names.AddIpAddress(System.Net.IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddDays(-1), now.AddYears(2));
    }
}
