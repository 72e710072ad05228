using Gatehouse.Server.Tests.Support;

namespace Gatehouse.Server.Tests.Smtp;

/// <summary>Every refusal a client can cause by what it sends, with its code and enhanced status.</summary>
public sealed class ReplyCodeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Unknown_command_is_500_and_bad_syntax_is_501()
    {
        await using var server = await TestServer.StartAsync(output);
        await using var c = await server.ConnectAsync();
        await c.Expect("220");
        await c.Send("FROB");
        await c.Expect("500 5.5.2");
        await c.Send("EHLO");
        await c.Expect("501 5.5.4");
        await c.Ehlo();
        await c.Send("MAIL TO:<a@client.test>");
        await c.Expect("501 5.5.4");
        await c.Send("MAIL FROM:<no-domain@>");
        await c.Expect("501 5.1.7");
        await c.Send("MAIL FROM:<a@client.test>");
        await c.Expect("250 2.1.0");
        await c.Send("RCPT TO:<@@localhost>");
        await c.Expect("501 5.1.3");
        await c.Send("RSET extra");
        await c.Expect("501 5.5.4");
    }

    [Fact]
    public async Task Overlong_command_line_is_500_and_the_session_continues()
    {
        await using var server = await TestServer.StartAsync(output);
        await using var c = await server.ConnectAsync();
        await c.Expect("220");
        await c.Send("NOOP " + new string('x', 5000));
        await c.Expect("500 5.5.2");
        await c.Send("NOOP");
        await c.Expect("250 2.0.0");
    }

    [Fact]
    public async Task Expn_is_502()
    {
        await using var server = await TestServer.StartAsync(output);
        await using var c = await server.ConnectAsync();
        await c.Expect("220");
        await c.Ehlo();
        await c.Send("EXPN staff");
        await c.Expect("502 5.5.1");
        await c.Send("VRFY postmaster");
        await c.Expect("252 2.5.0");
    }

    [Fact]
    public async Task Commands_out_of_sequence_are_503()
    {
        await using var server = await TestServer.StartAsync(output);
        await using var c = await server.ConnectAsync();
        await c.Expect("220");
        await c.Send("MAIL FROM:<a@client.test>");
        await c.Expect("503 5.5.1");
        await c.Ehlo();
        await c.Send("RCPT TO:<postmaster@localhost>");
        await c.Expect("503 5.5.1");
        await c.Send("DATA");
        await c.Expect("503 5.5.1");
        await c.Send("MAIL FROM:<a@client.test>");
        await c.Expect("250 2.1.0");
        await c.Send("MAIL FROM:<a@client.test>");
        await c.Expect("503 5.5.1");
        await c.Send("DATA");
        await c.Expect("554 5.5.1"); // no valid recipients
    }

    [Fact]
    public async Task Recipient_in_another_domain_is_550_571_never_relayed()
    {
        await using var server = await TestServer.StartAsync(output);
        await using var c = await server.ConnectAsync();
        await c.Expect("220");
        await c.Ehlo();
        await c.Send("MAIL FROM:<a@client.test>");
        await c.Expect("250 2.1.0");
        await c.Send("RCPT TO:<victim@elsewhere.example>");
        await c.Expect("550 5.7.1");
        await c.Send("RCPT TO:<someone@GATEHOUSE.test>");
        await c.Expect("250 2.1.5");
        await c.Send("RCPT TO:<postmaster>");
        await c.Expect("250 2.1.5");
    }

    [Fact]
    public async Task Recipients_over_the_limit_get_452_and_the_message_goes_to_the_first_ones()
    {
        await using var server = await TestServer.StartAsync(output, new TestServerOptions { Smtp = ["max_recipients: 2"] });
        await using var c = await server.ConnectAsync();
        await c.Expect("220");
        await c.Ehlo();
        await c.Send("MAIL FROM:<a@client.test>");
        await c.Expect("250 2.1.0");
        await c.Send("RCPT TO:<one@localhost>");
        await c.Expect("250 2.1.5");
        await c.Send("RCPT TO:<two@localhost>");
        await c.Expect("250 2.1.5");
        await c.Send("RCPT TO:<three@localhost>");
        await c.Expect("452 4.5.3");
        await c.Send("DATA");
        await c.Expect("354");
        await c.SendRaw("Subject: limit\r\n\r\nbody\r\n.\r\n");
        var id = (await c.Expect("250 2.0.0")).QueueId;
        var stored = server.Spool.Find(id);
        Assert.NotNull(stored);
        Assert.Equal(["one@localhost", "two@localhost"], stored.Envelope.Recipients.Select(r => r.Address.ToWire()));
    }

    [Fact]
    public async Task Declared_size_over_the_limit_is_552()
    {
        await using var server = await TestServer.StartAsync(output, new TestServerOptions { Smtp = ["max_message_size: 4096"] });
        await using var c = await server.ConnectAsync();
        await c.Expect("220");
        var ehlo = await c.Ehlo();
        Assert.Contains("SIZE 4096", ehlo);
        await c.Send("MAIL FROM:<a@client.test> SIZE=4097");
        await c.Expect("552 5.3.4");
        await c.Send("MAIL FROM:<a@client.test> SIZE=1000");
        await c.Expect("250 2.1.0");
    }

    [Fact]
    public async Task Content_over_the_limit_is_552_after_the_dot_and_the_session_is_still_usable()
    {
        await using var server = await TestServer.StartAsync(output, new TestServerOptions { Smtp = ["max_message_size: 4096"] });
        await using var c = await server.ConnectAsync();
        await c.Expect("220");
        await c.Ehlo();
        await c.Send("MAIL FROM:<a@client.test>");
        await c.Expect("250 2.1.0");
        await c.Send("RCPT TO:<postmaster@localhost>");
        await c.Expect("250 2.1.5");
        await c.Send("DATA");
        await c.Expect("354");
        var line = new string('y', 70) + "\r\n";
        await c.SendRaw("Subject: big\r\n\r\n" + string.Concat(Enumerable.Repeat(line, 200)) + ".\r\n");
        await c.Expect("552 5.3.4");
        Assert.Empty(server.QueueFiles());
        Assert.Empty(server.IncomingFiles());

        var id = await c.SendMessage("a@client.test", ["postmaster@localhost"], "Subject: small\r\n\r\nfits\r\n");
        Assert.NotNull(server.Spool.Find(id));
    }

    [Fact]
    public async Task Http_request_on_the_smtp_port_is_answered_and_closed()
    {
        await using var server = await TestServer.StartAsync(output);
        await using var c = await server.ConnectAsync();
        await c.Expect("220");
        await c.SendRaw("GET / HTTP/1.1\r\nHost: mx.gatehouse.test\r\n\r\n");
        await c.Expect("221 2.7.0");
        await c.ExpectClosed();
    }

    [Fact]
    public async Task Help_and_noop_and_rset_are_positive()
    {
        await using var server = await TestServer.StartAsync(output);
        await using var c = await server.ConnectAsync();
        await c.Expect("220");
        await c.Send("HELP");
        await c.Expect("214 2.0.0");
        await c.Send("NOOP anything");
        await c.Expect("250 2.0.0");
        await c.Send("RSET");
        await c.Expect("250 2.0.0");
    }
}
