using System.Text;
using Gatehouse.Core.Configuration;
using Gatehouse.Core.Envelope;
using Gatehouse.Server.Delivery.Smtp;
using static Gatehouse.Server.Tests.Delivery.Smtp.ClientFixtures;

namespace Gatehouse.Server.Tests.Delivery.Smtp;

/// <summary>The client against a scripted in-process peer: split and garbled replies, silence, 421, pipelining seen from the server's side.</summary>
public sealed class HostilePeerTests
{
    private const string Content = "Subject: x\r\n\r\nbody\r\n";

    /// <summary>Short limits, only where running into a limit is what the test is about.</summary>
    private static SmtpClientTimeouts Impatient(TimeSpan wait) => new(Patient.Connect, wait, wait, wait, wait, wait, wait, wait);

    [Fact]
    public async Task Replies_split_at_every_byte_are_read_whole()
    {
        await using var peer = ScriptedPeer.Start(async s =>
        {
            foreach (var ch in "220-peer.test\r\n220 ready\r\n")
            {
                await s.SendRaw(ch.ToString());
                await Task.Delay(2);
            }
            await s.Expect("EHLO " + HeloName);
            await s.SendRaw("250-peer.test\r\n250-PIPE");
            await Task.Delay(50);
            await s.SendRaw("LINING\r\n25");
            await Task.Delay(50);
            await s.SendRaw("0 8BITMIME\r\n");
            await s.Expect("MAIL FROM:<sender@gatehouse.test>");
            await s.Expect("RCPT TO:<a@remote.test>");
            await s.Expect("DATA");
            await s.SendRaw("250 2.1.0 Ok\r\n250 2.1.");
            await Task.Delay(50);
            await s.SendRaw("5 Ok\r\n354 go\n");
            Assert.Equal(Content, await s.ReadContent());
            await s.SendRaw("250-2.0.0 Ok\r\n250 2.0.0 queued as 1\r\n");
            await s.Expect("QUIT");
            await s.Send("221 bye");
        });
        await using (var c = await ConnectAsync(peer.Endpoint, Options(), "peer.test"))
        {
            Assert.Equal("peer.test", c.Greeting);
            Assert.True(c.Capabilities.Pipelining && c.Capabilities.EightBitMime);
            var result = await c.SendAsync(Message(Content, "a@remote.test"), Deadline);
            AssertOutcomes(result, "250-2.0.0 Ok");
            Assert.Equal(["Ok", "queued as 1"], result.Recipients[0].Reply.Lines);
            await c.QuitAsync(Deadline);
        }
        await peer.FinishAsync();
    }

    [Fact]
    public async Task Pipelining_sends_mail_rcpt_and_data_before_waiting_for_any_reply()
    {
        await using var peer = ScriptedPeer.Start(async s =>
        {
            await s.Greet("PIPELINING", "DSN");
            // Not a reply until all four are in: a client that waited after MAIL would hang here and fail.
            await s.Expect("MAIL FROM:<sender@gatehouse.test>");
            await s.Expect("RCPT TO:<a@remote.test>");
            await s.Expect("RCPT TO:<b@remote.test>");
            await s.Expect("DATA");
            await s.SendRaw("250 2.1.0 Ok\r\n550 5.1.1 Unknown\r\n250 2.1.5 Ok\r\n354 Go\r\n");
            await s.ReadContent();
            await s.Send("250 2.0.0 Ok");
            await s.Silence();
        });
        await using (var c = await ConnectAsync(peer.Endpoint, Options(), "peer.test"))
        {
            AssertOutcomes(await c.SendAsync(Message(Content, "a@remote.test", "b@remote.test"), Deadline), "550 5.1.1 Unknown", "250 2.0.0 Ok");
        }
        await peer.FinishAsync();
    }

