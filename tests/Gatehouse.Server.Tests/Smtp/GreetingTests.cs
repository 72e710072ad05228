using Gatehouse.Server.Tests.Support;

namespace Gatehouse.Server.Tests.Smtp;

/// <summary>Greeting, EHLO and HELO over a real socket (RFC 5321 §4.1.1.1, §4.3.1).</summary>
public sealed class GreetingTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Greeting_is_220_with_the_configured_host_name()
    {
        await using var server = await TestServer.StartAsync(output);
        await using var c = await server.ConnectAsync();
        await c.Expect($"220 {TestConfig.Hostname} ESMTP");
        await c.Send("QUIT");
        await c.Expect("221 2.0.0");
        await c.ExpectClosed();
    }

    [Fact]
    public async Task Ehlo_lists_the_extensions_and_no_auth_before_tls()
    {
        await using var server = await TestServer.StartAsync(output);
        await using var c = await server.ConnectAsync();
        await c.Expect("220");
        var lines = await c.Ehlo();
        Assert.StartsWith($"{TestConfig.Hostname} greets client.test", lines[0], StringComparison.Ordinal);
        var keywords = lines.Skip(1).Select(l => l.Split(' ')[0]).ToArray();
        foreach (var ext in new[] { "PIPELINING", "SIZE", "8BITMIME", "ENHANCEDSTATUSCODES", "SMTPUTF8", "DSN", "CHUNKING", "STARTTLS" })
        {
            Assert.Contains(ext, keywords);
        }
        Assert.Contains(lines, l => l == "SIZE 36700160"); // the 35MiB default, in octets
        Assert.DoesNotContain("AUTH", keywords);
    }

    [Fact]
    public async Task Ehlo_after_starttls_offers_auth_and_no_more_starttls()
    {
        await using var server = await TestServer.StartAsync(output);
        await using var c = await server.ConnectAsync();
        await c.Expect("220");
        await c.Ehlo();
        var lines = await c.StartTls();
        Assert.Contains("AUTH PLAIN LOGIN", lines);
        Assert.DoesNotContain("STARTTLS", lines);
    }

    [Fact]
    public async Task Without_users_auth_is_not_offered_even_under_tls()
    {
        await using var server = await TestServer.StartAsync(output, new TestServerOptions { WithUsers = false });
        await using var c = await server.ConnectAsync();
        await c.Expect("220");
        await c.Ehlo();
        var lines = await c.StartTls();
        Assert.DoesNotContain(lines, l => l.StartsWith("AUTH", StringComparison.Ordinal));
        await c.Send("AUTH PLAIN AGFsaWNlAHg=");
        await c.Expect("502 5.5.1");
    }

    [Fact]
    public async Task Helo_gets_a_plain_250_and_mail_parameters_then_need_ehlo()
    {
        await using var server = await TestServer.StartAsync(output);
        await using var c = await server.ConnectAsync();
        await c.Expect("220");
        await c.Send("HELO client.test");
        var reply = await c.Expect("250");
        Assert.Single(reply.Lines);
        await c.Send("MAIL FROM:<a@client.test> BODY=8BITMIME");
        await c.Expect("501 5.5.4");
        await c.Send("MAIL FROM:<a@client.test>");
        await c.Expect("250 2.1.0");
    }
}
