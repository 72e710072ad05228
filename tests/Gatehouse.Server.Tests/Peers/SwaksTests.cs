using System.Text.RegularExpressions;
using Gatehouse.Server.Tests.Support;

namespace Gatehouse.Server.Tests.Peers;

/// <summary>Drives the server with swaks, a real SMTP client that mail administrators use to test servers.</summary>
public sealed partial class SwaksTests(ITestOutputHelper output)
{
    [GeneratedRegex(@"^<[-~]\s+250 2\.0\.0 OK queued as ([0-9A-Z]{14})\s*$", RegexOptions.Multiline)]
    private static partial Regex QueuedAs();

    private async Task<ProcessResult> Swaks(TestServer server, string listener, params string[] args)
    {
        var swaks = ChildProcess.Require("swaks", "the peer tests drive the server with it");
        var ep = server.EndpointOf(listener);
        string[] common = ["--server", ep.Address.ToString(), "--port", ep.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--helo", "swaks.client.test", "--from", "sender@client.test", "--timeout", "20"];
        var result = await ChildProcess.RunAsync(swaks, [.. common, .. args]);
        output.WriteLine(result.ToString());
        return result;
    }

    private static string QueueId(ProcessResult r)
    {
        var m = QueuedAs().Match(r.StandardOutput);
        Assert.True(r.ExitCode == 0 && m.Success, $"swaks did not get a message queued\n{r}");
        return m.Groups[1].Value;
    }

    [Fact]
    public async Task Plain_message_is_queued()
    {
        await using var server = await TestServer.StartAsync(output);
        var r = await Swaks(server, "inbound", "--to", "postmaster@localhost");
        var id = QueueId(r);
        var stored = server.Spool.Find(id);
        Assert.NotNull(stored);
        Assert.Equal("postmaster@localhost", stored.Envelope.Recipients.Single().Address.ToWire());
        Assert.Equal("swaks.client.test", stored.Envelope.Client.Helo);
    }

    [Fact]
    public async Task Starttls_message_is_queued()
    {
        await using var server = await TestServer.StartAsync(output);
        var r = await Swaks(server, "inbound", "--to", "postmaster@localhost", "--tls");
        var id = QueueId(r);
        Assert.Contains("<~ ", r.StandardOutput, StringComparison.Ordinal); // swaks marks replies read under TLS
        Assert.NotNull(server.Spool.Find(id)!.Envelope.Client.TlsProtocol);
    }

    [Theory]
    [InlineData("PLAIN")]
    [InlineData("LOGIN")]
    public async Task Auth_after_starttls_succeeds(string mechanism)
    {
        await using var server = await TestServer.StartAsync(output, new TestServerOptions { Roles = ["submission"] });
        var r = await Swaks(server, "submission", "--to", "postmaster@localhost", "--tls",
            "--auth", mechanism, "--auth-user", TestConfig.User, "--auth-password", TestConfig.Password);
        var id = QueueId(r);
        Assert.Contains("235 2.7.0", r.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(TestConfig.User, server.Spool.Find(id)!.Envelope.Client.AuthenticatedUser);
    }

    [Fact]
    public async Task Wrong_password_is_refused_with_535()
    {
        await using var server = await TestServer.StartAsync(output, new TestServerOptions { Roles = ["submission"] });
        var r = await Swaks(server, "submission", "--to", "postmaster@localhost", "--tls",
            "--auth", "PLAIN", "--auth-user", TestConfig.User, "--auth-password", "not the password");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("535 5.7.8", r.StandardOutput, StringComparison.Ordinal);
        Assert.Empty(server.Spool.List());
    }

    [Fact]
    public async Task Submission_without_auth_is_refused_with_530()
    {
        await using var server = await TestServer.StartAsync(output, new TestServerOptions { Roles = ["submission"] });
        var r = await Swaks(server, "submission", "--to", "postmaster@localhost", "--tls");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("530 5.7.0", r.StandardOutput, StringComparison.Ordinal);
        Assert.Empty(server.Spool.List());
    }

    [Fact]
    public async Task Implicit_tls_with_auth_is_queued()
    {
        await using var server = await TestServer.StartAsync(output, new TestServerOptions { Roles = ["implicit_tls"] });
        var r = await Swaks(server, "implicit_tls", "--to", "postmaster@localhost", "--tls-on-connect",
            "--auth", "LOGIN", "--auth-user", TestConfig.User, "--auth-password", TestConfig.Password);
        var id = QueueId(r);
        Assert.Equal(TestConfig.User, server.Spool.Find(id)!.Envelope.Client.AuthenticatedUser);
    }

    [Fact]
    public async Task Pipelined_transaction_is_queued_and_refused_recipient_reported()
    {
        await using var server = await TestServer.StartAsync(output);
        var r = await Swaks(server, "inbound", "--to", "postmaster@localhost", "--pipeline");
        var id = QueueId(r);
        Assert.NotNull(server.Spool.Find(id));

        var refused = await Swaks(server, "inbound", "--to", "someone@elsewhere.example", "--pipeline");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("550 5.7.1", refused.StandardOutput, StringComparison.Ordinal);
        Assert.Single(server.Spool.List());
    }

    [Fact]
    public async Task Body_with_leading_dots_arrives_unchanged()
    {
        await using var server = await TestServer.StartAsync(output);
        var r = await Swaks(server, "inbound", "--to", "postmaster@localhost", "--header", "Subject: dots",
            "--body", "first\n.leading dot\n..two dots\n.\nlast");
        var id = QueueId(r);
        Assert.Contains("\r\n\r\nfirst\r\n.leading dot\r\n..two dots\r\n.\r\nlast\r\n", server.ContentText(id), StringComparison.Ordinal);
    }
}