    [Fact]
    public async Task Without_pipelining_each_command_waits_for_its_reply()
    {
        await using var peer = ScriptedPeer.Start(async s =>
        {
            await s.Greet("8BITMIME");
            foreach (var (command, reply) in new[] { ("MAIL FROM:", "250 Ok"), ("RCPT TO:<a@", "250 Ok"), ("RCPT TO:<b@", "250 Ok"), ("DATA", "354 Go") })
            {
                await s.Expect(command);
                await Task.Delay(100);
                Assert.False(s.HasBufferedLine, $"the client sent more before the reply to {command}");
                await s.Send(reply);
            }
            await s.ReadContent();
            await s.Send("250 Ok");
            await s.Silence();
        });
        await using (var c = await ConnectAsync(peer.Endpoint, Options(), "peer.test"))
        {
            AssertOutcomes(await c.SendAsync(Message(Content, "a@remote.test", "b@remote.test"), Deadline), "250 Ok", "250 Ok");
        }
        await peer.FinishAsync();
    }

    [Fact]
    public async Task Every_rcpt_refused_in_lock_step_is_followed_by_rset_not_data()
    {
        await using var peer = ScriptedPeer.Start(async s =>
        {
            await s.Greet();
            await s.Expect("MAIL FROM:<sender@gatehouse.test>");
            await s.Send("250 Ok");
            await s.Expect("RCPT TO:<a@remote.test>");
            await s.Send("550 5.1.1 Unknown");
            await s.Expect("RSET");
            await s.Send("250 Ok");
            await s.Expect("MAIL FROM:<sender@gatehouse.test>");
            await s.Send("451 4.3.0 Later");
            await s.Expect("QUIT");
            await s.Send("221 Bye");
        });
        await using (var c = await ConnectAsync(peer.Endpoint, Options(), "peer.test"))
        {
            var first = await c.SendAsync(Message(Content, "a@remote.test"), Deadline);
            AssertOutcomes(first, "550 5.1.1 Unknown");
            Assert.True(first.ConnectionUsable);
            var second = await c.SendAsync(Message(Content, "b@remote.test"), Deadline);
            AssertOutcomes(second, "451 4.3.0 Later");
            Assert.True(second.ConnectionUsable);
            await c.QuitAsync(Deadline);
        }
        await peer.FinishAsync();
    }

    [Fact]
    public async Task A_refused_data_is_followed_by_rset_and_the_next_transaction()
    {
        await using var peer = ScriptedPeer.Start(async s =>
        {
            await s.Greet("PIPELINING");
            await s.Expect("MAIL");
            await s.Expect("RCPT");
            await s.Expect("DATA");
            await s.SendRaw("250 Ok\r\n250 Ok\r\n554 5.7.1 Not now\r\n");
            await s.Expect("RSET");
            await s.Send("250 Ok");
            await s.Silence();
        });
        await using (var c = await ConnectAsync(peer.Endpoint, Options(), "peer.test"))
        {
            var result = await c.SendAsync(Message(Content, "a@remote.test"), Deadline);
            AssertOutcomes(result, "554 5.7.1 Not now");
            Assert.True(result.ConnectionUsable);
        }
        await peer.FinishAsync();
    }

    [Fact]
    public async Task A_421_ends_the_transaction_and_the_connection()
    {
        await using var peer = ScriptedPeer.Start(async s =>
        {
            await s.Greet();
            await s.Expect("MAIL");
            await s.Send("250 Ok");
            await s.Expect("RCPT TO:<a@");
            await s.Send("250 Ok");
            await s.Expect("RCPT TO:<b@");
            await s.Send("421 4.3.2 Shutting down");
        });
        await using (var c = await ConnectAsync(peer.Endpoint, Options(), "peer.test"))
        {
            var result = await c.SendAsync(Message(Content, "a@remote.test", "b@remote.test", "c@remote.test"), Deadline);
            AssertOutcomes(result, "421 4.3.2 Shutting down", "421 4.3.2 Shutting down", "421 4.3.2 Shutting down");
            Assert.False(result.ConnectionUsable);
        }
        await peer.FinishAsync();
    }

