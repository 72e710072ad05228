using Gatehouse.Server.Tests.Scenarios.Kit;
using Gatehouse.Server.Tests.Support;

namespace Gatehouse.Server.Tests.Scenarios;

/// <summary>Seed Q237927, played by two real servers: an encapsulated one-off (<c>IMCEASMTP-</c>) never bypasses the relay decision, and the organization's own traffic between sites still flows.</summary>
/// <remarks>examples/q237927-encapsulated-relay: hq1 (127.0.0.2, runs the internet connector) and br1 (127.0.0.3); every Internet name resolves to 127.0.0.10, where a sink records whatever leaves; 127.0.0.9 is an Internet client, 127.0.1.10 a host of the internal network.</remarks>
public sealed class Q237927EncapsulatedRelayTests(ITestOutputHelper output)
{
    private const string Example = "q237927-encapsulated-relay";
    private const string InternetClient = "127.0.0.9";
    private const string InternalHost = "127.0.1.10";

    /// <summary>Every spelling of a one-off that hides <c>LOCAL@ext.com</c> behind our own domain, as the address issue lists them.</summary>
    public static IReadOnlyList<string> OneOffs(string local) =>
    [
        $"IMCEASMTP-{local}+40ext.com@contoso.com",
        $"imceasmtp-{local}+40ext.com@contoso.com",
        $"IMCEASMTP-{local}+40ext+2Ecom@contoso.com",
        $"IMCEAsmtp-{local}+40EXT+2ecom@Contoso.COM",
        $"\"IMCEASMTP-{local}+40ext.com\"@contoso.com",
        $"IMCEASMTP-IMCEASMTP-{local}+2B40ext+2Ecom+40contoso+2Ecom@contoso.com",
    ];

    private static async Task<Scenario> StartAsync(string file, ITestOutputHelper output)
    {
        var s = await Scenario.StartAsync(Example, output);
        try
        {
            await s.StartHostAsync("the Internet", "127.0.0.10", 2625);
            await s.StartServerAsync(file, "hq1");
            await s.StartServerAsync(file, "br1");
            return s;
        }
        catch
        {
            await s.DisposeAsync();
            throw;
        }
    }

    private static PythonSink Internet(Scenario s) => s.Host("the Internet");

    [Fact]
    public async Task Relaying_off_delivers_directory_recipients_and_refuses_every_encapsulated_one_off_so_nothing_reaches_the_Internet()
    {
        await using var s = await StartAsync("no-relay.yaml", output);
        // Directory recipients, from the Internet, through either server: each lands in its own site's mailbox.
        foreach (var server in new[] { "hq1", "br1" })
        {
            var local = await s.SendAsync(server, new MailRequest("someone@example.net", ["alice@contoso.com", "bob@contoso.com"]) { Source = InternetClient });
            Assert.True(local.Queued, local + s.Log);
        }
        await Eventually.True(() => s["hq1"].Mailbox("alice").Count == 2 && s["br1"].Mailbox("bob").Count == 2, "alice (hq1) and bob (br1) each have both messages\n" + s.Log);

        // The seed: every one-off for an outside address is refused, from the Internet and from inside alike.
        foreach (var (server, client) in new[] { ("hq1", InternetClient), ("br1", InternetClient), ("hq1", InternalHost), ("br1", InternalHost) })
        {
            var attempt = await s.SendAsync(server, new MailRequest("someone@example.net", OneOffs("user")) { Source = client });
            Assert.All(attempt.Recipients, r => Assert.True(r.Reply.Code == 550 && r.Reply.Text.StartsWith("5.7.1", StringComparison.Ordinal), $"{server} from {client}: {r.Address} -> {r.Reply}\n{attempt}"));
            Assert.Null(attempt.Data);
        }
        // Seed Q264330's quoted form is no encapsulation at all: a local part nobody has.
        var quoted = await s.SendAsync("hq1", new MailRequest("someone@example.net", ["\"IMCEA user@ext.com\"@contoso.com"]) { Source = InternalHost });
        Assert.Equal(550, quoted.Recipients.Single().Reply.Code);
        await Eventually.True(() => s["hq1"].Queued == 0 && s["br1"].Queued == 0, "both queues are empty\n" + s.Log);
        Assert.Empty(Internet(s).Messages());
    }

