using System.Net;
using Gatehouse.Dns;
using Gatehouse.Server.Tests.Scenarios.Kit;
using Gatehouse.Server.Tests.Support;

namespace Gatehouse.Server.Tests.Scenarios;

/// <summary>Seed Q201127, played by two organizations' servers: Org1 receives for all three domains and forwards two of them to Org2, which holds their mailboxes and refuses its unknown users.</summary>
/// <remarks>examples/q201127-two-organizations: Org1's server 123 (127.0.0.2, org1.yaml), Org2's server 456 (127.0.0.3, org2.yaml); the MX records of microsoft.com, microsoft-europe.com and microsoft-africa.com point to 123; the Internet sender's domain example.net has its MX at a sink on 127.0.0.10.</remarks>
public sealed class Q201127TwoOrganizationsTests(ITestOutputHelper output)
{
    private const string Example = "q201127-two-organizations";
    private const string InternetClient = "127.0.0.9";

    [Fact]
    public async Task Mail_from_the_Internet_lands_in_the_right_organizations_mailbox_and_an_unknown_user_of_Org2_gets_a_DSN_back_to_the_sender()
    {
        await using var s = await Scenario.StartAsync(Example, output);
        var senderDomain = await s.StartHostAsync("mx.example.net", "127.0.0.10", 2625);
        await s.StartServerAsync("org1.yaml", "123");
        await s.StartServerAsync("org2.yaml", "456");

        // The Internet finds all three domains at Org1, by their MX records.
        var dns = new MailHostResolver(new DnsStubResolver([s.Dns!.Endpoint]));
        foreach (var domain in new[] { "microsoft.com", "microsoft-europe.com", "microsoft-africa.com" })
        {
            var mx = await dns.ResolveDomainAsync(domain, CancellationToken.None);
            Assert.Equal(MailHostStatus.Ok, mx.Status);
            Assert.Equal("mail.microsoft.com", mx.Hosts[0].Name);
            Assert.Equal([IPAddress.Parse("127.0.0.2")], mx.Hosts[0].Addresses);
        }
        Assert.Equal(IPAddress.Parse("127.0.0.2"), s["123"].Endpoint.Address);

        var sent = await s.SendAsync("123", new MailRequest("someone@example.net", ["bill@microsoft.com", "hans@microsoft-europe.com", "amara@microsoft-africa.com"])
        {
            Source = InternetClient,
            Message = "From: someone@example.net\r\nTo: bill@microsoft.com, hans@microsoft-europe.com, amara@microsoft-africa.com\r\nSubject: hello all\r\nMessage-ID: <all.q201127@example.net>\r\n\r\nOne message, two organizations.\r\n",
        });
        Assert.True(sent.Queued, sent + s.Log);
        await Eventually.True(() => s["123"].Mailbox("bill").Count == 1 && s["456"].Mailbox("hans").Count == 1 && s["456"].Mailbox("amara").Count == 1,
            "bill (Org1), hans and amara (Org2) each have the message\n" + s.Log);
        Assert.Empty(s["123"].MailboxFolders().Except(["bill"]));
        Assert.Contains("Message-ID: <all.q201127@example.net>", s["456"].Mailbox("hans")[0], StringComparison.Ordinal);

        // Org1 does not know Org2's users: it accepts for the domain, Org2 refuses the unknown one, and the sender hears of it.
        var unknown = await s.SendAsync("123", new MailRequest("someone@example.net", ["nobody@microsoft-africa.com"])
        {
            Source = InternetClient,
            Message = "From: someone@example.net\r\nTo: nobody@microsoft-africa.com\r\nSubject: anyone there?\r\nMessage-ID: <nobody.q201127@example.net>\r\n\r\nHello?\r\n",
        });
        Assert.True(unknown.Queued, unknown + s.Log);
        await Eventually.True(() => senderDomain.Messages().Count == 1, "a DSN reached the sender's domain\n" + s.Log);
        var dsn = senderDomain.Messages()[0];
        output.WriteLine(dsn.Text);
        Assert.Equal("", dsn.MailFrom);
        Assert.Equal(["someone@example.net"], dsn.Recipients.Select(r => r.Address));
        Assert.Contains("multipart/report", dsn.Text, StringComparison.Ordinal);
        Assert.Contains("Final-Recipient: rfc822;nobody@microsoft-africa.com", dsn.Text.Replace("\r\n ", "", StringComparison.Ordinal).Replace("; ", ";", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("Status: 5.1.1", dsn.Text, StringComparison.Ordinal);
        // Org2's own refusal is what the report quotes: its server named as the remote MTA, its reply as the diagnostic.
        Assert.Contains("Remote-MTA: dns;", dsn.Text, StringComparison.Ordinal);
        Assert.Contains("Diagnostic-Code: smtp;", dsn.Text, StringComparison.Ordinal);
        Assert.Contains("In-Reply-To: <nobody.q201127@example.net>", dsn.Text, StringComparison.Ordinal);
        await Eventually.True(() => s["123"].Queued == 0 && s["456"].Queued == 0, "both queues are empty\n" + s.Log);
        Assert.Single(senderDomain.Messages());
    }

    [Fact]
    public async Task With_verify_recipients_Org1_asks_Org2_and_refuses_its_unknown_user_at_RCPT_so_no_DSN_is_made()
    {
        await using var s = await Scenario.StartAsync(Example, output);
        var senderDomain = await s.StartHostAsync("mx.example.net", "127.0.0.10", 2625);
        var org1 = s.ConfigFile("org1.yaml");
        File.WriteAllText(org1, File.ReadAllText(org1).Replace("    type: external_relay\n", "    type: external_relay\n    verify_recipients: true\n", StringComparison.Ordinal));
        await s.StartServerAsync("org1.yaml", "123");

        // Org2 is not up yet: nobody can say whether the address exists, so the client is told to come back.
        var early = await s.SendAsync("123", new MailRequest("someone@example.net", ["amara@microsoft-africa.com"]) { Source = InternetClient });
        Assert.Equal(450, Assert.Single(early.Recipients).Reply.Code);
        Assert.False(early.Queued, early + s.Log);

        await s.StartServerAsync("org2.yaml", "456");
        var sent = await s.SendAsync("123", new MailRequest("someone@example.net", ["amara@microsoft-africa.com", "nobody@microsoft-africa.com"])
        {
            Source = InternetClient,
            Message = "From: someone@example.net\r\nTo: amara@microsoft-africa.com, nobody@microsoft-africa.com\r\nSubject: anyone there?\r\n\r\nHello?\r\n",
        });
        output.WriteLine(sent.ToString());
        Assert.Equal(250, sent.Recipients[0].Reply.Code);
        Assert.Equal(550, sent.Recipients[1].Reply.Code);
        Assert.StartsWith("5.1.1 <nobody@microsoft-africa.com>: refused by 127.0.0.3:", sent.Recipients[1].Reply.Text, StringComparison.Ordinal);
        Assert.True(sent.Queued, sent + s.Log);

        await Eventually.True(() => s["456"].Mailbox("amara").Count == 1, "amara (Org2) has the message\n" + s.Log);
        await Eventually.True(() => s["123"].Queued == 0 && s["456"].Queued == 0, "both queues are empty\n" + s.Log);
        // The refusal went to the client in its own session: no report is made, so none can go to a forged sender.
        Assert.Empty(senderDomain.Messages());

        // ... and the administrator finds it by the address.
        var timeline = "";
        await Eventually.True(async () =>
        {
            timeline = (await s.GatehouseAsync("org1.yaml", "track", "--recipient", "nobody@microsoft-africa.com", "--server", "123")).StandardOutput;
            return timeline.Contains("  VERIFY ", StringComparison.Ordinal);
        }, "the VERIFY event is in the timeline\n" + timeline);
        output.WriteLine(timeline);
        Assert.Matches(@"123  VERIFY +nobody@microsoft-africa\.com from 127\.0\.0\.9: refused by 127\.0\.0\.3:\d+: 550 5\.1\.1 ", timeline);
    }

    [Fact]
    public async Task Org1_is_no_relay_for_anything_but_its_three_domains()
    {
        await using var s = await Scenario.StartAsync(Example, output);
        var internet = await s.StartHostAsync("mx.example.net", "127.0.0.10", 2625);
        await s.StartServerAsync("org1.yaml", "123");
        var relay = await s.SendAsync("123", new MailRequest("someone@example.net", ["friend@example.net", "IMCEASMTP-friend+40example.net@microsoft-europe.com", "friend%example.net@microsoft.com"]) { Source = InternetClient });
        Assert.All(relay.Recipients, r => Assert.Equal(550, r.Reply.Code));
        await Eventually.True(() => s["123"].Queued == 0, "the queue is empty\n" + s.Log);
        Assert.Empty(internet.Messages());
    }
}
