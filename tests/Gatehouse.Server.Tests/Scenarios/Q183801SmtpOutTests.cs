using Gatehouse.Server.Tests.Scenarios.Kit;
using Gatehouse.Server.Tests.Support;

namespace Gatehouse.Server.Tests.Scenarios;

/// <summary>Seed Q183801, played by a real server: an SMTPOUT one-off with no connector for the type is refused with a reason (or returned in a DSN that gives it); with an SMTPOUT address space and the type map it leaves as SMTP for the internal system.</summary>
/// <remarks>examples/q183801-smtpout: imc1 (127.0.0.2); internal hosts are 127.0.1.0/24; the internal SMTP system (internal.domain.com) is a sink on 127.0.0.5; every Internet name resolves to a sink on 127.0.0.10.</remarks>
public sealed class Q183801SmtpOutTests(ITestOutputHelper output)
{
    private const string Example = "q183801-smtpout";
    private const string InternalHost = "127.0.1.10";
    private const string OneOff = "IMCEASMTPOUT-user+40internal+2Edomain+2Ecom@domain.com";

    private static async Task<Scenario> StartAsync(string file, ITestOutputHelper output)
    {
        var s = await Scenario.StartAsync(Example, output);
        try
        {
            await s.StartHostAsync("internal.domain.com", "127.0.0.5", 2635);
            await s.StartHostAsync("the Internet", "127.0.0.10", 2625);
            await s.StartServerAsync(file, "imc1");
            return s;
        }
        catch
        {
            await s.DisposeAsync();
            throw;
        }
    }

    [Fact]
    public async Task Without_an_SMTPOUT_address_space_the_one_off_is_refused_and_a_list_member_comes_back_in_a_DSN_that_names_the_type()
    {
        await using var s = await StartAsync("without.yaml", output);
        // Straight to the one-off: the client learns at RCPT, with the reason, instead of from an NDR hours later.
        var direct = await s.SendAsync("imc1", new MailRequest("user@domain.com", [OneOff]) { Source = InternalHost });
        var refusal = direct.Rcpt(OneOff);
        Assert.Equal(550, refusal.Code);
        Assert.StartsWith("5.4.4", refusal.Text, StringComparison.Ordinal);
        Assert.Contains("SMTPOUT", refusal.Text, StringComparison.Ordinal);

        // Through a list whose member has an SMTPOUT address: the list is accepted, the member fails at expansion,
        // and the sender gets a DSN that says why.
        var viaList = await s.SendAsync("imc1", new MailRequest("user@domain.com", ["staff@domain.com"])
        {
            Source = InternalHost,
            Message = "From: user@domain.com\r\nTo: staff@domain.com\r\nSubject: to everyone\r\nMessage-ID: <list.q183801@domain.com>\r\n\r\nHello all.\r\n",
        });
        Assert.True(viaList.Queued, viaList + s.Log);
        await Eventually.True(() => s["imc1"].Mailbox("user").Count == 2, "user has the list's copy and a DSN\n" + s.Log);
        var dsn = s["imc1"].Mailbox("user").Single(m => m.Contains("multipart/report", StringComparison.Ordinal));
        output.WriteLine(dsn);
        Assert.Contains("Status: 5.4.4", dsn, StringComparison.Ordinal);
        Assert.Contains("No connector carries SMTPOUT addresses", dsn, StringComparison.Ordinal);
        Assert.Contains("IMCEASMTPOUT-user+40internal+2Edomain+2Ecom@domain.com ([SMTPOUT:user@internal.domain.com])", dsn, StringComparison.Ordinal);
        await Eventually.True(() => s["imc1"].Queued == 0, "the queue is empty\n" + s.Log);
        Assert.Empty(s.Host("internal.domain.com").Messages());
        Assert.Empty(s.Host("the Internet").Messages());
    }

    [Fact]
    public async Task With_an_SMTPOUT_address_space_and_the_type_map_it_is_delivered_as_SMTP_to_the_internal_system_from_the_senders_SMTP_address()
    {
        await using var s = await StartAsync("with.yaml", output);
        var internalSystem = s.Host("internal.domain.com");
        var direct = await s.SendAsync("imc1", new MailRequest("user@domain.com", [OneOff]) { Source = InternalHost });
        Assert.True(direct.Queued, direct + s.Log);
        await Eventually.True(() => internalSystem.Messages().Count == 1, "the internal system got the one-off\n" + s.Log);
        var first = internalSystem.Messages()[0];
        Assert.Equal(["user@internal.domain.com"], first.Recipients.Select(r => r.Address));
        Assert.Equal("user@domain.com", first.MailFrom);

        // A sender known by its Exchange address leaves as its SMTP proxy; one with no SMTP address, encapsulated at the site domain.
        var exSender = await s.SendAsync("imc1", new MailRequest("IMCEAEX-_O=DOMAIN_OU=SITE_CN=RECIPIENTS_CN=USER@domain.com", [OneOff]) { Source = InternalHost });
        Assert.True(exSender.Queued, exSender + s.Log);
        var msSender = await s.SendAsync("imc1", new MailRequest("IMCEAMS-MSNET_MSPO_NOBODY@domain.com", [OneOff]) { Source = InternalHost });
        Assert.True(msSender.Queued, msSender + s.Log);
        // And a list member with an SMTPOUT address goes the same way.
        var viaList = await s.SendAsync("imc1", new MailRequest("user@domain.com", ["staff@domain.com"]) { Source = InternalHost });
        Assert.True(viaList.Queued, viaList + s.Log);
        await Eventually.True(() => internalSystem.Messages().Count == 4, "the internal system got all four\n" + s.Log);
        var senders = internalSystem.Messages().Select(m => m.MailFrom).ToList();
        Assert.Equal(3, senders.Count(f => f == "user@domain.com"));
        Assert.Contains("IMCEAMS-MSNET_MSPO_NOBODY@domain.com", senders);
        Assert.All(internalSystem.Messages(), m => Assert.Equal(["user@internal.domain.com"], m.Recipients.Select(r => r.Address)));
        await Eventually.True(() => s["imc1"].Mailbox("user").Count == 1, "user has the list's own copy\n" + s.Log);
        await Eventually.True(() => s["imc1"].Queued == 0, "the queue is empty\n" + s.Log);
        Assert.Empty(s.Host("the Internet").Messages());
    }
}
