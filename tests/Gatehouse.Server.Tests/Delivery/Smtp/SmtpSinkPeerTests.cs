using System.Text;
using Gatehouse.Core.Configuration;
using Gatehouse.Core.Content;
using Gatehouse.Core.Envelope;
using Gatehouse.Server.Delivery.Smtp;
using Gatehouse.Server.Tests.Support;
using static Gatehouse.Server.Tests.Delivery.Smtp.ClientFixtures;

namespace Gatehouse.Server.Tests.Delivery.Smtp;

/// <summary>The client against tests/support/peers/smtp_sink.py over real sockets: refusals, drops, TLS, AUTH, 8BITMIME, SMTPUTF8, LMTP.</summary>
public sealed class SmtpSinkPeerTests(ITestOutputHelper output)
{
    private const string Content = "From: sender@gatehouse.test\r\nSubject: hello\r\n\r\nHello.\r\n";

    private async Task<SmtpClientConnection> Connect(PythonSink sink, SmtpClientOptions? options = null)
    {
        try
        {
            return await ConnectAsync(sink.Endpoint, options ?? Options());
        }
        catch (SmtpDeliveryException e)
        {
            output.WriteLine(sink.Log);
            Assert.Fail($"connect failed: {e.Reply}\n{sink.Log}");
            throw;
        }
    }

    [Fact]
    public async Task Temporary_failure_after_the_dot_then_success_on_the_next_transaction()
    {
        using var sink = await PythonSink.StartAsync("--data-reply-first", "1", "451 4.3.0 Try again later");
        await using var c = await Connect(sink);
        var first = await c.SendAsync(Message(Content, "a@remote.test", "b@remote.test"), Deadline);
        AssertOutcomes(first, "451 4.3.0 Try again later", "451 4.3.0 Try again later");
        Assert.True(first.ConnectionUsable);
        var second = await c.SendAsync(Message(Content, "a@remote.test", "b@remote.test"), Deadline);
        AssertOutcomes(second, "250 2.0.0", "250 2.0.0");
        var m = Assert.Single(sink.Messages());
        Assert.Equal(["a@remote.test", "b@remote.test"], m.Recipients.Select(r => r.Address));
        Assert.Equal(Content, m.Text);
    }

    [Fact]
    public async Task One_refused_recipient_of_three_and_the_other_two_are_delivered()
    {
        using var sink = await PythonSink.StartAsync("--rcpt-reply", "b@remote.test=550 5.1.1 No such user");
        await using var c = await Connect(sink);
        Assert.True(c.Capabilities.Pipelining);
        var result = await c.SendAsync(Message(Content, "a@remote.test", "b@remote.test", "c@remote.test"), Deadline);
        AssertOutcomes(result, "250 2.0.0", "550 5.1.1 No such user", "250 2.0.0");
        Assert.True(result.ConnectionUsable);
        Assert.Equal(["a@remote.test", "c@remote.test"], Assert.Single(sink.Messages()).Recipients.Select(r => r.Address));
    }

    [Fact]
    public async Task Every_recipient_refused_sends_no_data_and_the_connection_stays_usable()
    {
        using var sink = await PythonSink.StartAsync("--no-pipelining", "--rcpt-reply", "a@remote.test=550 5.1.1 No such user", "--rcpt-reply", "b@remote.test=450 4.2.1 Try later");
        await using var c = await Connect(sink);
        Assert.False(c.Capabilities.Pipelining);
        var result = await c.SendAsync(Message(Content, "a@remote.test", "b@remote.test"), Deadline);
        AssertOutcomes(result, "550 5.1.1 No such user", "450 4.2.1 Try later");
        Assert.True(result.ConnectionUsable);
        AssertOutcomes(await c.SendAsync(Message(Content, "c@remote.test"), Deadline), "250 2.0.0");
        Assert.Equal("c@remote.test", Assert.Single(Assert.Single(sink.Messages()).Recipients).Address);
    }

    [Theory]
    [InlineData("DATA", "451 4.4.2 lost connection with sink.test[", "while sending DATA command")]
    [InlineData("DOT", "451 4.4.2 lost connection with sink.test[", "while sending end of data -- message may be sent more than once")]
    [InlineData("RCPT", "451 4.4.2 lost connection with sink.test[", "while sending RCPT TO")]
    public async Task A_peer_that_drops_the_connection_defers_the_unfinished_recipients(string stage, string start, string end)
    {
        using var sink = await PythonSink.StartAsync("--drop-at", stage);
        await using var c = await Connect(sink);
        var result = await c.SendAsync(Message(Content, "a@remote.test", "b@remote.test"), Deadline);
        AssertOutcomes(result, start + " (ours)", start + " (ours)");
        Assert.All(result.Recipients, o => Assert.EndsWith(end, o.Reply.Text, StringComparison.Ordinal));
        Assert.False(result.ConnectionUsable);
        Assert.False(c.IsUsable);
        AssertOutcomes(await c.SendAsync(Message(Content, "a@remote.test"), Deadline), "451 4.4.2 connection with sink.test[ (ours)");
        Assert.Empty(sink.Messages());
    }

