using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Gatehouse.Core.Configuration;

namespace Gatehouse.Server.Tls;

/// <summary>Loads the server's TLS certificate from the configured PEM files, or makes a self-signed one.</summary>
/// <remarks>
/// The generated certificate (ECDSA P-256, subject and SAN the server's host name, two years) is
/// written to <c>DATA/tls/</c> and reused on later starts, so clients that pin it keep working.
/// </remarks>
public static class CertificateProvider
{
    public static X509Certificate2 Load(ServerConfig server)
    {
        if (server.Tls.CertificateFile is { } certFile && server.Tls.KeyFile is { } keyFile)
        {
            return X509Certificate2.CreateFromPemFile(certFile, keyFile);
        }
        var dir = Path.Combine(server.DataDirectory, "tls");
        var cert = Path.Combine(dir, "selfsigned.crt");
        var key = Path.Combine(dir, "selfsigned.key");
        if (File.Exists(cert) && File.Exists(key))
        {
            var existing = X509Certificate2.CreateFromPemFile(cert, key);
            if (existing.NotAfter > DateTime.Now.AddDays(7)) return existing;
        }
        Directory.CreateDirectory(dir);
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest($"CN={server.Hostname}", ecdsa, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(server.Hostname);
        req.CertificateExtensions.Add(san.Build());
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var created = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddYears(2));
        File.WriteAllText(key, ecdsa.ExportPkcs8PrivateKeyPem());
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllText(cert, created.ExportCertificatePem());
        return X509Certificate2.CreateFromPemFile(cert, key);
    }
}
