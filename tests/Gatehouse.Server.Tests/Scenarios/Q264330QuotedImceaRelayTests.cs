using Gatehouse.Server.Tests.Scenarios.Kit;
using Gatehouse.Server.Tests.Support;

namespace Gatehouse.Server.Tests.Scenarios;

/// <summary>Seed Q264330, played by a real server: a quoted <c>"IMCEA user@domain2.com"</c> local part at a forwarded domain, and every other disguise of an outside address, relays only for an authenticated client.</summary>
/// <remarks>examples/q264330-quoted-imcea-relay: ims1 (127.0.0.2) accepts localdomain.com and forwards localdomain1.com to its own host (a sink on 127.0.0.4); relaying is for authenticated clients only (alice, password "secret"); every Internet name, domain2.com included, resolves to a sink on 127.0.0.10.</remarks>
public sealed class Q264330QuotedImceaRelayTests(ITestOutputHelper output)
{
    private const string Example = "q264330-quoted-imcea-relay";
    private const string Client = "127.0.0.9";
    private const string SeedAddress = "\"IMCEA user@domain2.com\"@localdomain1.com";

    /// <summary>The seed's address and its variants: quoting, case, percent, bang, encapsulation at either domain.</summary>
    private static readonly string[] Disguises =
    [
        SeedAddress,
        "\"IMCEA user@domain2.com\"@LocalDomain1.COM",
        "\"user@domain2.com\"@localdomain1.com",
        "user%domain2.com@localdomain1.com",
        "domain2.com!user@localdomain1.com",
        "IMCEASMTP-user+40domain2.com@localdomain1.com",
        "IMCEASMTP-user+40domain2.com@localdomain.com",
        "imceasmtp-user+40domain2+2Ecom@LOCALDOMAIN.com",
        "\"IMCEASMTP-user+40domain2.com\"@localdomain1.com",
        "user@domain2.com",
    ];

    private static async Task<Scenario> StartAsync(ITestOutputHelper output)
    {
        var s = await Scenario.StartAsync(Example, output);
        try
        {
            await s.StartHostAsync("localdomain1.com's host", "127.0.0.4", 2644);
            await s.StartHostAsync("the Internet", "127.0.0.10", 2625);
            await s.StartServerAsync("org.yaml", "ims1");
            return s;
        }
        catch
        {
            await s.DisposeAsync();
            throw;
        }
    }

    [Fact]
    public async Task From_an_unauthenticated_client_every_disguise_is_refused_and_nothing_is_relayed()
    {
        await using var s = await StartAsync(output);
        var attempt = await s.SendAsync("ims1", new MailRequest("someone@example.net", Disguises) { Source = Client });
        Assert.All(attempt.Recipients, r => Assert.True(r.Reply.Code == 550 && r.Reply.Text.StartsWith("5.7.1", StringComparison.Ordinal), $"{r.Address} -> {r.Reply}\n{attempt}"));
        // Even over TLS: encryption is not authentication.
        var overTls = await s.SendAsync("ims1", new MailRequest("someone@example.net", Disguises) { Source = Client, StartTls = true });
        Assert.All(overTls.Recipients, r => Assert.Equal(550, r.Reply.Code));
        // The forwarded domain itself is ours to accept: that mail goes to its host, and it is the only thing that leaves.
        var legit = await s.SendAsync("ims1", new MailRequest("someone@example.net", ["someone@localdomain1.com"]) { Source = Client });
        Assert.True(legit.Queued, legit + s.Log);
        await Eventually.True(() => s.Host("localdomain1.com's host").Messages().Count == 1, "localdomain1.com's host got its own mail\n" + s.Log);
        await Eventually.True(() => s["ims1"].Queued == 0, "the queue is empty\n" + s.Log);
        Assert.Equal(["someone@localdomain1.com"], s.Host("localdomain1.com's host").Messages().Single().Recipients.Select(r => r.Address));
        Assert.Empty(s.Host("the Internet").Messages());
        // The administrator finds the refusals by the address as the client typed it, and sees what it hid.
        var timeline = "";
        await Eventually.True(async () =>
        {
            timeline = (await s.GatehouseAsync("org.yaml", "track", "--recipient", SeedAddress, "--server", "ims1")).StandardOutput;
            return timeline.Contains("RELAY-DENIED", StringComparison.Ordinal);
        }, "the refusal of the seed's address is in the tracking log");
        output.WriteLine(timeline);
        Assert.Contains("127.0.0.9", timeline, StringComparison.Ordinal);
    }

    [Fact]
    public async Task From_an_authenticated_client_the_same_addresses_are_delivered_where_they_say()
    {
        await using var s = await StartAsync(output);
        var seed = await s.SendAsync("ims1", new MailRequest("alice@localdomain.com", [SeedAddress]) { Source = Client, StartTls = true, Auth = "alice:secret" });
        Assert.Equal(235, seed.Auth?.Code);
        Assert.True(seed.Queued, seed + s.Log);
        var encapsulated = await s.SendAsync("ims1", new MailRequest("alice@localdomain.com", ["IMCEASMTP-user+40domain2.com@localdomain1.com"]) { Source = Client, StartTls = true, Auth = "alice:secret" });
        Assert.True(encapsulated.Queued, encapsulated + s.Log);
        // The quoted form is no encapsulation: it goes where localdomain1.com goes, unchanged, never to domain2.com.
        await Eventually.True(() => s.Host("localdomain1.com's host").Messages().Count == 1, "the quoted address reached localdomain1.com's host\n" + s.Log);
        Assert.Equal([SeedAddress], s.Host("localdomain1.com's host").Messages()[0].Recipients.Select(r => r.Address));
        // The encapsulated one is decapsulated and goes to domain2.com.
        await Eventually.True(() => s.Host("the Internet").Messages().Count == 1, "the decapsulated address reached domain2.com\n" + s.Log);
        Assert.Equal(["user@domain2.com"], s.Host("the Internet").Messages()[0].Recipients.Select(r => r.Address));
        Assert.Equal("alice@localdomain.com", s.Host("the Internet").Messages()[0].MailFrom);
        // Tracking finds it by the address it left as, not only by the one the client gave.
        var timeline = "";
        await Eventually.True(async () =>
        {
            timeline = (await s.GatehouseAsync("org.yaml", "track", "--recipient", "user@domain2.com", "--server", "ims1")).StandardOutput;
            return timeline.Contains("TRANSFER", StringComparison.Ordinal);
        }, "the decapsulated address finds the message");
        output.WriteLine(timeline);
        Assert.Contains("IMCEASMTP-user+40domain2.com@localdomain1.com", timeline, StringComparison.Ordinal);
        // A wrong password is no authentication.
        var wrong = await s.SendAsync("ims1", new MailRequest("alice@localdomain.com", [SeedAddress]) { Source = Client, StartTls = true, Auth = "alice:guess" });
        Assert.Equal(535, wrong.Auth?.Code);
        Assert.Equal(550, wrong.Rcpt(SeedAddress).Code);
    }
}
