using System.Text;
using Gatehouse.Core.Configuration;
using Gatehouse.Core.Envelope;
using Gatehouse.Server.Delivery.Smtp;
using Gatehouse.Server.Tests.Support;
using static Gatehouse.Server.Tests.Delivery.Smtp.ClientFixtures;

namespace Gatehouse.Server.Tests.Delivery.Smtp;

/// <summary>Gatehouse's client delivering to Gatehouse's own server: the message and its envelope land in the spool intact.</summary>
public sealed class OwnServerTests(ITestOutputHelper output)
{
    // Delivery off: the message must stay in the spool for the test to look at it.
    private static readonly TestServerOptions Held = new() { ExtraYaml = "delivery:\n  enabled: false\n" };

    [Fact]
    public async Task A_message_over_starttls_with_dsn_parameters_arrives_in_the_spool()
    {
        await using var server = await TestServer.StartAsync(output, Held);
        await using var c = await ConnectAsync(server.Endpoint, Options(OutboundTls.Required), TestConfig.Hostname);
        Assert.True(c.IsTls);
        Assert.True(c.Capabilities.Pipelining && c.Capabilities.Dsn && c.Capabilities.EightBitMime && c.Capabilities.SmtpUtf8);
        const string content = "From: sender@gatehouse.test\r\nSubject: from the client\r\n\r\n.leading dot\r\nGr\u00fc\u00dfe\r\n";
        var message = Message(Encoding.UTF8.GetBytes(content),
            [new OutboundRecipient("postmaster@localhost", DsnNotify.Failure | DsnNotify.Delay, "rfc822;someone+tag@old.example")],
            body: BodyType.EightBitMime, ret: DsnReturn.Headers, envelopeId: "env id=1");
        var result = await c.SendAsync(message, Deadline);
        AssertOutcomes(result, "250 2.0.0 OK queued as ");
        await c.QuitAsync(Deadline);

        var reply = result.Recipients[0].Reply.Text;
        var id = reply["OK queued as ".Length..];
        var stored = server.Spool.Find(id);
        Assert.True(stored is not null, $"{id} is not in the spool");
        var e = stored.Envelope;
        Assert.Equal("<sender@gatehouse.test>", e.ReversePathText);
        var r = Assert.Single(e.Recipients);
        Assert.Equal("postmaster@localhost", r.Address.ToWire());
        Assert.Equal(DsnNotify.Failure | DsnNotify.Delay, r.Notify);
        Assert.Equal("rfc822;someone+tag@old.example", r.OriginalRecipient);
        Assert.Equal(DsnReturn.Headers, e.Ret);
        Assert.Equal("env id=1", e.EnvelopeId);
        Assert.Equal(BodyType.EightBitMime, e.Body);
        Assert.Equal(ClientFixtures.HeloName, e.Client.Helo);
        Assert.StartsWith("TLSv1.", e.Client.TlsProtocol, StringComparison.Ordinal);
        var text = server.ContentText(id);
        Assert.StartsWith("Received: ", text, StringComparison.Ordinal);
        Assert.EndsWith("\r\n" + content, text, StringComparison.Ordinal);
    }
}
