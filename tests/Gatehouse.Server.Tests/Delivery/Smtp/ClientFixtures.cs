using System.Net;
using Gatehouse.Core.Configuration;
using System.Text;
using Gatehouse.Core.Envelope;
using Gatehouse.Server.Delivery.Smtp;

namespace Gatehouse.Server.Tests.Delivery.Smtp;

/// <summary>Options, messages and checks the SMTP client tests share.</summary>
internal static class ClientFixtures
{
    public const string HeloName = "out.gatehouse.test";

    /// <summary>Generous limits for paths that should succeed: a slow, busy machine only makes them slower.</summary>
    public static readonly SmtpClientTimeouts Patient = new(
        Connect: TimeSpan.FromSeconds(30),
        Greeting: TimeSpan.FromSeconds(60),
        Ehlo: TimeSpan.FromSeconds(60),
        Mail: TimeSpan.FromSeconds(60),
        Rcpt: TimeSpan.FromSeconds(60),
        DataInit: TimeSpan.FromSeconds(60),
        DataBlock: TimeSpan.FromSeconds(60),
        DataEnd: TimeSpan.FromSeconds(60));

    public static SmtpClientOptions Options(OutboundTls tls = OutboundTls.None) => new(HeloName, Tls: tls, Timeouts: Patient);

    public static CancellationToken Deadline => new CancellationTokenSource(TimeSpan.FromMinutes(2)).Token;

    public static Task<SmtpClientConnection> ConnectAsync(IPEndPoint endpoint, SmtpClientOptions options, string name = "sink.test") =>
        SmtpClientConnection.ConnectAsync(endpoint, name, options, Deadline);

    public static OutboundMessage Message(string content, params string[] recipients) =>
        Message(Encoding.UTF8.GetBytes(content), [.. recipients.Select(r => new OutboundRecipient(r))]);

    public static OutboundMessage Message(byte[] content, IReadOnlyList<OutboundRecipient> recipients, string from = "sender@gatehouse.test",
        BodyType body = BodyType.Unspecified, bool smtpUtf8 = false, DsnReturn ret = DsnReturn.Unspecified, string? envelopeId = null) =>
        new(from, recipients, ret, envelopeId, body, smtpUtf8, content.Length, () => new MemoryStream(content, writable: false));

    public static string Describe(TransactionResult r) =>
        string.Join(" / ", r.Recipients.Select(o => o.Reply + (o.FromRemote ? "" : " (ours)"))) + (r.ConnectionUsable ? "" : " [unusable]");

    /// <summary>Checks each recipient's outcome starts with the expected wire text; "(ours)" at the end for made-up replies.</summary>
    public static void AssertOutcomes(TransactionResult result, params string[] expected)
    {
        Assert.True(expected.Length == result.Recipients.Count, $"expected {expected.Length} outcomes, got {Describe(result)}");
        for (var i = 0; i < expected.Length; i++)
        {
            var o = result.Recipients[i];
            var ours = expected[i].EndsWith(" (ours)", StringComparison.Ordinal);
            var prefix = ours ? expected[i][..^" (ours)".Length] : expected[i];
            Assert.True(o.Reply.ToString().StartsWith(prefix, StringComparison.Ordinal) && o.FromRemote == !ours,
                $"recipient {i}: expected '{expected[i]}', got {Describe(result)}");
        }
    }
}