    [Fact]
    public async Task Relaying_for_one_range_relays_the_one_offs_from_inside_it_and_refuses_them_from_outside()
    {
        await using var s = await StartAsync("org.yaml", output);
        var forms = OneOffs("inside");
        // From the internal network: each spelling is decapsulated and relayed as inside@ext.com, by hq1's connector.
        for (var i = 0; i < forms.Count; i++)
        {
            var r = await s.SendAsync("hq1", new MailRequest("alice@contoso.com", [forms[i]]) { Source = InternalHost });
            Assert.True(r.Queued, r + s.Log);
        }
        await Eventually.True(() => Internet(s).Messages().Count == forms.Count, $"{forms.Count} messages reached the Internet\n" + s.Log);
        Assert.All(Internet(s).Messages(), m => Assert.Equal(["inside@ext.com"], m.Recipients.Select(r => r.Address)));

        // The same spellings from outside the range: refused, and nothing more leaves.
        var outside = await s.SendAsync("hq1", new MailRequest("someone@example.net", OneOffs("outside")) { Source = InternetClient });
        Assert.All(outside.Recipients, r => Assert.True(r.Reply.Code == 550 && r.Reply.Text.StartsWith("5.7.1", StringComparison.Ordinal), $"{r.Address} -> {r.Reply}\n{outside}"));
        var outsideViaBranch = await s.SendAsync("br1", new MailRequest("someone@example.net", OneOffs("outside")) { Source = InternetClient });
        Assert.All(outsideViaBranch.Recipients, r => Assert.Equal(550, r.Reply.Code));
        await Eventually.True(() => s["hq1"].Queued == 0 && s["br1"].Queued == 0, "both queues are empty\n" + s.Log);
        Assert.Equal(forms.Count, Internet(s).Messages().Count);
        Assert.DoesNotContain(Internet(s).Messages(), m => m.Recipients.Any(r => r.Address.StartsWith("outside", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task The_internet_connector_of_one_site_carries_the_other_sites_outside_mail_and_its_recipients()
    {
        await using var s = await StartAsync("org.yaml", output);
        // br1 has no connector of its own: a host of its site sends out through hq1's, the IMS used as a site connector.
        var fromBranch = await s.SendAsync("br1", new MailRequest("bob@contoso.com", ["IMCEASMTP-partner+40ext.com@contoso.com", "alice@contoso.com"]) { Source = InternalHost });
        Assert.True(fromBranch.Queued, fromBranch + s.Log);
        await Eventually.True(() => Internet(s).Messages().Count == 1, "the branch's outside mail left through hq1\n" + s.Log);
        var sent = Internet(s).Messages()[0];
        Assert.Equal("127.0.0.2", sent.PeerIp);
        Assert.Equal(["partner@ext.com"], sent.Recipients.Select(r => r.Address));
        await Eventually.True(() => s["hq1"].Mailbox("alice").Count == 1, "alice got her copy\n" + s.Log);
        // And the other way: mail from the Internet for the branch's recipient crosses to br1.
        var toBranch = await s.SendAsync("hq1", new MailRequest("someone@example.net", ["bob@contoso.com", "IMCEASMTP-bob+40contoso.com@contoso.com"]) { Source = InternetClient });
        Assert.True(toBranch.Queued, toBranch + s.Log);
        await Eventually.True(() => s["br1"].Mailbox("bob").Count >= 1, "bob got the message on br1\n" + s.Log);
        await Eventually.True(() => s["hq1"].Queued == 0 && s["br1"].Queued == 0, "both queues are empty\n" + s.Log);
        Assert.Single(Internet(s).Messages());
    }
}
