using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Gatehouse.Server.Tests.Support;
using Gatehouse.Testing;

namespace Gatehouse.Server.Tests.Delivery;

/// <summary>Gatehouse delivers what it accepted, over real sockets, to real peers: Postfix's smtp-sink, a scriptable Python server, a Maildir.</summary>
/// <remarks>
/// The server under test accepts mail for gatehouse.test (authoritative, no directory: every local
/// part is a local Maildir), lets loopback clients relay, and sends the rest through the connectors
/// each test gives it. The sender is a local address, so its DSNs land in a Maildir the test reads.
/// </remarks>
public sealed class DeliveryTests(ITestOutputHelper output)
{
    private const string Sender = "sender@gatehouse.test";

    private static string Connector(string name, IPEndPoint smartHost, string extra = "", int cost = 1, string pattern = "*") => $"""
          - name: {name}
            type: internet
            servers: [test]
            smart_host: "{smartHost.Address}:{smartHost.Port}"
            {extra}
            address_spaces:
              - {"{"}type: SMTP, pattern: "{pattern}", cost: {cost}{"}"}

        """;

    private Task<TestServer> StartAsync(string connectors, string delivery = "") => TestServer.StartAsync(output, new TestServerOptions
    {
        Deliver = true,
        AcceptedDomains = "[gatehouse.test]",
        ExtraYaml = "relay:\n  allow_clients: [127.0.0.0/8]\n"
            + (connectors.Length == 0 ? "" : "connectors:\n" + connectors)
            + "delivery:\n  retry_schedule: [1s]\n  tls: none\n" + delivery,
    });

    private static async Task<string> SendAsync(TestServer server, IReadOnlyList<string> to, string body = "Subject: delivery test\r\n\r\nhello\r\n", string from = Sender)
    {
        await using var c = await server.ConnectAsync();
        await c.Expect("220");
        await c.Ehlo();
        return await c.SendMessage(from, to, body);
    }

    /// <summary>The messages in a local Maildir's new/ folder.</summary>
    private static byte[][] Mailbox(TestServer server, string folder)
    {
        var dir = Path.Combine(server.DataDirectory, "mailboxes", folder, "new");
        return Directory.Exists(dir) ? Directory.GetFiles(dir).Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToArray() : [];
    }

    private static Task QueueEmpty(TestServer server) =>
        Eventually.True(() => server.Server.Queue.Count == 0 && server.QueueFiles().Length == 0, "the queue is empty");

    private static async Task<byte[]> WaitForDsnAsync(TestServer server)
    {
        await Eventually.True(() => Mailbox(server, Sender).Length > 0, "a DSN reached the sender's mailbox");
        return Mailbox(server, Sender)[0];
    }

    [Fact]
    public async Task Delivers_to_postfix_smtp_sink_with_several_recipients_in_one_transaction()
    {
        using var sink = await PostfixSink.StartAsync();
        await using var server = await StartAsync(Connector("out", sink.Endpoint));
        await SendAsync(server, ["a@one.example", "b@one.example", "c@two.example"]);
        var messages = await sink.WaitForMessagesAsync(1);
        var m = Assert.Single(messages);
        Assert.Equal(3, m.RcptArgs.Count);
        Assert.Contains("<" + Sender + ">", m.MailArgs, StringComparison.Ordinal);
        Assert.Contains("Subject: delivery test", m.Content, StringComparison.Ordinal);
        await QueueEmpty(server);
    }

    [Fact]
    public async Task Consecutive_messages_reuse_one_connection()
    {
        using var sink = await PythonSink.StartAsync();
        await using var server = await StartAsync(Connector("out", sink.Endpoint), "  max_connections_per_destination: 1\n");
        await using (var c = await server.ConnectAsync())
        {
            await c.Expect("220");
            await c.Ehlo();
            for (var i = 0; i < 5; i++) await c.SendMessage(Sender, [$"r{i}@far.example"], $"Subject: m{i}\r\n\r\nbody {i}\r\n");
        }
        await Eventually.True(() => sink.Messages().Count == 5, "five messages at the sink\n" + sink.Log);
        // The sink logs one "connection from" line per connection.
        var connections = sink.Log.Split('\n').Count(l => l.Contains("connection from", StringComparison.Ordinal));
        output.WriteLine($"{connections} connections for 5 messages");
        Assert.True(connections < 5, $"{connections} connections for 5 messages\n{sink.Log}");
        await QueueEmpty(server);
    }

