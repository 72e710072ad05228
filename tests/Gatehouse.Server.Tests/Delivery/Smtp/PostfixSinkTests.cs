using System.Text;
using Gatehouse.Core.Envelope;
using Gatehouse.Server.Delivery.Smtp;
using Gatehouse.Server.Tests.Support;
using static Gatehouse.Server.Tests.Delivery.Smtp.ClientFixtures;

namespace Gatehouse.Server.Tests.Delivery.Smtp;

/// <summary>The client against Postfix's smtp-sink: a server Gatehouse did not write, pipelining, DSN, LMTP and connection reuse.</summary>
public sealed class PostfixSinkTests
{
    private static string Lf(string crlf) => crlf.Replace("\r\n", "\n", StringComparison.Ordinal);

    [Fact]
    public async Task Several_recipients_in_one_pipelined_transaction()
    {
        using var sink = await PostfixSink.StartAsync();
        await using var c = await ConnectAsync(sink.Endpoint, Options());
        Assert.True(c.Capabilities.Pipelining);
        Assert.Equal("sink.test ESMTP", c.Greeting);
        const string content = "From: sender@gatehouse.test\r\nSubject: three\r\n\r\n.leading dot\r\nbody\r\n";
        var result = await c.SendAsync(Message(content, "a@remote.test", "b@remote.test", "c@remote.test"), Deadline);
        AssertOutcomes(result, "250 2.0.0 Ok", "250 2.0.0 Ok", "250 2.0.0 Ok");
        Assert.True(result.ConnectionUsable);
        var m = Assert.Single(await sink.WaitForMessagesAsync(1));
        Assert.Equal(HeloName, m.Helo);
        // smtp-sink does not announce SIZE, so none is sent.
        Assert.False(c.Capabilities.SizeAnnounced);
        Assert.Equal("<sender@gatehouse.test>", m.MailArgs);
        Assert.Equal(["<a@remote.test>", "<b@remote.test>", "<c@remote.test>"], m.RcptArgs);
        Assert.Equal(Lf(content), m.Content);
    }

    [Fact]
    public async Task Three_messages_one_after_another_on_one_connection()
    {
        using var sink = await PostfixSink.StartAsync();
        await using var c = await ConnectAsync(sink.Endpoint, Options());
        for (var i = 1; i <= 3; i++)
        {
            var result = await c.SendAsync(Message($"Subject: message {i}\r\n\r\nnumber {i}\r\n", $"r{i}@remote.test"), Deadline);
            AssertOutcomes(result, "250 2.0.0 Ok");
            Assert.True(result.ConnectionUsable, Describe(result));
        }
        await c.QuitAsync(Deadline);
        Assert.False(c.IsUsable);
        var messages = await sink.WaitForMessagesAsync(3);
        Assert.Equal(3, messages.Count);
        Assert.Equal(["<r1@remote.test>", "<r2@remote.test>", "<r3@remote.test>"], messages.Select(m => m.RcptArgs.Single()).Order(StringComparer.Ordinal));
        Assert.Equal([1, 2, 3], messages.Select(m => m.Content[^2] - '0').Order());
        Assert.All(messages, m => Assert.Equal($"Subject: message {m.Content[^2]}\n\nnumber {m.Content[^2]}\n", m.Content));
    }

    [Fact]
    public async Task Lock_step_without_pipelining()
    {
        using var sink = await PostfixSink.StartAsync("-p");
        await using var c = await ConnectAsync(sink.Endpoint, Options());
        Assert.False(c.Capabilities.Pipelining);
        AssertOutcomes(await c.SendAsync(Message("Subject: lock-step\r\n\r\nx\r\n", "a@remote.test", "b@remote.test"), Deadline), "250 2.0.0 Ok", "250 2.0.0 Ok");
        Assert.Equal(["<a@remote.test>", "<b@remote.test>"], Assert.Single(await sink.WaitForMessagesAsync(1)).RcptArgs);
    }

    [Fact]
    public async Task Dsn_parameters_as_smtp_sink_records_them()
    {
        using var sink = await PostfixSink.StartAsync();
        await using var c = await ConnectAsync(sink.Endpoint, Options());
        Assert.True(c.Capabilities.Dsn);
        var message = Message(Encoding.ASCII.GetBytes("Subject: dsn\r\n\r\nx\r\n"),
            [new OutboundRecipient("a@remote.test", DsnNotify.Success | DsnNotify.Failure, "rfc822;A+B@Old.Example")],
            body: BodyType.EightBitMime, ret: DsnReturn.Full, envelopeId: "Q1 2");
        AssertOutcomes(await c.SendAsync(message, Deadline), "250 2.0.0 Ok");
        var m = Assert.Single(await sink.WaitForMessagesAsync(1));
        Assert.Equal("<sender@gatehouse.test> BODY=8BITMIME RET=FULL ENVID=Q1+202", m.MailArgs);
        Assert.Equal(["<a@remote.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;A+2BB@Old.Example"], m.RcptArgs);
    }

    [Fact]
    public async Task Without_8bitmime_the_message_arrives_converted()
    {
        using var sink = await PostfixSink.StartAsync("-8");
        await using var c = await ConnectAsync(sink.Endpoint, Options());
        Assert.False(c.Capabilities.EightBitMime);
        var content = Encoding.UTF8.GetBytes("Subject: 8bit\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nna\u00efve caf\u00e9\r\n");
        AssertOutcomes(await c.SendAsync(Message(content, [new OutboundRecipient("a@remote.test")], body: BodyType.EightBitMime), Deadline), "250 2.0.0 Ok");
        var m = Assert.Single(await sink.WaitForMessagesAsync(1));
        Assert.DoesNotContain("BODY=", m.MailArgs, StringComparison.Ordinal);
        Assert.Equal("Subject: 8bit\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\nna=C3=AFve caf=C3=A9\n", m.Content);
    }

    [Fact]
    public async Task Lmtp_with_smtp_sink()
    {
        using var sink = await PostfixSink.StartAsync("-L");
        await using var c = await ConnectAsync(sink.Endpoint, Options() with { Lmtp = true });
        var result = await c.SendAsync(Message("Subject: lmtp\r\n\r\nx\r\n", "a@remote.test", "b@remote.test"), Deadline);
        // smtp-sink answers each LMTP recipient with 2.2.0.
        AssertOutcomes(result, "250 2.2.0 Ok", "250 2.2.0 Ok");
        Assert.True(result.ConnectionUsable);
        AssertOutcomes(await c.SendAsync(Message("Subject: lmtp 2\r\n\r\ny\r\n", "c@remote.test"), Deadline), "250 2.2.0 Ok");
        Assert.Equal(2, (await sink.WaitForMessagesAsync(2)).Count);
    }

    [Fact]
    public async Task A_refusing_greeting_is_the_servers_reply()
    {
        using var sink = await PostfixSink.StartAsync("-f", "CONNECT");
        var e = await Assert.ThrowsAsync<SmtpDeliveryException>(() => ConnectAsync(sink.Endpoint, Options()));
        Assert.True(e.FromRemote);
        Assert.Equal(500, e.Reply.Code);
    }
}
