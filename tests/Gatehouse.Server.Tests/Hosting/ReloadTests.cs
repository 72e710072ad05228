using Gatehouse.Server.Configuration;
using Gatehouse.Server.Hosting;
using Gatehouse.Server.Tests.Support;
using Microsoft.Extensions.Logging;

namespace Gatehouse.Server.Tests.Hosting;

/// <summary>Configuration reload: a good file becomes the snapshot of new sessions; a bad one changes nothing.</summary>
public sealed class ReloadTests(ITestOutputHelper output)
{
    private static string Yaml(string data, System.Net.IPEndPoint ep, params string[] aliases) => $"""
        accepted_domains: [example.com]
        servers:
          - name: gate
            hostname: gate.example.com
            data_directory: '{data}'
            listeners: [{"{"}address: {ep.Address}, port: {ep.Port}{"}"}]
        smtp:
          shutdown_grace: 1s
        directory:
          mailboxes:
        {string.Concat(aliases.Select(a => $"    - {{alias: {a}, proxy_addresses: [SMTP:{a}@example.com]}}\n"))}
        """;

    private static async Task ExpectRcpt(System.Net.IPEndPoint ep, string to, string expected)
    {
        await using var c = await SmtpTestClient.ConnectAsync(ep);
        await c.Expect("220");
        await c.Ehlo();
        await c.Send("MAIL FROM:<a@client.test>");
        await c.Expect("250");
        await c.Send($"RCPT TO:<{to}>");
        await c.Expect(expected);
    }

    [Fact]
    public async Task A_good_file_is_used_by_new_sessions_and_a_bad_one_keeps_the_running_configuration()
    {
        using var dir = new TempDirectory();
        var ep = Loopback.FreeEndpoint();
        var file = dir.Combine("org.yaml");
        File.WriteAllText(file, Yaml(dir.Combine("data"), ep, "alice"));
        using var loggers = LoggerFactory.Create(b => b.AddProvider(new TestOutputLoggerProvider(output)));
        var config = ConfigLoader.LoadFile(file);
        await using var server = await GatehouseServer.StartAsync(config, config.Servers[0], loggers);

        await ExpectRcpt(ep, "bob@example.com", "550 5.1.1");
        File.WriteAllText(file, Yaml(dir.Combine("data"), ep, "alice", "bob"));
        var ok = server.Reload();
        Assert.True(ok.Ok, ok.Message);
        await ExpectRcpt(ep, "bob@example.com", "250 2.1.5");

        File.WriteAllText(file, "smtp:\n  max_recipients: many\n");
        var bad = server.Reload();
        Assert.False(bad.Ok);
        Assert.Contains("org.yaml:2: smtp.max_recipients", bad.Message, StringComparison.Ordinal);
        await ExpectRcpt(ep, "bob@example.com", "250 2.1.5");
    }

    [Fact]
    public async Task Listener_changes_are_reported_as_needing_a_restart()
    {
        using var dir = new TempDirectory();
        var ep = Loopback.FreeEndpoint();
        var file = dir.Combine("org.yaml");
        File.WriteAllText(file, Yaml(dir.Combine("data"), ep, "alice"));
        using var loggers = LoggerFactory.Create(b => b.AddProvider(new TestOutputLoggerProvider(output)));
        var config = ConfigLoader.LoadFile(file);
        await using var server = await GatehouseServer.StartAsync(config, config.Servers[0], loggers);
        File.WriteAllText(file, Yaml(dir.Combine("data"), new System.Net.IPEndPoint(ep.Address, ep.Port == 65535 ? 1 : ep.Port + 1), "alice"));
        var r = server.Reload();
        Assert.True(r.Ok, r.Message);
        Assert.Contains("listeners take effect after a restart", r.Message, StringComparison.Ordinal);
        await ExpectRcpt(ep, "alice@example.com", "250 2.1.5");
    }
}