    [Fact]
    public async Task A_4xx_defers_and_the_retry_delivers()
    {
        using var sink = await PythonSink.StartAsync("--data-reply-first", "1", "451 4.3.0 Try again later");
        await using var server = await StartAsync(Connector("out", sink.Endpoint));
        var id = await SendAsync(server, ["someone@far.example"]);
        await Eventually.True(() => sink.Messages().Count == 1, "the retry reached the sink\n" + sink.Log);
        await QueueEmpty(server);
        Assert.Empty(Mailbox(server, Sender));
        output.WriteLine(id);
    }

    [Fact]
    public async Task A_5xx_for_one_of_three_recipients_fails_it_alone_with_a_dsn_that_python_parses()
    {
        using var sink = await PythonSink.StartAsync("--rcpt-reply", "b@far.example=550 5.1.1 <b@far.example>: No such user here");
        await using var server = await StartAsync(Connector("out", sink.Endpoint));
        await SendAsync(server, ["a@far.example", "b@far.example", "c@far.example"], "Subject: Quarterly figures\r\nMessage-ID: <q1@gatehouse.test>\r\n\r\nnumbers\r\n");
        await Eventually.True(() => sink.Messages().Count == 1, "the message reached the sink\n" + sink.Log);
        Assert.Equal(["a@far.example", "c@far.example"], sink.Messages()[0].Recipients.Select(r => r.Address));
        var dsn = await WaitForDsnAsync(server);
        var parsed = await PythonEmail.ParseDsnAsync(dsn);
        output.WriteLine(Encoding.UTF8.GetString(dsn));
        Assert.Equal("multipart/report", parsed.ContentType);
        Assert.Equal("delivery-status", parsed.ReportType);
        Assert.Equal("message/delivery-status", parsed.PartTypes[1]);
        var r = Assert.Single(parsed.Recipients);
        Assert.Equal("failed", r["Action"]);
        Assert.Equal("5.1.1", r["Status"]);
        Assert.Equal("rfc822; b@far.example", r["Final-Recipient"]);
        Assert.StartsWith("smtp; 550 5.1.1", r["Diagnostic-Code"], StringComparison.Ordinal);
        Assert.Contains("No such user here", r["Diagnostic-Code"], StringComparison.Ordinal);
        Assert.Contains("dns;", r["Remote-MTA"], StringComparison.Ordinal);
        Assert.False(r.ContainsKey("Original-Recipient"), "the client gave no ORCPT (RFC 3464 §2.3.1)");
        Assert.Contains("Quarterly figures", parsed.Subject, StringComparison.Ordinal);
        Assert.Equal("auto-replied", parsed.AutoSubmitted);
        Assert.Contains("b@far.example", parsed.HumanText, StringComparison.Ordinal);
        Assert.Contains("mx.gatehouse.test", parsed.PerMessage["Reporting-MTA"], StringComparison.Ordinal);
        await QueueEmpty(server);
    }

    [Theory]
    [InlineData("DATA")]
    [InlineData("DOT")]
    public async Task A_next_hop_that_drops_the_connection_defers(string stage)
    {
        using var sink = await PythonSink.StartAsync("--drop-at", stage);
        await using var server = await StartAsync(Connector("out", sink.Endpoint), "  mark_down_after: 1000\n");
        var id = await SendAsync(server, ["someone@far.example"]);
        await Eventually.True(() => server.Server.Queue.Show(id) is { Attempts: > 0 } item && item.Recipients[0].LastResult?.Contains("4.4.2", StringComparison.Ordinal) == true,
            "the recipient is deferred with 4.4.2");
        var item = server.Server.Queue.Show(id)!;
        Assert.Equal("pending", item.Recipients[0].Status);
        Assert.Empty(sink.Messages());
        Assert.Empty(Mailbox(server, Sender));
        Assert.True(File.Exists(Path.Combine(server.Spool.StateDirectory, id)), "progress is saved beside the queue file");
    }