    [Theory]
    [InlineData("HTTP/1.1 400 Bad Request\r\n", "not a reply line")]
    [InlineData("220-first\r\n250 second\r\n", "reply code changed from 220 to 250")]
    public async Task A_garbled_greeting_is_a_protocol_error(string greeting, string why)
    {
        await using var peer = ScriptedPeer.Start(async s =>
        {
            await s.SendRaw(greeting);
            await s.Silence();
        });
        var e = await Assert.ThrowsAsync<SmtpDeliveryException>(() => ConnectAsync(peer.Endpoint, Options(), "peer.test"));
        Assert.StartsWith($"451 4.5.0 protocol error from peer.test[{peer.Endpoint.Address}] while receiving the initial server greeting: {why}", e.Reply.ToString(), StringComparison.Ordinal);
        Assert.False(e.FromRemote);
    }

    [Fact]
    public async Task Garbage_in_the_middle_of_a_transaction_defers_what_is_unfinished()
    {
        await using var peer = ScriptedPeer.Start(async s =>
        {
            await s.Greet("PIPELINING");
            await s.Expect("MAIL");
            await s.Expect("RCPT");
            await s.Expect("RCPT");
            await s.Expect("DATA");
            await s.SendRaw("250 Ok\r\n550 5.1.1 Unknown\r\n" + new string('x', 5000));
            await s.Silence();
        });
        await using (var c = await ConnectAsync(peer.Endpoint, Options(), "peer.test"))
        {
            var result = await c.SendAsync(Message(Content, "a@remote.test", "b@remote.test"), Deadline);
            AssertOutcomes(result, "550 5.1.1 Unknown", "451 4.5.0 protocol error from peer.test[ (ours)");
            Assert.EndsWith("while sending RCPT TO: reply line longer than 4096 octets", result.Recipients[1].Reply.Text, StringComparison.Ordinal);
            Assert.False(result.ConnectionUsable);
        }
        await peer.FinishAsync();
    }

    [Fact]
    public async Task A_refusing_greeting_is_the_servers_own_reply()
    {
        await using var peer = ScriptedPeer.Start(async s =>
        {
            await s.Send("554-5.7.1 No mail from you");
            await s.Send("554 5.7.1 Go away");
            await s.Silence();
        });
        var e = await Assert.ThrowsAsync<SmtpDeliveryException>(() => ConnectAsync(peer.Endpoint, Options(), "peer.test"));
        Assert.Equal("554-5.7.1 No mail from you\r\n554 5.7.1 Go away\r\n", e.Reply.ToWire());
        Assert.True(e.FromRemote);
    }

    [Fact]
    public async Task A_silent_greeting_times_out()
    {
        await using var peer = ScriptedPeer.Start(s => s.Silence());
        var e = await Assert.ThrowsAsync<SmtpDeliveryException>(() => ConnectAsync(peer.Endpoint, Options() with { Timeouts = Impatient(TimeSpan.FromMilliseconds(300)) }, "peer.test"));
        Assert.Equal($"451 4.4.2 conversation with peer.test[{peer.Endpoint.Address}] timed out while receiving the initial server greeting", e.Reply.ToString());
    }

    [Fact]
    public async Task A_peer_that_never_answers_the_final_dot_times_out_and_defers()
    {
        await using var peer = ScriptedPeer.Start(async s =>
        {
            await s.Greet("PIPELINING");
            await s.Expect("MAIL");
            await s.Expect("RCPT");
            await s.Expect("DATA");
            await s.SendRaw("250 Ok\r\n250 Ok\r\n354 Go\r\n");
            await s.ReadContent();
            await s.Silence();
        });
        var options = Options() with { Timeouts = Patient with { DataEnd = TimeSpan.FromMilliseconds(500) } };
        await using (var c = await ConnectAsync(peer.Endpoint, options, "peer.test"))
        {
            var result = await c.SendAsync(Message(Content, "a@remote.test"), Deadline);
            AssertOutcomes(result, $"451 4.4.2 conversation with peer.test[{peer.Endpoint.Address}] timed out while sending end of data (ours)");
            Assert.False(result.ConnectionUsable);
        }
        await peer.FinishAsync();
    }

