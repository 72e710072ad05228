using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

namespace Gatehouse.Server.Tests.Support;

/// <summary>One RCPT the sink accepted, with its parameters (keys upper case, value null for a bare keyword).</summary>
public sealed record SinkRecipient(string Address, IReadOnlyDictionary<string, string?> Parameters);

/// <summary>One message tests/support/peers/smtp_sink.py accepted: its envelope and its octets as received (dot-stuffing undone).</summary>
public sealed record SinkMessage(
    int Number,
    string? Helo,
    string PeerIp,
    bool Tls,
    string MailFrom,
    IReadOnlyDictionary<string, string?> MailParameters,
    IReadOnlyList<SinkRecipient> Recipients,
    string? AuthenticatedUser,
    byte[] Raw)
{
    public string Text => Encoding.UTF8.GetString(Raw);
}

/// <summary>Runs tests/support/peers/smtp_sink.py, a scriptable SMTP/LMTP server, on its own loopback address.</summary>
/// <remarks>
/// Options are the script's own (<c>--no-8bitmime</c>, <c>--rcpt-reply 'a@b=550 ...'</c>, ...);
/// <c>--listen</c> and <c>--out</c> are added here. The script picks the port itself (port 0) and says
/// which, so there is no window in which another process can take it. Disposing kills it.
/// </remarks>
public sealed class PythonSink : IDisposable
{
    private readonly ChildProcess _process;
    private readonly TempDirectory _dir;

    private PythonSink(ChildProcess process, TempDirectory dir, IPEndPoint endpoint)
    {
        _process = process;
        _dir = dir;
        Endpoint = endpoint;
    }

    public IPEndPoint Endpoint { get; }

    /// <summary>Where the sink writes &lt;n&gt;.eml and &lt;n&gt;.json.</summary>
    public string OutDirectory => _dir.Combine("out");

    /// <summary>The sink's stdout and stderr so far, for assertion messages.</summary>
    public string Log => $"--- sink stdout\n{_process.StandardOutput}--- sink stderr\n{_process.StandardError}";

    public static Task<PythonSink> StartAsync(params string[] options) => StartAsync(new TempDirectory(), options);

    /// <param name="dir">Owned by the sink from here on: removed when it is disposed.</param>
    public static Task<PythonSink> StartAsync(TempDirectory dir, params string[] options) => StartAsync(dir, new IPEndPoint(Loopback.FreeEndpoint().Address, 0), options);

    /// <summary>Starts the sink on a chosen address and port (port 0: the sink picks one), as a host with a fixed place in a scenario.</summary>
    /// <param name="dir">Owned by the sink from here on: removed when it is disposed.</param>
    public static async Task<PythonSink> StartAsync(TempDirectory dir, IPEndPoint listen, params string[] options)
    {
        var python = ChildProcess.Require("python3", "the SMTP client tests use tests/support/peers/smtp_sink.py as their peer");
        var process = ChildProcess.Start(python, ["-u", ScriptPath, "--listen", $"{listen.Address}:{listen.Port}", "--out", dir.Combine("out"), .. options]);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var ready = process.StandardOutput.Split('\n').FirstOrDefault(l => l.StartsWith("ready ", StringComparison.Ordinal));
            if (ready is not null)
            {
                var parts = ready.Split(' ');
                return new PythonSink(process, dir, new IPEndPoint(IPAddress.Parse(parts[1]), int.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture)));
            }
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                var log = $"--- stdout\n{process.StandardOutput}--- stderr\n{process.StandardError}";
                process.Dispose();
                dir.Dispose();
                Assert.Fail($"smtp_sink.py did not become ready\n{log}");
            }
            await Task.Delay(50);
        }
    }

    /// <summary>tests/support/peers/smtp_sink.py.</summary>
    public static string ScriptPath => Repository.File("tests", "support", "peers", "smtp_sink.py");

    /// <summary>The messages accepted so far, in the order accepted.</summary>
    public IReadOnlyList<SinkMessage> Messages()
    {
        if (!Directory.Exists(OutDirectory)) return [];
        var messages = new List<SinkMessage>();
        // The .json is renamed into place after the .eml: once it is there, both are whole.
        foreach (var json in Directory.GetFiles(OutDirectory, "*.json"))
        {
            var e = JsonDocument.Parse(File.ReadAllBytes(json)).RootElement;
            var number = e.GetProperty("number").GetInt32();
            messages.Add(new SinkMessage(
                number,
                e.GetProperty("helo").GetString(),
                e.GetProperty("peer_ip").GetString()!,
                e.GetProperty("tls").GetBoolean(),
                e.GetProperty("mail_from").GetString()!,
                Parameters(e.GetProperty("mail_params")),
                [.. e.GetProperty("rcpts").EnumerateArray().Select(r => new SinkRecipient(r.GetProperty("address").GetString()!, Parameters(r.GetProperty("params"))))],
                e.GetProperty("authenticated_user").GetString(),
                File.ReadAllBytes(Path.Combine(OutDirectory, $"{number}.eml"))));
        }
        return [.. messages.OrderBy(m => m.Number)];
    }

    private static Dictionary<string, string?> Parameters(JsonElement e) =>
        e.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ValueKind == JsonValueKind.Null ? null : p.Value.GetString(), StringComparer.OrdinalIgnoreCase);

    /// <summary>Writes a self-signed certificate and key as PEM files for <c>--starttls CERT KEY</c>.</summary>
    public static (string Certificate, string Key) CreateCertificate(TempDirectory dir, string hostName)
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest($"CN={hostName}", ecdsa, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(hostName);
        req.CertificateExtensions.Add(san.Build());
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var cert = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var certPath = dir.Combine(hostName + ".crt");
        var keyPath = dir.Combine(hostName + ".key");
        File.WriteAllText(certPath, cert.ExportCertificatePem());
        File.WriteAllText(keyPath, ecdsa.ExportPkcs8PrivateKeyPem());
        return (certPath, keyPath);
    }

    public void Dispose()
    {
        _process.Dispose();
        _dir.Dispose();
    }
}
