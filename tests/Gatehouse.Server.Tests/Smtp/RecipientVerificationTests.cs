using Gatehouse.Server.Tests.Support;

namespace Gatehouse.Server.Tests.Smtp;

/// <summary>accepted_domains.verify_recipients: a forwarded domain's host is asked at RCPT time, so its refusals reach the client instead of coming back as bounces.</summary>
public sealed class RecipientVerificationTests(ITestOutputHelper output)
{
    // The other organization: it holds one mailbox at the shared domain and refuses the rest at RCPT.
    private static readonly TestServerOptions Other = new()
    {
        AcceptedDomains = "[shared.example]",
        ExtraYaml = """
            directory:
              mailboxes:
                - alias: known
                  proxy_addresses: [SMTP:known@shared.example]

            """,
    };

    private static TestServerOptions Forwarding(System.Net.IPEndPoint host, bool verify) => new()
    {
        AcceptedDomains = $"[{{domain: shared.example, type: external_relay, forward_to: \"{host.Address}:{host.Port}\", verify_recipients: {(verify ? "true" : "false")}}}]",
    };

    private static async Task<string> RcptAsync(TestServer server, string address)
    {
        await using var c = await server.ConnectAsync();
        await c.Expect("220");
        await c.Ehlo();
        await c.Send("MAIL FROM:<someone@outside.example>");
        await c.Expect("250");
        await c.Send($"RCPT TO:<{address}>");
        var reply = await c.ReadReply();
        Assert.NotNull(reply);
        return $"{reply.Code} {reply.Text}";
    }

    [Fact]
    public async Task The_hosts_refusal_is_the_clients_refusal_and_its_acceptance_an_acceptance()
    {
        await using var other = await TestServer.StartAsync(output, Other);
        await using var server = await TestServer.StartAsync(output, Forwarding(other.Endpoint, verify: true));
        var verifier = server.Server.Queue!.Verifier;

        Assert.StartsWith("250 2.1.5", await RcptAsync(server, "known@shared.example"), StringComparison.Ordinal);
        var refused = await RcptAsync(server, "nobody@shared.example");
        Assert.StartsWith("550 5.1.1 <nobody@shared.example>: refused by ", refused, StringComparison.Ordinal);
        Assert.Contains("550 5.1.1", refused[10..], StringComparison.Ordinal); // the host's own reply is quoted
        Assert.Equal(2, verifier.Probes);

        // The refusal is in the tracking log, under the address the client asked for.
        IReadOnlyList<Gatehouse.Core.Tracking.TrackingEvent> events = [];
        await Eventually.True(async () =>
        {
            await server.Server.TrackingWriter!.FlushAsync();
            events = await server.Server.TrackingStore!.SearchAsync(new Gatehouse.Server.Tracking.TrackingQuery(null, null, "nobody@shared.example", null, null));
            return events.Count > 0;
        }, "the VERIFY event is in the tracking log");
        var verify = Assert.Single(events);
        Assert.Equal("VERIFY", verify.TypeName);
        Assert.Equal("refused", verify.Facts["outcome"]);
        Assert.Equal($"{other.Endpoint.Address}:{other.Endpoint.Port}", verify.Facts["host"]);
        Assert.StartsWith("550 5.1.1", verify.Facts["reply"], StringComparison.Ordinal);

        // Both answers are remembered: asking again costs the host nothing.
        Assert.StartsWith("250", await RcptAsync(server, "KNOWN@shared.example"), StringComparison.Ordinal);
        Assert.StartsWith("550 5.1.1", await RcptAsync(server, "nobody@shared.example"), StringComparison.Ordinal);
        Assert.Equal(2, verifier.Probes);
    }

    [Fact]
    public async Task Pipelined_commands_get_their_replies_in_order_while_the_host_is_asked()
    {
        await using var other = await TestServer.StartAsync(output, Other);
        await using var server = await TestServer.StartAsync(output, Forwarding(other.Endpoint, verify: true));
        await using var c = await server.ConnectAsync();
        await c.Expect("220");
        await c.Ehlo();
        await c.SendRaw("MAIL FROM:<someone@outside.example>\r\nRCPT TO:<nobody@shared.example>\r\nRCPT TO:<known@shared.example>\r\nDATA\r\n");
        await c.Expect("250 2.1.0");
        await c.Expect("550 5.1.1 <nobody@shared.example>");
        await c.Expect("250 2.1.5");
        await c.Expect("354");
        await c.SendRaw("Subject: pipelined\r\n\r\nhello\r\n.\r\n");
        await c.Expect("250 2.0.0");
    }

    [Fact]
    public async Task A_host_that_cannot_answer_means_try_again_later_and_is_asked_again_next_time()
    {
        var dead = Loopback.FreeEndpoint();
        await using var server = await TestServer.StartAsync(output, Forwarding(dead, verify: true));

        Assert.StartsWith("450 4.4.1 <someone@shared.example>: cannot ask ", await RcptAsync(server, "someone@shared.example"), StringComparison.Ordinal);
        Assert.StartsWith("450 4.4.1", await RcptAsync(server, "someone@shared.example"), StringComparison.Ordinal);
        Assert.Equal(2, server.Server.Queue!.Verifier.Probes);
    }

    [Fact]
    public async Task A_host_that_refuses_the_null_sender_says_nothing_about_the_recipient()
    {
        using var host = await PythonSink.StartAsync("--refuse-null-sender");
        await using var server = await TestServer.StartAsync(output, Forwarding(host.Endpoint, verify: true));

        var reply = await RcptAsync(server, "someone@shared.example");
        Assert.StartsWith("450 4.4.1 <someone@shared.example>: cannot ask ", reply, StringComparison.Ordinal);
        Assert.Contains("refused MAIL FROM:<>", reply, StringComparison.Ordinal);
        // Not remembered as a refusal: the next client's question is asked again.
        Assert.StartsWith("450", await RcptAsync(server, "someone@shared.example"), StringComparison.Ordinal);
        Assert.Equal(2, server.Server.Queue!.Verifier.Probes);
    }

    [Fact]
    public async Task A_host_that_refuses_a_recipient_with_its_own_code_is_quoted_with_its_status()
    {
        using var host = await PythonSink.StartAsync("--rcpt-reply", "gone@shared.example=553 5.1.6 Mailbox has moved");
        await using var server = await TestServer.StartAsync(output, Forwarding(host.Endpoint, verify: true));

        Assert.StartsWith("550 5.1.6 <gone@shared.example>: refused by ", await RcptAsync(server, "gone@shared.example"), StringComparison.Ordinal);
        Assert.StartsWith("250", await RcptAsync(server, "here@shared.example"), StringComparison.Ordinal);
        Assert.Empty(host.Messages());
    }

    [Fact]
    public async Task Without_the_setting_every_address_at_the_domain_is_taken_and_nobody_is_asked()
    {
        await using var other = await TestServer.StartAsync(output, Other);
        await using var server = await TestServer.StartAsync(output, Forwarding(other.Endpoint, verify: false));

        Assert.StartsWith("250 2.1.5", await RcptAsync(server, "nobody@shared.example"), StringComparison.Ordinal);
        Assert.Equal(0, server.Server.Queue!.Verifier.Probes);
    }
}