    [Fact]
    public async Task Ehlo_refused_falls_back_to_helo_and_sends_no_parameters()
    {
        await using var peer = ScriptedPeer.Start(async s =>
        {
            await s.Send("220 old.peer.test");
            await s.Expect("EHLO " + HeloName);
            await s.Send("500 Command unrecognized");
            await s.Expect("HELO " + HeloName);
            await s.Send("250 old.peer.test");
            Assert.Equal("MAIL FROM:<sender@gatehouse.test>", await s.Expect("MAIL"));
            await s.Send("250 Ok");
            Assert.Equal("RCPT TO:<a@remote.test>", await s.Expect("RCPT"));
            await s.Send("250 Ok");
            await s.Expect("DATA");
            await s.Send("354 Go");
            await s.ReadContent();
            await s.Send("250 Ok");
            await s.Silence();
        });
        await using (var c = await ConnectAsync(peer.Endpoint, Options(), "peer.test"))
        {
            Assert.False(c.Capabilities.Esmtp);
            var message = Message(Encoding.ASCII.GetBytes(Content), [new OutboundRecipient("a@remote.test", DsnNotify.Failure)], envelopeId: "x");
            AssertOutcomes(await c.SendAsync(message, Deadline), "250 Ok");
        }
        await peer.FinishAsync();
    }

    [Fact]
    public async Task Starttls_refused_when_tls_is_required_is_4_7_4()
    {
        await using var peer = ScriptedPeer.Start(async s =>
        {
            await s.Greet("STARTTLS");
            await s.Expect("STARTTLS");
            await s.Send("454 4.7.0 TLS not available");
            await s.Silence();
        });
        var e = await Assert.ThrowsAsync<SmtpDeliveryException>(() => ConnectAsync(peer.Endpoint, Options(OutboundTls.Required), "peer.test"));
        Assert.StartsWith($"451 4.7.4 TLS is required, but host peer.test[{peer.Endpoint.Address}] refused to start TLS: 454 4.7.0", e.Reply.ToString(), StringComparison.Ordinal);
        await peer.FinishAsync();
    }

    [Fact]
    public async Task Replies_injected_after_the_starttls_220_are_thrown_away()
    {
        await using var peer = ScriptedPeer.Start(async s =>
        {
            await s.Greet("STARTTLS");
            await s.Expect("STARTTLS");
            // In the same write as the 220, in clear text: a man in the middle's answer to the EHLO that follows TLS.
            await s.SendRaw("220 2.0.0 Go ahead\r\n250-peer.test\r\n250-PIPELINING\r\n250 AUTH PLAIN\r\n");
            await s.StartTls();
            await s.Greet8BitOnly();
            await s.Silence();
        });
        await using (var c = await ConnectAsync(peer.Endpoint, Options(OutboundTls.Required), "peer.test"))
        {
            Assert.True(c.IsTls);
            Assert.True(c.Capabilities.EightBitMime);
            Assert.False(c.Capabilities.Pipelining);
            Assert.Empty(c.Capabilities.AuthMechanisms);
        }
        await peer.FinishAsync();
    }

    [Fact]
    public async Task Credentials_without_tls_never_reach_the_wire()
    {
        await using var peer = ScriptedPeer.Start(async s =>
        {
            await s.Greet("AUTH PLAIN LOGIN");
            var next = await s.ReadLine();
            Assert.True(next is null || next == "QUIT", $"the client sent '{next}' after EHLO");
        });
        var options = Options(OutboundTls.Opportunistic) with { Credentials = new ClientCredentials("user", "secret") };
        var e = await Assert.ThrowsAsync<SmtpDeliveryException>(() => ConnectAsync(peer.Endpoint, options, "peer.test"));
        Assert.StartsWith("451 4.7.0 refusing to send credentials without TLS", e.Reply.ToString(), StringComparison.Ordinal);
        await peer.FinishAsync();
        Assert.DoesNotContain(peer.Transcript.Split('\n'), l => l.StartsWith("C: AUTH", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Cancellation_is_an_operation_canceled_exception_and_leaves_the_connection_unusable()
    {
        await using var peer = ScriptedPeer.Start(async s =>
        {
            await s.Greet();
            await s.Expect("MAIL");
            await s.Silence();
        });
        await using var c = await ConnectAsync(peer.Endpoint, Options(), "peer.test");
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => c.SendAsync(Message(Content, "a@remote.test"), cts.Token));
        Assert.False(c.IsUsable);
    }
}
