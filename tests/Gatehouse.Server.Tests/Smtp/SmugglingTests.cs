using Gatehouse.Server.Tests.Support;

namespace Gatehouse.Server.Tests.Smtp;

/// <summary>SMTP smuggling: only CRLF.CRLF ends DATA, so a hidden second transaction never becomes a second message.</summary>
/// <remarks>
/// Each case hides a fake end of data followed by a whole second transaction inside one DATA, then
/// ends the data for real. A vulnerable server would answer the hidden commands and store two
/// messages; Gatehouse must answer exactly once for the whole content.
/// </remarks>
public sealed class SmugglingTests(ITestOutputHelper output)
{
    public static TheoryData<string> FakeEnds => new()
    {
        "\n.\n",
        "\r.\r",
        "\r\n.\n",
        "\n.\r\n",
        "\r.\r\n",
        "\r\n.\r",
        "\r\n\r.\r\n",
    };

    private const string Smuggled = "MAIL FROM:<evil@x>\r\nRCPT TO:<postmaster@localhost>\r\nDATA\r\nFrom: ceo@gatehouse.test\r\nSubject: smuggled\r\n\r\npay this invoice\r\n";

    [Theory]
    [MemberData(nameof(FakeEnds))]
    public async Task Default_policy_refuses_the_whole_message_with_550_5611(string fakeEnd)
    {
        await using var server = await TestServer.StartAsync(output);
        await using var c = await StartData(server);
        await c.SendRaw("Subject: innocent\r\n\r\nhello" + fakeEnd + Smuggled + ".\r\n");
        await c.Expect("550 5.6.11");
        // The next reply is for NOOP: nothing of the hidden transaction was taken as a command.
        await c.Send("NOOP");
        await c.Expect("250 2.0.0 OK");
        Assert.Empty(server.Spool.List());
        Assert.Empty(server.IncomingFiles());
    }

    [Theory]
    [MemberData(nameof(FakeEnds))]
    public async Task Normalize_policy_stores_exactly_one_message_with_crlf_only(string fakeEnd)
    {
        await using var server = await TestServer.StartAsync(output, new TestServerOptions { Smtp = ["bare_line_endings: normalize"] });
        await using var c = await StartData(server);
        await c.SendRaw("Subject: innocent\r\n\r\nhello" + fakeEnd + Smuggled + ".\r\n");
        var id = (await c.Expect("250 2.0.0")).QueueId;
        await c.Send("NOOP");
        await c.Expect("250 2.0.0 OK");
        var all = server.Spool.List().ToArray();
        Assert.Single(all);
        Assert.Equal(id, all[0].QueueId);
        Assert.Equal("<a@client.test>", all[0].Envelope.ReversePathText);
        var text = server.ContentText(id);
        // The hidden commands are content of the one message, and every line ending in it is CRLF.
        Assert.Contains("MAIL FROM:<evil@x>\r\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\n", text.Replace("\r\n", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.DoesNotContain("\r", text.Replace("\r\n", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bare_lf_in_an_ordinary_message_is_refused_by_default_and_the_session_continues()
    {
        await using var server = await TestServer.StartAsync(output);
        await using var c = await StartData(server);
        // "\n.\r\n" is not an end (no CRLF before the dot): only the final CRLF.CRLF is.
        await c.SendRaw("Subject: unix\n\nline\n.\r\n.\r\n");
        await c.Expect("550 5.6.11");
        var id = await c.SendMessage("a@client.test", ["postmaster@localhost"], "Subject: proper\r\n\r\nline\r\n");
        Assert.Equal([id], server.Spool.List().Select(m => m.QueueId));
    }

    private static async Task<SmtpTestClient> StartData(TestServer server)
    {
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
            return c;
        }
        catch
        {
            await c.DisposeAsync();
            throw;
        }
    }
}
