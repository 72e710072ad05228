using System.Text;
using Gatehouse.Server.Tests.Support;

namespace Gatehouse.Server.Tests.Smtp;

/// <summary>STARTTLS (RFC 3207), AUTH PLAIN and LOGIN (RFC 4954, 4616) and the listener roles that require them.</summary>
public sealed class TlsAuthTests(ITestOutputHelper output)
{
    private static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));

    [Fact]
    public async Task Starttls_then_auth_plain_succeeds_and_the_message_records_it()
    {
        await using var server = await TestServer.StartAsync(output);
        await using var c = await server.ConnectAsync();
        await c.Expect("220");
        await c.Ehlo();
        await c.StartTls();
        await c.AuthPlain(TestConfig.User, TestConfig.Password);
        await c.Expect("235 2.7.0");
        await c.Send("AUTH PLAIN " + B64($"\0{TestConfig.User}\0{TestConfig.Password}"));
        await c.Expect("503 5.5.1");
        var id = await c.SendMessage("alice@gatehouse.test", ["postmaster@localhost"], "Subject: tls\r\n\r\nsecret\r\n");
        var stored = server.Spool.Find(id);
        Assert.NotNull(stored);
        Assert.Equal(TestConfig.User, stored.Envelope.Client.AuthenticatedUser);
        Assert.StartsWith("TLSv1.", stored.Envelope.Client.TlsProtocol, StringComparison.Ordinal);
        Assert.Contains("with ESMTPSA id " + id, server.ContentText(id), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Auth_plain_with_a_challenge_and_auth_login_succeed()
    {
        await using var server = await TestServer.StartAsync(output);
        await using (var c = await server.ConnectAsync())
        {
            await c.Expect("220");
            await c.Ehlo();
            await c.StartTls();
            await c.Send("AUTH PLAIN");
            await c.Expect("334");
            await c.Send(B64($"\0{TestConfig.User}\0{TestConfig.Password}"));
            await c.Expect("235 2.7.0");
        }
        await using (var c = await server.ConnectAsync())
        {
            await c.Expect("220");
            await c.Ehlo();
            await c.StartTls();
            await c.Send("AUTH LOGIN");
            await c.Expect("334 VXNlcm5hbWU6");
            await c.Send(B64(TestConfig.User));
            await c.Expect("334 UGFzc3dvcmQ6");
            await c.Send(B64(TestConfig.Password));
            await c.Expect("235 2.7.0");
            await c.Send("MAIL FROM:<alice@gatehouse.test>");
            await c.Expect("250 2.1.0");
        }
    }

    [Fact]
    public async Task Auth_without_tls_is_530_570()
    {
        await using var server = await TestServer.StartAsync(output);
        await using var c = await server.ConnectAsync();
        await c.Expect("220");
        await c.Ehlo();
        await c.AuthPlain(TestConfig.User, TestConfig.Password);
        await c.Expect("530 5.7.0");
        await c.Send("AUTH LOGIN");
        await c.Expect("530 5.7.0");
    }

    [Fact]
    public async Task Wrong_password_or_unknown_user_is_535_578()
    {
        await using var server = await TestServer.StartAsync(output);
        await using var c = await server.ConnectAsync();
        await c.Expect("220");
        await c.Ehlo();
        await c.StartTls();
        await c.AuthPlain(TestConfig.User, "wrong");
        await c.Expect("535 5.7.8");
        await c.AuthPlain("mallory", TestConfig.Password);
        await c.Expect("535 5.7.8");
        await c.Send("AUTH LOGIN " + B64(TestConfig.User));
        await c.Expect("334 UGFzc3dvcmQ6");
        await c.Send(B64("also wrong"));
        await c.Expect("535 5.7.8");
        await c.Send("AUTH LOGIN");
        await c.Expect("334");
        await c.Send("*");
        await c.Expect("501 5.0.0");
        // Still not authenticated; the right password works after failures.
        await c.AuthPlain(TestConfig.User, TestConfig.Password);
        await c.Expect("235 2.7.0");
    }

    [Fact]
    public async Task Commands_pipelined_after_starttls_are_discarded()
    {
        await using var server = await TestServer.StartAsync(output);
        await using var c = await server.ConnectAsync();
        await c.Expect("220");
        await c.Ehlo();
        await c.SendRaw("STARTTLS\r\nMAIL FROM:<evil@x>\r\nRCPT TO:<postmaster@localhost>\r\n");
        await c.Expect("220 2.0.0");
        await c.UpgradeToTls();
        // Were the injected MAIL executed, its reply (503, no EHLO yet under TLS) would come first.
        await c.Send("EHLO client.test");
        await c.Expect("250");
        await c.Send("MAIL FROM:<a@client.test>");
        await c.Expect("250 2.1.0");
        await c.Send("DATA");
        await c.Expect("554 5.5.1"); // no recipients: the injected RCPT was not kept either
    }

    [Fact]
    public async Task Tls_forgets_the_clear_text_session()
    {
        await using var server = await TestServer.StartAsync(output);
        await using var c = await server.ConnectAsync();
        await c.Expect("220");
        await c.Ehlo();
        await c.Send("STARTTLS");
        await c.Expect("220 2.0.0");
        await c.UpgradeToTls();
        await c.Send("MAIL FROM:<a@client.test>");
        await c.Expect("503 5.5.1");
        await c.Ehlo();
        await c.Send("STARTTLS");
        await c.Expect("503 5.5.1");
    }

    [Fact]
    public async Task Submission_refuses_mail_before_auth_with_530()
    {
        await using var server = await TestServer.StartAsync(output, new TestServerOptions { Roles = ["submission"] });
        await using var c = await server.ConnectAsync();
        await c.Expect("220");
        await c.Ehlo();
        await c.Send("MAIL FROM:<alice@gatehouse.test>");
        await c.Expect("530 5.7.0");
        await c.StartTls();
        await c.Send("MAIL FROM:<alice@gatehouse.test>");
        await c.Expect("530 5.7.0");
        await c.AuthPlain(TestConfig.User, TestConfig.Password);
        await c.Expect("235 2.7.0");
        var id = await c.SendMessage("alice@gatehouse.test", ["postmaster@localhost"], "Subject: submitted\r\n\r\nok\r\n");
        Assert.Equal("submission", server.Spool.Find(id)!.Envelope.Client.Listener);
    }

    [Fact]
    public async Task Implicit_tls_speaks_tls_from_the_first_byte_and_requires_auth()
    {
        await using var server = await TestServer.StartAsync(output, new TestServerOptions { Roles = ["inbound", "implicit_tls"] });
        await using var c = await server.ConnectAsync("implicit_tls", implicitTls: true);
        Assert.True(c.IsTls);
        await c.Expect($"220 {TestConfig.Hostname} ESMTP");
        var ehlo = await c.Ehlo();
        Assert.DoesNotContain("STARTTLS", ehlo);
        Assert.Contains("AUTH PLAIN LOGIN", ehlo);
        await c.Send("MAIL FROM:<alice@gatehouse.test>");
        await c.Expect("530 5.7.0");
        await c.AuthPlain(TestConfig.User, TestConfig.Password);
        await c.Expect("235 2.7.0");
        var id = await c.SendMessage("alice@gatehouse.test", ["postmaster@localhost"], "Subject: implicit\r\n\r\nok\r\n");
        var stored = server.Spool.Find(id);
        Assert.NotNull(stored);
        Assert.Equal("implicit_tls", stored.Envelope.Client.Listener);
        Assert.Contains("with ESMTPSA id " + id, server.ContentText(id), StringComparison.Ordinal);

        // The inbound listener of the same server is still clear text and needs no AUTH.
        await using var plain = await server.ConnectAsync("inbound");
        await plain.Expect("220");
        await plain.Ehlo();
        await plain.Send("MAIL FROM:<a@client.test>");
        await plain.Expect("250 2.1.0");
    }

    [Fact]
    public async Task Implicit_tls_listener_does_not_answer_clear_text()
    {
        await using var server = await TestServer.StartAsync(output, new TestServerOptions { Roles = ["implicit_tls"] });
        using var tcp = new System.Net.Sockets.TcpClient();
        using var cts = new CancellationTokenSource(SmtpTestClient.ReadTimeout);
        await tcp.ConnectAsync(server.Endpoint, cts.Token);
        var stream = tcp.GetStream();
        await stream.WriteAsync("EHLO client.test\r\n"u8.ToArray(), cts.Token);
        // A TLS alert may come back; an SMTP greeting or reply must not.
        var received = new MemoryStream();
        var buffer = new byte[1024];
        try
        {
            int n;
            while ((n = await stream.ReadAsync(buffer, cts.Token)) > 0) received.Write(buffer, 0, n);
        }
        catch (IOException)
        {
            // reset by the server: closed all the same
        }
        Assert.DoesNotContain("220 ", Encoding.Latin1.GetString(received.ToArray()), StringComparison.Ordinal);
        Assert.DoesNotContain("250", Encoding.Latin1.GetString(received.ToArray()), StringComparison.Ordinal);
    }
}