    [Fact]
    public async Task Tls_required_but_not_offered_is_a_deferral_of_the_connection()
    {
        using var sink = await PythonSink.StartAsync();
        var e = await Assert.ThrowsAsync<SmtpDeliveryException>(() => ConnectAsync(sink.Endpoint, Options(OutboundTls.Required)));
        Assert.StartsWith($"451 4.7.4 TLS is required, but was not offered by host sink.test[{sink.Endpoint.Address}]", e.Reply.ToString(), StringComparison.Ordinal);
        Assert.False(e.FromRemote);
    }

    [Fact]
    public async Task Opportunistic_starttls_is_used_when_offered()
    {
        var dir = new TempDirectory();
        var (cert, key) = PythonSink.CreateCertificate(dir, "sink.test");
        using var sink = await PythonSink.StartAsync(dir, "--starttls", cert, key);
        await using var c = await Connect(sink, Options(OutboundTls.Opportunistic));
        Assert.True(c.IsTls);
        Assert.NotNull(c.TlsProtocol);
        // The capabilities are those of the EHLO after TLS: STARTTLS is no longer offered.
        Assert.False(c.Capabilities.StartTls);
        AssertOutcomes(await c.SendAsync(Message(Content, "a@remote.test"), Deadline), "250 2.0.0");
        var m = Assert.Single(sink.Messages());
        Assert.True(m.Tls);
        Assert.Equal(HeloName, m.Helo);
    }

    [Fact]
    public async Task An_untrusted_certificate_fails_required_tls_and_falls_back_to_clear_text_when_opportunistic()
    {
        var dir = new TempDirectory();
        var (cert, key) = PythonSink.CreateCertificate(dir, "sink.test");
        using var sink = await PythonSink.StartAsync(dir, "--starttls", cert, key);
        var e = await Assert.ThrowsAsync<SmtpDeliveryException>(() => ConnectAsync(sink.Endpoint, Options(OutboundTls.Required) with { Verify = OutboundTlsVerify.Chain }));
        Assert.StartsWith("451 4.7.5 TLS handshake with sink.test[", e.Reply.ToString(), StringComparison.Ordinal);
        Assert.Contains("certificate not trusted", e.Reply.Text, StringComparison.Ordinal);

        await using var c = await Connect(sink, Options(OutboundTls.Opportunistic) with { Verify = OutboundTlsVerify.Name });
        Assert.False(c.IsTls);
        AssertOutcomes(await c.SendAsync(Message(Content, "a@remote.test"), Deadline), "250 2.0.0");
        Assert.False(Assert.Single(sink.Messages()).Tls);
    }

    [Fact]
    public async Task Auth_plain_over_tls_and_a_wrong_password_is_the_servers_reply()
    {
        var dir = new TempDirectory();
        var (cert, key) = PythonSink.CreateCertificate(dir, "sink.test");
        using var sink = await PythonSink.StartAsync(dir, "--starttls", cert, key, "--auth", "relay-user:s3cret");
        var good = Options(OutboundTls.Required) with { Credentials = new ClientCredentials("relay-user", "s3cret") };
        await using (var c = await Connect(sink, good))
        {
            AssertOutcomes(await c.SendAsync(Message(Content, "a@remote.test"), Deadline), "250 2.0.0");
            await c.QuitAsync(Deadline);
        }
        Assert.Equal("relay-user", Assert.Single(sink.Messages()).AuthenticatedUser);

        var e = await Assert.ThrowsAsync<SmtpDeliveryException>(() => ConnectAsync(sink.Endpoint, good with { Credentials = new ClientCredentials("relay-user", "wrong") }));
        Assert.Equal("535 5.7.8 Authentication credentials invalid", e.Reply.ToString());
        Assert.True(e.FromRemote);
    }

    [Fact]
    public async Task Credentials_are_never_sent_without_tls()
    {
        using var sink = await PythonSink.StartAsync("--auth", "relay-user:s3cret");
        var options = Options(OutboundTls.Opportunistic) with { Credentials = new ClientCredentials("relay-user", "s3cret") };
        var e = await Assert.ThrowsAsync<SmtpDeliveryException>(() => ConnectAsync(sink.Endpoint, options));
        Assert.StartsWith("451 4.7.0 refusing to send credentials without TLS", e.Reply.ToString(), StringComparison.Ordinal);
        Assert.False(e.FromRemote);
    }

