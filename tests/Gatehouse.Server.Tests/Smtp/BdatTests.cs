using System.Text;
using Gatehouse.Server.Tests.Support;

namespace Gatehouse.Server.Tests.Smtp;

/// <summary>RFC 3030 CHUNKING: BDAT chunks are counted octets, never dot-stuffed, and always read even when refused.</summary>
public sealed class BdatTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Several_chunks_and_last_make_one_message_without_dot_unstuffing()
    {
        await using var server = await TestServer.StartAsync(output);
        await using var c = await server.ConnectAsync();
        await c.Expect("220");
        await c.Ehlo();
        await c.Send("MAIL FROM:<a@client.test>");
        await c.Expect("250 2.1.0");
        await c.Send("RCPT TO:<postmaster@localhost>");
        await c.Expect("250 2.1.5");
        string[] chunks = ["Subject: chunks\r\n\r\n", "..x stays as it is\r\n.\r\n", "last line\r\n"];
        await c.SendRaw(Chunk(chunks[0]));
        await c.Expect($"250 2.0.0 {Encoding.UTF8.GetByteCount(chunks[0])} octets received");
        await c.SendRaw(Chunk(chunks[1]));
        await c.Expect($"250 2.0.0 {Encoding.UTF8.GetByteCount(chunks[1])} octets received");
        await c.SendRaw(Chunk(chunks[2], last: true));
        var id = (await c.Expect("250 2.0.0 OK queued as")).QueueId;
        var text = server.ContentText(id);
        Assert.StartsWith("Received: ", text, StringComparison.Ordinal);
        Assert.EndsWith(string.Concat(chunks), text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Empty_last_chunk_ends_the_message()
    {
        await using var server = await TestServer.StartAsync(output);
        await using var c = await server.ConnectAsync();
        await c.Expect("220");
        await c.Ehlo();
        await c.SendRaw("MAIL FROM:<a@client.test>\r\nRCPT TO:<postmaster@localhost>\r\n" + Chunk("Subject: x\r\n\r\nbody\r\n") + "BDAT 0 LAST\r\n");
        await c.Expect("250 2.1.0");
        await c.Expect("250 2.1.5");
        await c.Expect("250 2.0.0");
        var id = (await c.Expect("250 2.0.0 OK queued as")).QueueId;
        Assert.EndsWith("Subject: x\r\n\r\nbody\r\n", server.ContentText(id), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bdat_without_mail_is_503_and_its_chunk_is_discarded_not_executed()
    {
        await using var server = await TestServer.StartAsync(output);
        await using var c = await server.ConnectAsync();
        await c.Expect("220");
        await c.Ehlo();
        // Were the chunk read as commands, these would produce replies of their own.
        var chunk = "MAIL FROM:<evil@x>\r\nRCPT TO:<postmaster@localhost>\r\nDATA\r\n";
        await c.SendRaw(Chunk(chunk, last: true) + "NOOP\r\n");
        await c.Expect("503 5.5.1");
        await c.Expect("250 2.0.0 OK");
        var id = await c.SendMessage("a@client.test", ["postmaster@localhost"], "Subject: after\r\n\r\nok\r\n");
        Assert.Equal([id], server.Spool.List().Select(m => m.QueueId));
    }

    [Fact]
    public async Task Bdat_without_recipients_is_refused_and_stays_in_sync()
    {
        await using var server = await TestServer.StartAsync(output);
        await using var c = await server.ConnectAsync();
        await c.Expect("220");
        await c.Ehlo();
        await c.Send("MAIL FROM:<a@client.test>");
        await c.Expect("250 2.1.0");
        await c.SendRaw(Chunk("QUIT\r\n") + "NOOP\r\n");
        await c.Expect("554 5.5.1");
        await c.Expect("250 2.0.0 OK");
    }

    [Fact]
    public async Task Data_after_bdat_is_503_and_rset_drops_the_partial_message()
    {
        await using var server = await TestServer.StartAsync(output);
        await using var c = await server.ConnectAsync();
        await c.Expect("220");
        await c.Ehlo();
        await c.Send("MAIL FROM:<a@client.test>");
        await c.Expect("250 2.1.0");
        await c.Send("RCPT TO:<postmaster@localhost>");
        await c.Expect("250 2.1.5");
        await c.SendRaw(Chunk("Subject: partial\r\n"));
        await c.Expect("250 2.0.0");
        Assert.Single(server.IncomingFiles());
        await c.Send("DATA");
        await c.Expect("503 5.5.1");
        await c.Send("RSET");
        await c.Expect("250 2.0.0");
        await c.Send("NOOP");
        await c.Expect("250 2.0.0");
        Assert.Empty(server.IncomingFiles());
        Assert.Empty(server.QueueFiles());
    }

    [Fact]
    public async Task Chunk_over_the_size_limit_is_552_and_the_session_continues()
    {
        await using var server = await TestServer.StartAsync(output, new TestServerOptions { Smtp = ["max_message_size: 4096"] });
        await using var c = await server.ConnectAsync();
        await c.Expect("220");
        await c.Ehlo();
        await c.Send("MAIL FROM:<a@client.test>");
        await c.Expect("250 2.1.0");
        await c.Send("RCPT TO:<postmaster@localhost>");
        await c.Expect("250 2.1.5");
        await c.SendRaw(Chunk("Subject: big\r\n\r\n" + string.Concat(Enumerable.Repeat(new string('q', 70) + "\r\n", 100))));
        await c.Expect("552 5.3.4");
        // The transaction is over (RFC 3030 §2): the next chunk is refused but still read.
        await c.SendRaw(Chunk("more\r\n", last: true));
        await c.Expect("503 5.5.1");
        Assert.Empty(server.IncomingFiles());
        Assert.Empty(server.QueueFiles());
        var id = await c.SendMessage("a@client.test", ["postmaster@localhost"], "Subject: small\r\n\r\nok\r\n");
        Assert.NotNull(server.Spool.Find(id));
    }

    [Fact]
    public async Task Bdat_with_a_bad_size_closes_the_connection()
    {
        await using var server = await TestServer.StartAsync(output);
        await using var c = await server.ConnectAsync();
        await c.Expect("220");
        await c.Ehlo();
        await c.Send("BDAT lots");
        await c.Expect("501 5.5.4");
        await c.ExpectClosed();
    }

    private static string Chunk(string content, bool last = false) =>
        $"BDAT {Encoding.UTF8.GetByteCount(content)}{(last ? " LAST" : "")}\r\n{content}";
}
