using Gatehouse.Server.Tests.Scenarios.Kit;
using Gatehouse.Server.Tests.Support;

namespace Gatehouse.Server.Tests.Scenarios;

/// <summary>Seed Q152919, played by two real servers: a contact homed in site B is resolved on site A's server and leaves by site A's own connector while site B's server is down.</summary>
/// <remarks>examples/q152919-home-site-down: a1 (127.0.0.2) in site A, b1 (127.0.0.3) in site B; partner.example's MX is a sink on 127.0.0.10; Internet clients come from 127.0.0.9.</remarks>
public sealed class Q152919HomeSiteDownTests(ITestOutputHelper output)
{
    private const string Example = "q152919-home-site-down";
    private const string Org = "org.yaml";
    private const string InternetClient = "127.0.0.9";

    private static MailRequest ToContact(string messageId) => new("someone@example.net", ["pat@contoso.com"])
    {
        Source = InternetClient,
        Message = $"From: Someone <someone@example.net>\r\nTo: Pat <pat@contoso.com>\r\nSubject: for the contact\r\nMessage-ID: <{messageId}>\r\n\r\nHello Pat.\r\n",
    };

    [Fact]
    public async Task With_site_B_down_mail_to_its_contact_leaves_through_site_A_and_tracking_shows_the_target_at_every_hop()
    {
        await using var s = await Scenario.StartAsync(Example, output);
        var partner = await s.StartHostAsync("mx.partner.example", "127.0.0.10", 2625);
        await s.StartServerAsync(Org, "a1");
        await s.StartServerAsync(Org, "b1");

        // Everything up: the cheaper way out is site B's connector, and the message goes there already resolved.
        var first = await s.SendAsync("a1", ToContact("first.q152919@example.net"));
        Assert.True(first.Queued, first + s.Log);
        await Eventually.True(() => partner.Messages().Count == 1, "the first message reached partner.example\n" + s.Log);
        var viaB = partner.Messages()[0];
        Assert.Equal("127.0.0.3", viaB.PeerIp);
        Assert.Equal(["pat@partner.example"], viaB.Recipients.Select(r => r.Address));
        Assert.Contains("Message-ID: <first.q152919@example.net>", viaB.Text, StringComparison.Ordinal);

        // Tracking, asked on a1, follows the message to b1: every hop names the resolved address.
        string timeline = "";
        await Eventually.True(async () =>
        {
            timeline = (await s.GatehouseAsync(Org, "track", "--message-id", "first.q152919@example.net", "--server", "a1")).StandardOutput;
            return timeline.Contains("b1  TRANSFER", StringComparison.Ordinal);
        }, "b1's transfer is in the timeline\n" + timeline);
        output.WriteLine(timeline);
        var hops = timeline.Split('\n').Where(l => l.Contains("  ROUTE ", StringComparison.Ordinal) || l.Contains("  TRANSFER ", StringComparison.Ordinal)).ToList();
        Assert.Equal(4, hops.Count); // ROUTE and TRANSFER on a1, then on b1
        Assert.All(hops, l => Assert.Contains("pat@partner.example", l, StringComparison.Ordinal));
        Assert.Contains(timeline.Split('\n'), l => l.Contains("a1  RESOLVE", StringComparison.Ordinal) && l.Contains("pat@contoso.com -> SMTP:pat@partner.example", StringComparison.Ordinal));
        Assert.Contains("(servers searched: a1, b1)", timeline, StringComparison.Ordinal);

        // The seed: site B's server is down. a1 still accepts the contact and sends it out by its own connector.
        await s["b1"].StopAsync();
        var second = await s.SendAsync("a1", ToContact("second.q152919@example.net"));
        Assert.True(second.Queued, second + s.Log);
        await Eventually.True(() => partner.Messages().Count == 2, "the second message reached partner.example without site B\n" + s.Log);
        var viaA = partner.Messages()[1];
        Assert.Equal("127.0.0.2", viaA.PeerIp);
        Assert.Equal(["pat@partner.example"], viaA.Recipients.Select(r => r.Address));
        Assert.Contains("Message-ID: <second.q152919@example.net>", viaA.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("pat@contoso.com", viaA.Recipients.Select(r => r.Address));

        await Eventually.True(async () =>
        {
            timeline = (await s.GatehouseAsync(Org, "track", "--message-id", "second.q152919@example.net", "--server", "a1")).StandardOutput;
            return timeline.Contains("a1  TRANSFER", StringComparison.Ordinal);
        }, "a1's transfer is in the timeline\n" + timeline);
        output.WriteLine(timeline);
        Assert.Contains(timeline.Split('\n'), l => l.Contains("a1  TRANSFER", StringComparison.Ordinal) && l.Contains("as pat@partner.example to mx.partner.example", StringComparison.Ordinal));
        Assert.Contains("unreachable: b1", timeline, StringComparison.Ordinal);
        // Nothing waits for site B: a1's queue is empty.
        await Eventually.True(() => s["a1"].Queued == 0, "a1's queue is empty\n" + s.Log);
    }

    [Fact]
    public async Task Site_B_server_receives_the_contact_resolved_and_relays_it_for_a1_only()
    {
        await using var s = await Scenario.StartAsync(Example, output);
        var partner = await s.StartHostAsync("mx.partner.example", "127.0.0.10", 2625);
        await s.StartServerAsync(Org, "b1");
        // An Internet client may not use b1 to reach the contact's outside address; nothing leaves.
        var direct = await s.SendAsync("b1", new MailRequest("someone@example.net", ["pat@partner.example"]) { Source = InternetClient });
        Assert.Equal(550, direct.Rcpt("pat@partner.example").Code);
        Assert.StartsWith("5.7.1", direct.Rcpt("pat@partner.example").Text, StringComparison.Ordinal);
        // The contact's own address is the organization's to publish: accepted from anyone, sent out resolved.
        var published = await s.SendAsync("b1", new MailRequest("someone@example.net", ["pat@contoso.com"]) { Source = InternetClient });
        Assert.True(published.Queued, published + s.Log);
        await Eventually.True(() => partner.Messages().Count == 1, "the contact's mail reached partner.example\n" + s.Log);
        Assert.Equal(["pat@partner.example"], partner.Messages()[0].Recipients.Select(r => r.Address));
        await Task.Delay(500);
        Assert.Single(partner.Messages());
    }
}
