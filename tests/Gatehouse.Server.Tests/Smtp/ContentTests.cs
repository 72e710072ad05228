using System.Text;
using Gatehouse.Core.Envelope;
using Gatehouse.Server.Tests.Support;

namespace Gatehouse.Server.Tests.Smtp;

/// <summary>What DATA stores: dot transparency, 8-bit and UTF-8, the Received header, and nothing for a client that goes away.</summary>
public sealed class ContentTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Leading_dots_are_unstuffed()
    {
        await using var server = await TestServer.StartAsync(output);
        await using var c = await server.ConnectAsync();
        await c.Expect("220");
        await c.Ehlo();
        await c.Send("MAIL FROM:<a@client.test>");
        await c.Expect("250 2.1.0");
        await c.Send("RCPT TO:<postmaster@localhost>");
        await c.Expect("250 2.1.5");
        await c.Send("DATA");
        await c.Expect("354");
        await c.SendRaw("Subject: dots\r\n\r\n..x\r\n..\r\n...\r\nmiddle.dot\r\n.\r\n");
        var id = (await c.Expect("250 2.0.0")).QueueId;
        Assert.EndsWith("Subject: dots\r\n\r\n.x\r\n.\r\n..\r\nmiddle.dot\r\n", server.ContentText(id), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Received_header_comes_first_and_the_250_names_the_queue_id()
    {
        await using var server = await TestServer.StartAsync(output);
        await using var c = await server.ConnectAsync();
        await c.Expect("220");
        await c.Ehlo("sender.client.test");
        var id = await c.SendMessage("a@client.test", ["postmaster@localhost"], "Subject: trace\r\nFrom: a@client.test\r\n\r\nbody\r\n");
        var stored = server.Spool.Find(id);
        Assert.NotNull(stored);
        Assert.Equal(id, stored.QueueId);
        Assert.Equal("<a@client.test>", stored.Envelope.ReversePathText);
        var text = server.ContentText(id);
        Assert.StartsWith("Received: from sender.client.test ([127.0.0.1])\r\n", text, StringComparison.Ordinal);
        Assert.Contains($"by {TestConfig.Hostname} (Gatehouse) with ESMTP id {id}", text, StringComparison.Ordinal);
        Assert.Contains("for <postmaster@localhost>", text, StringComparison.Ordinal);
        // The header is folded: the client's own headers follow the one unfolded Received field.
        var afterReceived = text[(text.IndexOf("\r\nSubject: trace\r\n", StringComparison.Ordinal) + 2)..];
        Assert.Equal("Subject: trace\r\nFrom: a@client.test\r\n\r\nbody\r\n", afterReceived);
    }

    [Fact]
    public async Task Eight_bit_body_is_stored_octet_for_octet()
    {
        await using var server = await TestServer.StartAsync(output);
        await using var c = await server.ConnectAsync();
        await c.Expect("220");
        await c.Ehlo();
        await c.Send("MAIL FROM:<a@client.test> BODY=8BITMIME");
        await c.Expect("250 2.1.0");
        await c.Send("RCPT TO:<postmaster@localhost>");
        await c.Expect("250 2.1.5");
        await c.Send("DATA");
        await c.Expect("354");
        var body = "Subject: =?utf-8?q?caf=C3=A9?=\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nCafé, Straße, 日本語\r\n"u8.ToArray();
        var latin1 = new byte[] { (byte)'n', 0xE9, (byte)'\r', (byte)'\n' }; // not UTF-8 at all: still just octets
        await c.SendRaw([.. body, .. latin1, .. ".\r\n"u8.ToArray()]);
        var id = (await c.Expect("250 2.0.0")).QueueId;
        var content = server.Content(id);
        Assert.EndsWith(Convert.ToHexString([.. body, .. latin1]), Convert.ToHexString(content), StringComparison.Ordinal);
        Assert.Equal(BodyType.EightBitMime, server.Spool.Find(id)!.Envelope.Body);
    }

    [Fact]
    public async Task Utf8_address_is_taken_with_smtputf8_and_refused_without()
    {
        await using var server = await TestServer.StartAsync(output);
        await using var c = await server.ConnectAsync();
        await c.Expect("220");
        await c.Ehlo();
        await c.Send("MAIL FROM:<josé@client.test>");
        await c.Expect("553 5.6.7");
        await c.Send("MAIL FROM:<josé@client.test> SMTPUTF8 BODY=8BITMIME");
        await c.Expect("250 2.1.0");
        await c.Send("RCPT TO:<δοκιμή@localhost>");
        await c.Expect("250 2.1.5");
        await c.Send("DATA");
        await c.Expect("354");
        await c.SendRaw("From: josé@client.test\r\nSubject: ünïcödé\r\n\r\nΓειά σου\r\n.\r\n");
        var id = (await c.Expect("250 2.0.0")).QueueId;
        var stored = server.Spool.Find(id);
        Assert.NotNull(stored);
        Assert.True(stored.Envelope.SmtpUtf8);
        Assert.Equal("<josé@client.test>", stored.Envelope.ReversePathText);
        Assert.Equal("δοκιμή@localhost", stored.Envelope.Recipients.Single().Address.ToWire());
        var text = server.ContentText(id);
        Assert.Contains("with UTF8SMTP id", text, StringComparison.Ordinal);
        Assert.EndsWith("Subject: ünïcödé\r\n\r\nΓειά σου\r\n", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Client_that_disconnects_mid_data_leaves_nothing_in_the_spool(bool reset)
    {
        await using var server = await TestServer.StartAsync(output);
        var c = await server.ConnectAsync();
        try
        {
            await c.Expect("220");
            await c.Ehlo();
            await c.Send("MAIL FROM:<a@client.test>");
            await c.Expect("250 2.1.0");
            await c.Send("RCPT TO:<postmaster@localhost>");
            await c.Expect("250 2.1.5");
            await c.Send("DATA");
            await c.Expect("354");
            await c.SendRaw("Subject: cut\r\n\r\n" + string.Concat(Enumerable.Repeat("partial line of content\r\n", 500)));
            // The message is being received: its file exists, so an empty incoming/ below means it was removed.
            Assert.Single(server.IncomingFiles());
            if (reset) c.Abort();
        }
        finally
        {
            await c.DisposeAsync();
        }
        await Eventually.True(() => server.IncomingFiles().Length == 0, "incoming/ is empty after the client went away");
        Assert.Empty(server.QueueFiles());
        Assert.Empty(server.Spool.List());

        // The server is unharmed.
        await using var next = await server.ConnectAsync();
        await next.Expect("220");
        await next.Ehlo();
        var id = await next.SendMessage("a@client.test", ["postmaster@localhost"], "Subject: after\r\n\r\nok\r\n");
        Assert.Equal([id], server.Spool.List().Select(m => m.QueueId));
    }

    [Fact]
    public async Task Content_line_over_the_limit_is_550_560()
    {
        await using var server = await TestServer.StartAsync(output);
        await using var c = await server.ConnectAsync();
        await c.Expect("220");
        await c.Ehlo();
        await c.Send("MAIL FROM:<a@client.test>");
        await c.Expect("250 2.1.0");
        await c.Send("RCPT TO:<postmaster@localhost>");
        await c.Expect("250 2.1.5");
        await c.Send("DATA");
        await c.Expect("354");
        await c.SendRaw("Subject: long\r\n\r\n" + new string('z', 3000) + "\r\n.\r\n");
        await c.Expect("550 5.6.0");
        await c.Send("NOOP");
        await c.Expect("250 2.0.0");
        Assert.Empty(server.QueueFiles());
    }

    [Fact]
    public async Task Message_split_into_tiny_writes_is_stored_whole()
    {
        await using var server = await TestServer.StartAsync(output);
        await using var c = await server.ConnectAsync();
        await c.Expect("220");
        await c.Ehlo();
        await c.Send("MAIL FROM:<a@client.test>");
        await c.Expect("250 2.1.0");
        await c.Send("RCPT TO:<postmaster@localhost>");
        await c.Expect("250 2.1.5");
        await c.Send("DATA");
        await c.Expect("354");
        var wire = Encoding.ASCII.GetBytes("Subject: bytes\r\n\r\n..a\r\nb\r\n.\r\n");
        foreach (var b in wire)
        {
            await c.SendRaw([b]);
            await Task.Delay(2);
        }
        var id = (await c.Expect("250 2.0.0")).QueueId;
        Assert.EndsWith("Subject: bytes\r\n\r\n.a\r\nb\r\n", server.ContentText(id), StringComparison.Ordinal);
    }
}
