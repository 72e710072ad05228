using System.Text.Json;
using Gatehouse.Core.Envelope;
using Gatehouse.Server.Tests.Support;

namespace Gatehouse.Server.Tests.Peers;

/// <summary>Drives the server with Python's smtplib, the client behind a great many scripts and applications.</summary>
/// <remarks>Each script prints one JSON object on its last line; the test checks it and the spool.</remarks>
public sealed class PythonSmtplibTests(ITestOutputHelper output)
{
    // Shared by every script: where to connect, the test user, and a TLS context that accepts the self-signed certificate.
    private const string Prelude = """
        import json, smtplib, ssl, sys
        from email.message import EmailMessage
        host, port, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        def done(**kw):
            print(json.dumps(kw, ensure_ascii=True))

        """;

    private async Task<JsonElement> Python(TestServer server, string listener, string script)
    {
        var python = ChildProcess.Require("python3", "the peer tests drive the server with Python's smtplib");
        var ep = server.EndpointOf(listener);
        var r = await ChildProcess.RunAsync(python, ["-c", Prelude + script, ep.Address.ToString(), ep.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), TestConfig.User, TestConfig.Password]);
        output.WriteLine(r.ToString());
        Assert.True(r.ExitCode == 0, $"python3 failed\n{r}");
        var last = r.StandardOutput.TrimEnd().Split('\n')[^1];
        return JsonDocument.Parse(last).RootElement.Clone();
    }

    [Fact]
    public async Task Send_message_after_starttls_and_login()
    {
        await using var server = await TestServer.StartAsync(output, new TestServerOptions { Roles = ["submission"] });
        var result = await Python(server, "submission", """
            msg = EmailMessage()
            msg["From"] = "alice@gatehouse.test"
            msg["To"] = "postmaster@localhost"
            msg["Subject"] = "from smtplib"
            msg.set_content("Hello from Python.\n.a line with a leading dot\n")
            with smtplib.SMTP(host, port, timeout=20) as s:
                s.ehlo("python.client.test")
                s.starttls(context=ctx)
                s.ehlo("python.client.test")
                s.login(user, password)
                refused = s.send_message(msg)
            done(refused=refused)
            """);
        Assert.Empty(result.GetProperty("refused").EnumerateObject());
        var stored = Assert.Single(server.Spool.List());
        Assert.Equal(TestConfig.User, stored.Envelope.Client.AuthenticatedUser);
        Assert.Equal("<alice@gatehouse.test>", stored.Envelope.ReversePathText);
        var text = server.ContentText(stored.QueueId);
        Assert.Contains("Subject: from smtplib\r\n", text, StringComparison.Ordinal);
        Assert.Contains("\r\nHello from Python.\r\n.a line with a leading dot\r\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Auth_login_with_challenges_and_wrong_password()
    {
        await using var server = await TestServer.StartAsync(output);
        var result = await Python(server, "inbound", """
            with smtplib.SMTP(host, port, timeout=20) as s:
                s.starttls(context=ctx)
                s.ehlo()
                try:
                    s.login(user, "wrong")
                    bad = None
                except smtplib.SMTPAuthenticationError as e:
                    bad = [e.smtp_code, e.smtp_error.decode()]
                s.user, s.password = user, password
                code, text = s.auth("LOGIN", s.auth_login, initial_response_ok=False)
            done(bad=bad, code=code, text=text.decode())
            """);
        Assert.Equal(535, result.GetProperty("bad")[0].GetInt32());
        Assert.StartsWith("5.7.8", result.GetProperty("bad")[1].GetString(), StringComparison.Ordinal);
        Assert.Equal(235, result.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Eight_bit_body_arrives_octet_for_octet()
    {
        await using var server = await TestServer.StartAsync(output);
        var result = await Python(server, "inbound", """
            body = "Subject: 8bit\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGrüße aus Köln – ½ €\r\n".encode("utf-8")
            with smtplib.SMTP(host, port, timeout=20) as s:
                s.ehlo()
                assert s.has_extn("8bitmime")
                refused = s.sendmail("sender@client.test", ["postmaster@localhost"], body, mail_options=["BODY=8BITMIME"])
            done(refused=refused)
            """);
        Assert.Empty(result.GetProperty("refused").EnumerateObject());
        var stored = Assert.Single(server.Spool.List());
        Assert.Equal(BodyType.EightBitMime, stored.Envelope.Body);
        Assert.EndsWith("\r\n\r\nGrüße aus Köln – ½ €\r\n", server.ContentText(stored.QueueId), StringComparison.Ordinal);
    }

    [Fact]
    public async Task International_addresses_use_smtputf8()
    {
        await using var server = await TestServer.StartAsync(output);
        await Python(server, "inbound", """
            msg = EmailMessage()
            msg["From"] = "josé@client.test"
            msg["To"] = "Ελένη <ελένη@gatehouse.test>"
            msg["Subject"] = "Καλημέρα"
            msg.set_content("Καλημέρα κόσμε\n")
            with smtplib.SMTP(host, port, timeout=20) as s:
                refused = s.send_message(msg)
            done(refused=refused)
            """);
        var stored = Assert.Single(server.Spool.List());
        Assert.True(stored.Envelope.SmtpUtf8);
        Assert.Equal("<josé@client.test>", stored.Envelope.ReversePathText);
        Assert.Equal("ελένη@gatehouse.test", stored.Envelope.Recipients.Single().Address.ToWire());
        Assert.Contains("Καλημέρα κόσμε", server.ContentText(stored.QueueId), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sendmail_to_several_recipients_reports_the_refused_one()
    {
        await using var server = await TestServer.StartAsync(output);
        var result = await Python(server, "inbound", """
            with smtplib.SMTP(host, port, timeout=20) as s:
                refused = s.sendmail("sender@client.test",
                    ["postmaster@localhost", "stranger@elsewhere.example", "bob@gatehouse.test"],
                    "Subject: several\r\n\r\nto three, two of them ours\r\n")
            done(refused={k: [v[0], v[1].decode()] for k, v in refused.items()})
            """);
        var refused = result.GetProperty("refused").EnumerateObject().ToArray();
        var one = Assert.Single(refused);
        Assert.Equal("stranger@elsewhere.example", one.Name);
        Assert.Equal(550, one.Value[0].GetInt32());
        Assert.StartsWith("5.7.1", one.Value[1].GetString(), StringComparison.Ordinal);
        var stored = Assert.Single(server.Spool.List());
        Assert.Equal(["postmaster@localhost", "bob@gatehouse.test"], stored.Envelope.Recipients.Select(r => r.Address.ToWire()));
    }

    [Fact]
    public async Task Smtp_ssl_on_the_implicit_tls_listener()
    {
        await using var server = await TestServer.StartAsync(output, new TestServerOptions { Roles = ["implicit_tls"] });
        await Python(server, "implicit_tls", """
            with smtplib.SMTP_SSL(host, port, timeout=20, context=ctx) as s:
                s.login(user, password)
                refused = s.sendmail("alice@gatehouse.test", ["postmaster@localhost"], "Subject: 465\r\n\r\nimplicit\r\n")
            done(refused=refused)
            """);
        var stored = Assert.Single(server.Spool.List());
        Assert.Equal("implicit_tls", stored.Envelope.Client.Listener);
        Assert.Equal(TestConfig.User, stored.Envelope.Client.AuthenticatedUser);
    }
}
