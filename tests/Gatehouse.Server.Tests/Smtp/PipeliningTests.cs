using Gatehouse.Server.Tests.Support;

namespace Gatehouse.Server.Tests.Smtp;

/// <summary>RFC 2920: a client may send a batch of commands in one write; replies come back in order.</summary>
public sealed class PipeliningTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Mail_rcpt_rcpt_data_in_one_write_get_their_replies_in_order()
    {
        await using var server = await TestServer.StartAsync(output);
        await using var c = await server.ConnectAsync();
        await c.Expect("220");
        await c.Ehlo();
        await c.SendRaw("MAIL FROM:<a@client.test>\r\nRCPT TO:<postmaster@localhost>\r\nRCPT TO:<nobody@elsewhere.example>\r\nRCPT TO:<b@localhost>\r\nDATA\r\n");
        await c.Expect("250 2.1.0");
        await c.Expect("250 2.1.5");
        await c.Expect("550 5.7.1");
        await c.Expect("250 2.1.5");
        await c.Expect("354");
        await c.SendRaw("Subject: pipelined\r\n\r\nhello\r\n.\r\n");
        var id = (await c.Expect("250 2.0.0")).QueueId;
        var stored = server.Spool.Find(id);
        Assert.NotNull(stored);
        Assert.Equal(["postmaster@localhost", "b@localhost"], stored.Envelope.Recipients.Select(r => r.Address.ToWire()));
    }

    [Fact]
    public async Task Whole_transactions_and_quit_in_one_write()
    {
        await using var server = await TestServer.StartAsync(output);
        await using var c = await server.ConnectAsync();
        await c.Expect("220");
        await c.SendRaw(
            "EHLO client.test\r\n" +
            "MAIL FROM:<a@client.test>\r\nRCPT TO:<postmaster@localhost>\r\n" + BdatLast("Subject: one\r\n\r\nfirst\r\n") +
            "MAIL FROM:<a@client.test>\r\nRCPT TO:<postmaster@localhost>\r\n" + BdatLast("Subject: two\r\n\r\nsecond\r\n") +
            "QUIT\r\n");
        await c.Expect("250");
        await c.Expect("250 2.1.0");
        await c.Expect("250 2.1.5");
        var first = (await c.Expect("250 2.0.0")).QueueId;
        await c.Expect("250 2.1.0");
        await c.Expect("250 2.1.5");
        var second = (await c.Expect("250 2.0.0")).QueueId;
        await c.Expect("221 2.0.0");
        await c.ExpectClosed();
        Assert.NotEqual(first, second);
        Assert.EndsWith("Subject: one\r\n\r\nfirst\r\n", server.ContentText(first), StringComparison.Ordinal);
        Assert.EndsWith("Subject: two\r\n\r\nsecond\r\n", server.ContentText(second), StringComparison.Ordinal);
    }

    private static string BdatLast(string content) => $"BDAT {System.Text.Encoding.UTF8.GetByteCount(content)} LAST\r\n{content}";
}
