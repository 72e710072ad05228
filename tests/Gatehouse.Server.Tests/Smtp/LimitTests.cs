using Gatehouse.Server.Tests.Support;

namespace Gatehouse.Server.Tests.Smtp;

/// <summary>The limits that protect the server from clients: timeouts, connections per client, errors per session.</summary>
public sealed class LimitTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Idle_client_gets_421_442_after_the_command_timeout()
    {
        await using var server = await TestServer.StartAsync(output, new TestServerOptions { Smtp = ["command_timeout: 1s"] });
        await using var c = await server.ConnectAsync();
        // Nothing after the greeting (an EHLO could itself be late on a busy machine): the client
        // waits up to 20 s, far beyond the 1 s the server gives it.
        await c.Expect("220");
        await c.Expect("421 4.4.2");
        await c.ExpectClosed();
    }

    [Fact]
    public async Task Stalled_data_gets_421_after_the_data_timeout_and_nothing_is_kept()
    {
        await using var server = await TestServer.StartAsync(output, new TestServerOptions { Smtp = ["data_timeout: 1s"] });
        await using var c = await server.ConnectAsync();
        await c.Expect("220");
        await c.Ehlo();
        await c.Send("MAIL FROM:<a@client.test>");
        await c.Expect("250 2.1.0");
        await c.Send("RCPT TO:<postmaster@localhost>");
        await c.Expect("250 2.1.5");
        await c.Send("DATA");
        await c.Expect("354");
        await c.SendRaw("Subject: half\r\n\r\nand then nothing");
        await c.Expect("421 4.4.2");
        await c.ExpectClosed();
        await Eventually.True(() => server.IncomingFiles().Length == 0, "incoming/ is empty after the timeout");
        Assert.Empty(server.QueueFiles());
    }

    [Fact]
    public async Task Connections_over_the_per_client_limit_get_421_470()
    {
        await using var server = await TestServer.StartAsync(output, new TestServerOptions { Smtp = ["max_connections_per_client: 2"] });
        await using var first = await server.ConnectAsync();
        await first.Expect("220");
        await using var second = await server.ConnectAsync();
        await second.Expect("220");
        await using (var third = await server.ConnectAsync())
        {
            await third.Expect("421 4.7.0");
            await third.ExpectClosed();
        }
        // A slot is free again once a session ends.
        await first.Send("QUIT");
        await first.Expect("221");
        await first.ExpectClosed();
        await Eventually.True(async () =>
        {
            await using var again = await server.ConnectAsync();
            var reply = await again.ReadReply();
            return reply?.Code == 220;
        }, "a new connection is accepted after one closed");
    }

    [Fact]
    public async Task Too_many_errors_end_the_session_with_421()
    {
        await using var server = await TestServer.StartAsync(output, new TestServerOptions { Smtp = ["max_errors: 3"] });
        await using var c = await server.ConnectAsync();
        await c.Expect("220");
        await c.Send("FROB 1");
        await c.Expect("500 5.5.2");
        await c.Send("RCPT TO:<postmaster@localhost>");
        await c.Expect("503 5.5.1");
        await c.Send("FROB 3");
        await c.Expect("500 5.5.2");
        await c.Expect("421 4.7.0");
        await c.ExpectClosed();
    }

    [Fact]
    public async Task Errors_below_the_limit_do_not_end_the_session()
    {
        await using var server = await TestServer.StartAsync(output, new TestServerOptions { Smtp = ["max_errors: 3"] });
        await using var c = await server.ConnectAsync();
        await c.Expect("220");
        await c.Send("FROB 1");
        await c.Expect("500 5.5.2");
        await c.Send("FROB 2");
        await c.Expect("500 5.5.2");
        await c.Send("NOOP");
        await c.Expect("250 2.0.0");
    }

    [Fact]
    public async Task Connections_over_the_total_limit_get_421_470()
    {
        await using var server = await TestServer.StartAsync(output, new TestServerOptions { Smtp = ["max_connections: 1"] });
        await using var first = await server.ConnectAsync();
        await first.Expect("220");
        await using var second = await server.ConnectAsync();
        await second.Expect("421 4.7.0 Too many connections");
        await second.ExpectClosed();
    }

    [Fact]
    public async Task Shutdown_tells_idle_sessions_421_and_cuts_a_stalled_message_after_the_grace()
    {
        var server = await TestServer.StartAsync(output, new TestServerOptions { Smtp = ["shutdown_grace: 1s"] });
        try
        {
            await using var idle = await server.ConnectAsync();
            await idle.Expect("220");
            await using var busy = await server.ConnectAsync();
            await busy.Expect("220");
            await busy.Ehlo();
            await busy.Send("MAIL FROM:<a@client.test>");
            await busy.Expect("250 2.1.0");
            await busy.Send("RCPT TO:<postmaster@localhost>");
            await busy.Expect("250 2.1.5");
            await busy.Send("DATA");
            await busy.Expect("354");
            await busy.SendRaw("Subject: interrupted\r\n\r\nnot finished");

            var stop = server.Server.StopAsync();
            await idle.Expect("421 4.3.2");
            await idle.ExpectClosed();
            await busy.Expect("421 4.3.2");
            await busy.ExpectClosed();
            await stop.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Empty(server.IncomingFiles());
            Assert.Empty(server.QueueFiles());
        }
        finally
        {
            await server.DisposeAsync();
        }
    }
}