    [Fact]
    public async Task Tls_required_but_not_offered_defers_and_sends_nothing()
    {
        using var sink = await PythonSink.StartAsync();
        await using var server = await StartAsync(Connector("out", sink.Endpoint, "tls: required"), "  mark_down_after: 1000\n");
        var id = await SendAsync(server, ["someone@far.example"]);
        await Eventually.True(() => server.Server.Queue.Show(id)?.Recipients[0].LastResult?.Contains("4.7.4", StringComparison.Ordinal) == true, "deferred with 4.7.4");
        Assert.Empty(sink.Messages());
    }

    [Fact]
    public async Task Opportunistic_tls_is_used_when_offered()
    {
        using var dir = new TempDirectory();
        var (cert, key) = PythonSink.CreateCertificate(dir, "sink.test");
        using var sink = await PythonSink.StartAsync("--starttls", cert, key);
        await using var server = await StartAsync(Connector("out", sink.Endpoint, "tls: opportunistic"));
        await SendAsync(server, ["someone@far.example"]);
        await Eventually.True(() => sink.Messages().Count == 1, "delivered\n" + sink.Log);
        Assert.True(sink.Messages()[0].Tls);
    }

    [Fact]
    public async Task Eight_bit_mail_to_a_server_without_8bitmime_is_converted_to_seven_bit()
    {
        using var sink = await PythonSink.StartAsync("--no-8bitmime");
        await using var server = await StartAsync(Connector("out", sink.Endpoint));
        var text = "Grüße aus Köln — naïve café";
        await using (var c = await server.ConnectAsync())
        {
            await c.Expect("220");
            await c.Ehlo();
            await c.Send($"MAIL FROM:<{Sender}> BODY=8BITMIME");
            await c.Expect("250");
            await c.Send("RCPT TO:<someone@far.example>");
            await c.Expect("250");
            await c.Send("DATA");
            await c.Expect("354");
            await c.SendRaw(Encoding.UTF8.GetBytes($"Subject: umlauts\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{text}\r\n.\r\n"));
            await c.Expect("250");
        }
        await Eventually.True(() => sink.Messages().Count == 1, "delivered\n" + sink.Log);
        var m = sink.Messages()[0];
        Assert.DoesNotContain(m.Raw, b => b >= 0x80);
        Assert.False(m.MailParameters.ContainsKey("BODY"));
        var decoded = DecodeQuotedPrintableBody(m.Text);
        Assert.Contains(text, decoded, StringComparison.Ordinal);
    }

