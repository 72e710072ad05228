using Gatehouse.Server.Tests.Support;

namespace Gatehouse.Server.Tests.Smtp;

/// <summary>RCPT decided on the resolved destination: the directory, IMCEA decapsulation and sender-specified routing (seeds Q237927, Q264330).</summary>
public sealed class RecipientResolutionTests(ITestOutputHelper output)
{
    private static readonly TestServerOptions WithDirectory = new()
    {
        ExtraYaml = """
            connectors:
              - name: internet
                type: internet
                servers: [test]
                address_spaces: [{type: SMTP, pattern: "*", cost: 1}]
            directory:
              mailboxes:
                - alias: jdoe
                  proxy_addresses: [SMTP:john.doe@localhost, smtp:jdoe@gatehouse.test]
              contacts:
                - alias: partner
                  target: SMTP:pat@partner.example
                  proxy_addresses: [SMTP:pat.partner@localhost]
              lists:
                - alias: staff
                  members: [jdoe, partner]
                  proxy_addresses: [SMTP:staff@localhost]

            """,
    };

    [Theory]
    [InlineData("<john.doe@localhost>", "250 2.1.5")]
    [InlineData("<JOHN.DOE@LOCALHOST>", "250 2.1.5")]
    [InlineData("<jdoe@gatehouse.test>", "250 2.1.5")]
    [InlineData("<pat.partner@localhost>", "250 2.1.5")]
    [InlineData("<staff@localhost>", "250 2.1.5")]
    [InlineData("<postmaster@localhost>", "250 2.1.5")]
    [InlineData("<Postmaster>", "250 2.1.5")]
    [InlineData("<nobody@localhost>", "550 5.1.1")]
    [InlineData("<someone@outside.example>", "550 5.7.1")]
    [InlineData("<pat@partner.example>", "550 5.7.1")] // a contact's target is not one of our addresses
    [InlineData("<IMCEASMTP-user+40ext+2Ecom@localhost>", "550 5.7.1")] // Q237927: decapsulated before the relay decision
    [InlineData("<imceasmtp-user+40ext.com@localhost>", "550 5.7.1")]
    [InlineData("<IMCEASMTP-john+2Edoe+40localhost@localhost>", "250 2.1.5")] // decapsulates to one of ours
    [InlineData("<IMCEASMTP-user+4@localhost>", "550 5.1.3")] // a broken escape is an error, not a guess
    [InlineData("<\"IMCEA user@domain2.com\"@localhost>", "550 5.7.1")] // Q264330
    [InlineData("<\"user@ext.example\"@localhost>", "550 5.7.1")]
    [InlineData("<user%ext.example@localhost>", "550 5.7.1")]
    [InlineData("<ext.example!user@localhost>", "550 5.7.1")]
    [InlineData("<@localhost:someone@outside.example>", "550 5.7.1")] // a source route changes nothing
    [InlineData("<postmaster@[SELF]>", "250 2.1.5")] // the server's own address literal (RFC 5321 4.1.3, 4.5.1)
    [InlineData("<POSTMASTER@[SELF]>", "250 2.1.5")]
    [InlineData("<someone@[SELF]>", "550 5.1.1")] // ... where nothing else is a mailbox
    [InlineData("<user%outside.example@[SELF]>", "550 5.1.1")] // ... and nothing is relayed on
    [InlineData("<postmaster@[192.0.2.9]>", "550 5.7.1")] // another host's literal is a relay attempt
    public async Task Rcpt_reply_follows_the_resolved_destination(string path, string expected)
    {
        await using var server = await TestServer.StartAsync(output, WithDirectory);
        await using var c = await server.ConnectAsync();
        await c.Expect("220");
        await c.Ehlo();
        await c.Send("MAIL FROM:<sender@client.test>");
        await c.Expect("250 2.1.0");
        // [SELF] is the address the server listens on (the tests' loopback addresses vary).
        await c.Send("RCPT TO:" + path.Replace("SELF", server.Endpoint.Address.ToString(), StringComparison.Ordinal));
        await c.Expect(expected);
    }

    [Fact]
    public async Task Without_a_directory_any_local_part_of_an_accepted_domain_is_accepted_but_encapsulated_outside_addresses_are_not()
    {
        await using var server = await TestServer.StartAsync(output);
        await using var c = await server.ConnectAsync();
        await c.Expect("220");
        await c.Ehlo();
        await c.Send("MAIL FROM:<sender@client.test>");
        await c.Expect("250 2.1.0");
        await c.Send("RCPT TO:<anyone@localhost>");
        await c.Expect("250 2.1.5");
        await c.Send("RCPT TO:<IMCEASMTP-user+40ext.com@localhost>");
        await c.Expect("550 5.7.1");
    }
}