    [Fact]
    public async Task A_server_without_8bitmime_gets_a_7_bit_message_whose_text_decodes_to_the_original()
    {
        using var sink = await PythonSink.StartAsync("--no-8bitmime");
        const string text = "Grüße aus Köln – ½ € pro Stück.\r\n.Zeile mit Punkt\r\n";
        var content = Encoding.UTF8.GetBytes("From: sender@gatehouse.test\r\nSubject: umlauts\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + text);
        await using var c = await Connect(sink);
        Assert.False(c.Capabilities.EightBitMime);
        var result = await c.SendAsync(Message(content, [new OutboundRecipient("a@remote.test")], body: BodyType.EightBitMime), Deadline);
        AssertOutcomes(result, "250 2.0.0");
        var m = Assert.Single(sink.Messages());
        Assert.False(m.MailParameters.ContainsKey("BODY"));
        Assert.False(SevenBitDowngrade.HasEightBit(m.Raw));
        Assert.Equal(m.Raw.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), m.MailParameters["SIZE"]);
        var received = m.Text;
        Assert.Contains("Content-Transfer-Encoding: quoted-printable\r\n", received, StringComparison.Ordinal);
        Assert.DoesNotContain("Content-Transfer-Encoding: 8bit", received, StringComparison.Ordinal);
        var body = received[(received.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];
        Assert.Equal(text, Encoding.UTF8.GetString(QuotedPrintable(body)));
    }

    [Fact]
    public async Task An_8_bit_header_for_a_server_without_8bitmime_fails_without_sending_and_keeps_the_connection()
    {
        using var sink = await PythonSink.StartAsync("--no-8bitmime");
        await using var c = await Connect(sink);
        var result = await c.SendAsync(Message(Encoding.UTF8.GetBytes("Subject: Grüße\r\n\r\nx\r\n"), [new OutboundRecipient("a@remote.test")], body: BodyType.EightBitMime), Deadline);
        AssertOutcomes(result, "554 5.6.3 message has 8-bit headers and the next hop does not accept 8-bit mail (ours)");
        Assert.True(result.ConnectionUsable);
        AssertOutcomes(await c.SendAsync(Message(Content, "b@remote.test"), Deadline), "250 2.0.0");
        Assert.Equal("b@remote.test", Assert.Single(Assert.Single(sink.Messages()).Recipients).Address);
    }

    [Fact]
    public async Task An_smtputf8_message_for_a_server_without_smtputf8_fails_with_5_6_7()
    {
        using var sink = await PythonSink.StartAsync("--no-smtputf8");
        await using var c = await Connect(sink);
        var message = Message(Encoding.UTF8.GetBytes("Subject: x\r\n\r\nx\r\n"), [new OutboundRecipient("jörg@bücher.example")], from: "ümit@gatehouse.test", body: BodyType.EightBitMime, smtpUtf8: true);
        var result = await c.SendAsync(message, Deadline);
        AssertOutcomes(result, $"554 5.6.7 SMTPUTF8 is required, but was not offered by host sink.test[{sink.Endpoint.Address}] (ours)");
        Assert.True(result.ConnectionUsable);
        Assert.Empty(sink.Messages());
    }

    [Fact]
    public async Task Smtputf8_and_dsn_parameters_reach_a_server_that_announced_them()
    {
        using var sink = await PythonSink.StartAsync();
        await using var c = await Connect(sink);
        var message = Message(Encoding.UTF8.GetBytes("Subject: x\r\n\r\nx\r\n"),
            [new OutboundRecipient("jörg@bücher.example", DsnNotify.Failure | DsnNotify.Delay, "rfc822;x+y@old.example"), new OutboundRecipient("b@remote.test", DsnNotify.Never)],
            from: "ümit@gatehouse.test", body: BodyType.EightBitMime, smtpUtf8: true, ret: DsnReturn.Headers, envelopeId: "id=1");
        AssertOutcomes(await c.SendAsync(message, Deadline), "250 2.0.0", "250 2.0.0");
        var m = Assert.Single(sink.Messages());
        Assert.Equal("ümit@gatehouse.test", m.MailFrom);
        Assert.Equal("8BITMIME", m.MailParameters["BODY"]);
        Assert.True(m.MailParameters.ContainsKey("SMTPUTF8"));
        Assert.Equal("HDRS", m.MailParameters["RET"]);
        Assert.Equal("id+3D1", m.MailParameters["ENVID"]);
        Assert.Equal("jörg@bücher.example", m.Recipients[0].Address);
        Assert.Equal("FAILURE,DELAY", m.Recipients[0].Parameters["NOTIFY"]);
        Assert.Equal("rfc822;x+2By@old.example", m.Recipients[0].Parameters["ORCPT"]);
        Assert.Equal("NEVER", m.Recipients[1].Parameters["NOTIFY"]);
    }

    [Fact]
    public async Task A_server_without_ehlo_gets_helo_and_no_parameters()
    {
        using var sink = await PythonSink.StartAsync("--no-ehlo");
        await using var c = await Connect(sink);
        Assert.False(c.Capabilities.Esmtp);
        var message = Message(Encoding.UTF8.GetBytes(Content), [new OutboundRecipient("a@remote.test", DsnNotify.Failure, "rfc822;a@remote.test")], envelopeId: "x", ret: DsnReturn.Full);
        AssertOutcomes(await c.SendAsync(message, Deadline), "250 2.0.0");
        var m = Assert.Single(sink.Messages());
        Assert.Equal(HeloName, m.Helo);
        Assert.Empty(m.MailParameters);
        Assert.Empty(m.Recipients[0].Parameters);
    }

    [Fact]
    public async Task A_message_above_the_announced_size_fails_without_being_sent()
    {
        using var sink = await PythonSink.StartAsync("--size", "100");
        await using var c = await Connect(sink);
        Assert.Equal(100, c.Capabilities.MaxSize);
        var message = Message(Content + new string('x', 200) + "\r\n", "a@remote.test");
        var result = await c.SendAsync(message, Deadline);
        AssertOutcomes(result, $"552 5.3.4 message size {message.Size} exceeds size limit 100 of server sink.test[{sink.Endpoint.Address}] (ours)");
        Assert.True(result.ConnectionUsable);
        Assert.Empty(sink.Messages());
    }

    [Fact]
    public async Task Lmtp_gives_each_recipient_its_own_reply_after_the_dot()
    {
        using var sink = await PythonSink.StartAsync("--lmtp", "--dot-reply", "b@remote.test=452 4.2.2 Mailbox full", "--rcpt-reply", "c@remote.test=550 5.1.1 No such user");
        await using var c = await Connect(sink, Options() with { Lmtp = true });
        var result = await c.SendAsync(Message(Content, "a@remote.test", "b@remote.test", "c@remote.test", "d@remote.test"), Deadline);
        AssertOutcomes(result, "250 2.1.5 <a@remote.test> delivered", "452 4.2.2 Mailbox full", "550 5.1.1 No such user", "250 2.1.5 <d@remote.test> delivered");
        Assert.True(result.ConnectionUsable);
        Assert.Equal(["a@remote.test", "d@remote.test"], Assert.Single(sink.Messages()).Recipients.Select(r => r.Address));
    }

    [Fact]
    public async Task Content_is_dot_stuffed_and_bare_line_feeds_become_crlf()
    {
        using var sink = await PythonSink.StartAsync();
        await using var c = await Connect(sink);
        var content = "Subject: dots\r\n\r\n.\r\n..two\r\nbare\nfeed\n.\nend without line break";
        AssertOutcomes(await c.SendAsync(Message(content, "a@remote.test"), Deadline), "250 2.0.0");
        Assert.Equal("Subject: dots\r\n\r\n.\r\n..two\r\nbare\r\nfeed\r\n.\r\nend without line break\r\n", Assert.Single(sink.Messages()).Text);
    }

    [Fact]
    public async Task The_connection_comes_from_the_configured_local_address()
    {
        using var sink = await PythonSink.StartAsync();
        var local = Loopback.FreeEndpoint().Address;
        await using var c = await Connect(sink, Options() with { LocalAddress = local });
        AssertOutcomes(await c.SendAsync(Message(Content, "a@remote.test"), Deadline), "250 2.0.0");
        Assert.Equal(local.ToString(), Assert.Single(sink.Messages()).PeerIp);
    }

    [Fact]
    public async Task Nothing_listening_is_4_4_1()
    {
        var nowhere = Loopback.FreeEndpoint();
        var e = await Assert.ThrowsAsync<SmtpDeliveryException>(() => ConnectAsync(nowhere, Options(), "mx.nowhere.test"));
        Assert.Equal($"451 4.4.1 connect to mx.nowhere.test[{nowhere.Address}]:{nowhere.Port}: Connection refused", e.Reply.ToString());
        Assert.False(e.FromRemote);
    }

    private static byte[] QuotedPrintable(string encoded)
    {
        var output = new List<byte>();
        for (var i = 0; i < encoded.Length; i++)
        {
            if (encoded[i] != '=')
            {
                output.Add((byte)encoded[i]);
                continue;
            }
            if (encoded.AsSpan(i + 1).StartsWith("\r\n"))
            {
                i += 2;
                continue;
            }
            output.Add(Convert.ToByte(encoded.Substring(i + 1, 2), 16));
            i += 2;
        }
        return [.. output];
    }
}
