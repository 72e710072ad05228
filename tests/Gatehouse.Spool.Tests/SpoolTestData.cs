using System.Net;
using Gatehouse.Core.Addresses;
using Gatehouse.Core.Envelope;

namespace Gatehouse.Spool.Tests;

/// <summary>Envelopes and temporary spool directories for the spool tests.</summary>
internal static class SpoolTestData
{
    public static MailEnvelope Envelope(int recipients = 1) => new(
        new Mailbox("sender", "example.org"),
        Enumerable.Range(0, recipients).Select(i => new EnvelopeRecipient(new Mailbox($"user{i}", "localhost"), DsnNotify.Failure | DsnNotify.Delay, $"rfc822;user{i}@localhost")).ToArray(),
        DsnReturn.Headers,
        "env-42",
        BodyType.EightBitMime,
        SmtpUtf8: false,
        DeclaredSize: 1234,
        new ClientInfo(IPAddress.Parse("127.0.0.9"), 40000, IPAddress.Loopback, 2525, "inbound", "client.example.org", true, "TLSv1.3", "TLS_AES_256_GCM_SHA384", "alice"),
        new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.FromHours(1)));

    public static string TempDir()
    {
        var d = Path.Combine(Path.GetTempPath(), "gatehouse-spool-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(d);
        return d;
    }
}