    private static string DecodeQuotedPrintableBody(string message)
    {
        var body = message[(message.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];
        var bytes = new List<byte>();
        for (var i = 0; i < body.Length; i++)
        {
            if (body[i] == '=' && i + 2 < body.Length && body[i + 1] == '\r' && body[i + 2] == '\n')
            {
                i += 2;
            }
            else if (body[i] == '=' && i + 2 < body.Length && Uri.IsHexDigit(body[i + 1]) && Uri.IsHexDigit(body[i + 2]))
            {
                bytes.Add(Convert.ToByte(body.Substring(i + 1, 2), 16));
                i += 2;
            }
            else
            {
                bytes.Add((byte)body[i]);
            }
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    [Fact]
    public async Task A_kept_connection_that_the_peer_closed_is_replaced_at_once_without_a_deferral()
    {
        // The sink says 421 and hangs up after every message, as a server does when it shuts down or times out an idle client.
        using var sink = await PythonSink.StartAsync("--close-after-transaction");
        await using var server = await StartAsync(Connector("out", sink.Endpoint), "  mark_down_after: 1000\n");
        await SendAsync(server, ["first@far.example"]);
        await Eventually.True(() => sink.Messages().Count == 1, "the first message arrived\n" + sink.Log);
        // Within the second the worker keeps its connection: the next message finds it dead and must not wait for a retry.
        await SendAsync(server, ["second@far.example"]);
        await Eventually.True(() => sink.Messages().Count == 2, "the second message arrived\n" + sink.Log);
        await QueueEmpty(server);
        Assert.Equal(0, server.Server.Queue.Totals.Deferred);
    }

    [Fact]
    public async Task Failover_to_the_more_expensive_connector_when_the_cheap_one_is_down()
    {
        using var sink = await PythonSink.StartAsync();
        var dead = Loopback.FreeEndpoint();
        await using var server = await StartAsync(Connector("cheap", dead, cost: 1) + Connector("dear", sink.Endpoint, cost: 5), "  mark_down_after: 1\n  probe_interval: 1h\n");
        await SendAsync(server, ["someone@far.example"]);
        await Eventually.True(() => sink.Messages().Count == 1, "the message arrived through the other connector\n" + sink.Log);
        Assert.Contains("connector:cheap", server.Server.Queue.Health.Down.Keys);
        await QueueEmpty(server);
        // While the cheap one is down, new mail goes the other way at once.
        await SendAsync(server, ["other@far.example"]);
        await Eventually.True(() => sink.Messages().Count == 2, "the second message too");
    }

    [Fact]
    public async Task Local_mailbox_delivery_writes_a_maildir()
    {
        await using var server = await StartAsync("");
        await SendAsync(server, ["Bob@gatehouse.test"], "Subject: hello bob\r\n\r\nlocal\r\n");
        await Eventually.True(() => Mailbox(server, "bob@gatehouse.test").Length == 1, "the mailbox has the message");
        var text = Encoding.UTF8.GetString(Mailbox(server, "bob@gatehouse.test")[0]);
        Assert.StartsWith($"Return-Path: <{Sender}>\r\nDelivered-To: Bob@gatehouse.test\r\nReceived: ", text, StringComparison.Ordinal);
        Assert.EndsWith("Subject: hello bob\r\n\r\nlocal\r\n", text, StringComparison.Ordinal);
        var box = Path.Combine(server.DataDirectory, "mailboxes", "bob@gatehouse.test");
        Assert.Empty(Directory.GetFiles(Path.Combine(box, "tmp")));
        Assert.True(Directory.Exists(Path.Combine(box, "cur")));
        await QueueEmpty(server);
    }

    [Fact]
    public async Task Mail_to_the_postmaster_at_the_servers_own_address_literal_is_delivered_to_the_postmaster_here()
    {
        await using var server = await StartAsync("");
        await SendAsync(server, [$"postmaster@[{server.Endpoint.Address}]"], "Subject: to the literal\r\n\r\nhello\r\n");
        await Eventually.True(() => Mailbox(server, "postmaster").Length == 1, "the postmaster's mailbox has the message");
        Assert.EndsWith("Subject: to the literal\r\n\r\nhello\r\n", Encoding.UTF8.GetString(Mailbox(server, "postmaster")[0]), StringComparison.Ordinal);
        await QueueEmpty(server);
    }

    [Fact]
    public async Task Too_many_received_headers_fail_with_5_4_6()
    {
        await using var server = await StartAsync("");
        var loop = string.Concat(Enumerable.Range(0, 30).Select(i => $"Received: from hop{i}.example by hop{i + 1}.example; Mon, 23 Nov 2026 10:00:00 +0000\r\n"));
        await SendAsync(server, ["bob@gatehouse.test"], loop + "Subject: loop\r\n\r\nround and round\r\n");
        var parsed = await PythonEmail.ParseDsnAsync(await WaitForDsnAsync(server));
        Assert.Equal("5.4.6", parsed.Recipients[0]["Status"]);
        Assert.Empty(Mailbox(server, "bob@gatehouse.test"));
    }

    [Fact]
    public async Task Expiry_fails_the_waiting_recipients_with_5_4_7()
    {
        var dead = Loopback.FreeEndpoint();
        await using var server = await StartAsync(Connector("out", dead), "  expire_after: 3s\n  mark_down_after: 1000\n");
        await SendAsync(server, ["someone@far.example"]);
        var parsed = await PythonEmail.ParseDsnAsync(await WaitForDsnAsync(server));
        var r = Assert.Single(parsed.Recipients);
        Assert.Equal("failed", r["Action"]);
        Assert.Equal("5.4.7", r["Status"]);
        await QueueEmpty(server);
    }

    [Fact]
    public async Task A_delay_notice_is_sent_once_and_the_message_keeps_waiting()
    {
        var dead = Loopback.FreeEndpoint();
        await using var server = await StartAsync(Connector("out", dead), "  delay_notice_after: 1s\n  mark_down_after: 1000\n");
        var id = await SendAsync(server, ["someone@far.example"]);
        var parsed = await PythonEmail.ParseDsnAsync(await WaitForDsnAsync(server));
        Assert.Equal("delayed", parsed.Recipients[0]["Action"]);
        Assert.StartsWith("4.", parsed.Recipients[0]["Status"], StringComparison.Ordinal);
        Assert.True(parsed.Recipients[0].ContainsKey("Will-Retry-Until"));
        await Task.Delay(3000);
        Assert.Single(Mailbox(server, Sender));
        Assert.NotNull(server.Server.Queue.Show(id));
    }

    [Fact]
    public async Task No_dsn_for_notify_never_nor_for_a_null_sender()
    {
        using var sink = await PythonSink.StartAsync("--rcpt-reply", "x@far.example=550 5.1.1 no", "--rcpt-reply", "y@far.example=550 5.1.1 no");
        await using var server = await StartAsync(Connector("out", sink.Endpoint));
        await using (var c = await server.ConnectAsync())
        {
            await c.Expect("220");
            await c.Ehlo();
            await c.Send($"MAIL FROM:<{Sender}>");
            await c.Expect("250");
            await c.Send("RCPT TO:<x@far.example> NOTIFY=NEVER");
            await c.Expect("250");
            await c.Send("DATA");
            await c.Expect("354");
            await c.SendRaw("Subject: never\r\n\r\nx\r\n.\r\n");
            await c.Expect("250");
            await c.SendMessage("", ["y@far.example"], "Subject: bounce of a bounce\r\n\r\ny\r\n");
        }
        await QueueEmpty(server);
        await Task.Delay(1000);
        Assert.Empty(Mailbox(server, Sender));
        Assert.Empty(server.QueueFiles());
    }

    [Fact]
    public async Task Success_notices_say_delivered_locally_and_relayed_to_a_server_without_dsn()
    {
        using var sink = await PythonSink.StartAsync("--no-dsn");
        await using var server = await StartAsync(Connector("out", sink.Endpoint));
        await using (var c = await server.ConnectAsync())
        {
            await c.Expect("220");
            await c.Ehlo();
            await c.Send($"MAIL FROM:<{Sender}> ENVID=env-42");
            await c.Expect("250");
            await c.Send("RCPT TO:<bob@gatehouse.test> NOTIFY=SUCCESS");
            await c.Expect("250");
            await c.Send("RCPT TO:<far@far.example> NOTIFY=SUCCESS,FAILURE");
            await c.Expect("250");
            await c.Send("DATA");
            await c.Expect("354");
            await c.SendRaw("Subject: tell me\r\n\r\nx\r\n.\r\n");
            await c.Expect("250");
        }
        await QueueEmpty(server);
        await Eventually.True(() => Mailbox(server, Sender).Length >= 1, "success notices");
        await Task.Delay(500);
        var actions = new List<(string Recipient, string Action)>();
        foreach (var dsn in Mailbox(server, Sender))
        {
            var parsed = await PythonEmail.ParseDsnAsync(dsn);
            Assert.Equal("env-42", parsed.PerMessage["Original-Envelope-Id"]);
            actions.AddRange(parsed.Recipients.Select(r => (r["Final-Recipient"], r["Action"])));
        }
        Assert.Contains(("rfc822; bob@gatehouse.test", "delivered"), actions);
        Assert.Contains(("rfc822; far@far.example", "relayed"), actions);
    }

    [Fact]
    public async Task Dsn_parameters_are_passed_on_to_a_next_hop_that_supports_dsn()
    {
        using var sink = await PythonSink.StartAsync();
        await using var server = await StartAsync(Connector("out", sink.Endpoint));
        await using (var c = await server.ConnectAsync())
        {
            await c.Expect("220");
            await c.Ehlo();
            await c.Send($"MAIL FROM:<{Sender}> RET=HDRS ENVID=abc+2Bdef");
            await c.Expect("250");
            await c.Send("RCPT TO:<far@far.example> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;original+2Bx@gatehouse.test");
            await c.Expect("250");
            await c.Send("DATA");
            await c.Expect("354");
            await c.SendRaw("Subject: pass it on\r\n\r\nx\r\n.\r\n");
            await c.Expect("250");
        }
        await Eventually.True(() => sink.Messages().Count == 1, "delivered\n" + sink.Log);
        var m = sink.Messages()[0];
        Assert.Equal("HDRS", m.MailParameters["RET"]);
        Assert.Equal("abc+2Bdef", m.MailParameters["ENVID"]);
        var p = m.Recipients[0].Parameters;
        Assert.Equal("SUCCESS,DELAY", p["NOTIFY"]);
        Assert.Equal("rfc822;original+2Bx@gatehouse.test", p["ORCPT"]);
        await QueueEmpty(server);
        await Task.Delay(500);
        Assert.Empty(Mailbox(server, Sender)); // the next hop reports success, not us
    }

    [Fact]
    public async Task Mx_records_served_by_dnsmasq_route_the_message_and_a_null_mx_bounces_within_seconds()
    {
        using var sink = await PythonSink.StartAsync();
        await using var dns = await Dnsmasq.StartAsync([
            "mx-host=dest.test,mx1.dest.test,10",
            $"host-record=mx1.dest.test,{sink.Endpoint.Address}",
            "dns-rr=nullmx.test,15,000000",
        ]);
        await using var server = await TestServer.StartAsync(output, new TestServerOptions
        {
            Deliver = true,
            AcceptedDomains = "[gatehouse.test]",
            ExtraYaml = $"""
                relay:
                  allow_clients: [127.0.0.0/8]
                connectors:
                  - name: internet
                    type: internet
                    servers: [test]
                    port: {sink.Endpoint.Port}
                    address_spaces:
                      - {"{"}pattern: "*"{"}"}
                delivery:
                  retry_schedule: [1s]
                  tls: none
                  dns_servers: ["{dns.Endpoint.Address}:{dns.Endpoint.Port}"]

                """,
        });
        await SendAsync(server, ["user@dest.test"]);
        await Eventually.True(() => sink.Messages().Count == 1, "delivered to the MX found in DNS\n" + sink.Log);
        Assert.Equal("user@dest.test", sink.Messages()[0].Recipients[0].Address);

        var started = DateTime.UtcNow;
        await SendAsync(server, ["user@nullmx.test"]);
        var parsed = await PythonEmail.ParseDsnAsync(await WaitForDsnAsync(server));
        output.WriteLine($"null MX DSN after {(DateTime.UtcNow - started).TotalSeconds:0.0} s");
        Assert.Equal("5.1.10", parsed.Recipients[0]["Status"]);
        Assert.Equal("failed", parsed.Recipients[0]["Action"]);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(20));
        await QueueEmpty(server);
    }

    [Fact]
    public async Task Local_mailboxes_can_be_delivered_by_lmtp_to_a_mailbox_server()
    {
        using var lmtp = await PythonSink.StartAsync("--lmtp");
        await using var server = await StartAsync("", $"  local: lmtp\n  lmtp_host: \"{lmtp.Endpoint.Address}:{lmtp.Endpoint.Port}\"\n");
        await SendAsync(server, ["bob@gatehouse.test", "carol@gatehouse.test"]);
        await Eventually.True(() => lmtp.Messages().Count == 1, "the LMTP server got the message\n" + lmtp.Log);
        Assert.Equal(["bob@gatehouse.test", "carol@gatehouse.test"], lmtp.Messages()[0].Recipients.Select(r => r.Address));
        Assert.Equal("mx.gatehouse.test", lmtp.Messages()[0].Helo);
        await QueueEmpty(server);
        Assert.Empty(Mailbox(server, "bob@gatehouse.test"));
    }

    [Fact]
    public async Task Authenticates_to_a_smart_host_over_tls()
    {
        using var dir = new TempDirectory();
        var (cert, key) = PythonSink.CreateCertificate(dir, "smarthost.test");
        using var sink = await PythonSink.StartAsync("--starttls", cert, key, "--auth", "relayuser:s3cret-pass");
        await using var server = await StartAsync(Connector("out", sink.Endpoint, "tls: required\n    auth_user: relayuser\n    auth_password: s3cret-pass"));
        await SendAsync(server, ["someone@far.example"]);
        await Eventually.True(() => sink.Messages().Count == 1, "delivered through the smart host\n" + sink.Log);
        Assert.Equal("relayuser", sink.Messages()[0].AuthenticatedUser);
        Assert.True(sink.Messages()[0].Tls);
    }

    [Fact]
    public async Task A_server_of_the_organization_relays_through_another_without_a_relay_permission()
    {
        // Two servers in one site: gate1 has no connector, gate2 runs the internet connector. gate1 passes outside
        // mail to gate2, which knows gate1 by its address and relays for it (the relay was decided on gate1).
        using var sink = await PythonSink.StartAsync();
        using var dir = new TempDirectory();
        var e1 = Loopback.FreeEndpoint();
        var e2 = Loopback.FreeEndpoint();
        var yaml = $"""
            accepted_domains: [gatehouse.test]
            servers:
              - name: gate1
                hostname: gate1.gatehouse.test
                data_directory: '{dir.Combine("gate1")}'
                listeners:
                  - {"{"}address: {e1.Address}, port: {e1.Port}{"}"}
              - name: gate2
                hostname: gate2.gatehouse.test
                data_directory: '{dir.Combine("gate2")}'
                listeners:
                  - {"{"}address: {e2.Address}, port: {e2.Port}{"}"}
            connectors:
              - name: internet
                type: internet
                servers: [gate2]
                smart_host: "{sink.Endpoint.Address}:{sink.Endpoint.Port}"
                tls: none
                address_spaces:
                  - {"{"}pattern: "*"{"}"}
            relay:
              allow_clients: [127.0.0.1/32]
            delivery:
              retry_schedule: [1s]
              tls: none
            smtp:
              shutdown_grace: 1s

            """;
        var config = Gatehouse.Server.Configuration.ConfigLoader.Parse(yaml, "org.yaml", dir.Path);
        using var loggers = LoggerFactory.Create(b => b.AddProvider(new TestOutputLoggerProvider(output)));
        await using var gate2 = await Gatehouse.Server.Hosting.GatehouseServer.StartAsync(config, config.FindServer("gate2")!, loggers);
        await using var gate1 = await Gatehouse.Server.Hosting.GatehouseServer.StartAsync(config, config.FindServer("gate1")!, loggers);
        await using (var c = await SmtpTestClient.ConnectAsync(e1, localAddress: IPAddress.Loopback))
        {
            await c.Expect("220");
            await c.Ehlo();
            await c.SendMessage(Sender, ["someone@far.example"], "Subject: via gate2\r\n\r\nhop hop\r\n");
        }
        await Eventually.True(() => sink.Messages().Count == 1, "gate2 sent it on\n" + sink.Log);
        Assert.Equal(e2.Address.ToString(), sink.Messages()[0].PeerIp);
        Assert.Equal(2, Regex.Matches(sink.Messages()[0].Text, "^Received: ", RegexOptions.Multiline).Count);

        // A client at another address that is not a server of the organization is still refused by gate2.
        await using var stranger = await SmtpTestClient.ConnectAsync(e2, localAddress: IPAddress.Parse("127.0.0.77"));
        await stranger.Expect("220");
        await stranger.Ehlo();
        await stranger.Send($"MAIL FROM:<{Sender}>");
        await stranger.Expect("250");
        await stranger.Send("RCPT TO:<someone@far.example>");
        await stranger.Expect("550 5.7.1");
    }
}
