using Gatehouse.Server.Tests.Support;
using Gatehouse.Spool;

namespace Gatehouse.Server.Tests.Cli;

/// <summary>A message the server said 250 to survives SIGKILL of the real server process, and a restart finds it.</summary>
public sealed class RestartRecoveryTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Message_acknowledged_before_sigkill_is_in_the_queue_after_restart()
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("data");
        var endpoint = Loopback.FreeEndpoint();
        var config = dir.Combine("gatehouse.yaml");
        await File.WriteAllTextAsync(config, TestConfig.Yaml(data, [("inbound", endpoint)], new TestServerOptions()));

        string first;
        using (var server = GatehouseCli.StartServe(config))
        {
            try
            {
                await GatehouseCli.WaitUntilServing(server, endpoint);
                await using var c = await SmtpTestClient.ConnectAsync(endpoint);
                await c.Expect("220");
                await c.Ehlo();
                first = await c.SendMessage("a@client.test", ["postmaster@localhost"], "Subject: survive\r\n\r\nbefore the crash\r\n");
                // Killed the moment the 250 arrived: no shutdown, no flush, no chance to tidy up.
                server.Kill();
            }
            finally
            {
                output.WriteLine("--- first run\n" + server.StandardOutput + server.StandardError);
            }
        }

        string second;
        using (var server = GatehouseCli.StartServe(config))
        {
            try
            {
                await GatehouseCli.WaitUntilServing(server, endpoint);
                // The console logger writes from a queue of its own, so its line may trail the greeting.
                await Eventually.True(() => server.StandardOutput.Contains("1 messages queued", StringComparison.Ordinal), "recovery reports the one queued message");
                await using var c = await SmtpTestClient.ConnectAsync(endpoint);
                await c.Expect("220");
                await c.Ehlo();
                second = await c.SendMessage("a@client.test", ["postmaster@localhost"], "Subject: after\r\n\r\nafter the restart\r\n");
                server.Kill();
            }
            finally
            {
                output.WriteLine("--- second run\n" + server.StandardOutput + server.StandardError);
            }
        }

        var queueFile = Path.Combine(data, "spool", "queue", first);
        var read = QueueFile.Read(queueFile);
        Assert.Equal(first, read.QueueId);

        using var spool = MessageSpool.Open(Path.Combine(data, "spool"), SyncMethod.Fsync);
        Assert.Equal(2, spool.Recovery.Queued);
        Assert.Equal(0, spool.Recovery.Corrupt);
        var message = spool.Find(first);
        Assert.NotNull(message);
        using (var content = new StreamReader(message.OpenContent()))
        {
            var text = await content.ReadToEndAsync();
            Assert.StartsWith("Received: ", text, StringComparison.Ordinal);
            Assert.EndsWith("Subject: survive\r\n\r\nbefore the crash\r\n", text, StringComparison.Ordinal);
        }
        Assert.NotNull(spool.Find(second));
        Assert.Equal([first, second], spool.List().Select(m => m.QueueId).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Sigterm_stops_the_server_cleanly()
    {
        using var dir = new TempDirectory();
        var endpoint = Loopback.FreeEndpoint();
        var config = dir.Combine("gatehouse.yaml");
        await File.WriteAllTextAsync(config, TestConfig.Yaml(dir.Combine("data"), [("inbound", endpoint)], new TestServerOptions()));
        using var server = GatehouseCli.StartServe(config);
        await GatehouseCli.WaitUntilServing(server, endpoint);
        await using var idle = await SmtpTestClient.ConnectAsync(endpoint);
        await idle.Expect("220");
        var kill = await ChildProcess.RunAsync("/bin/kill", ["-TERM", server.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        Assert.Equal(0, kill.ExitCode);
        // An idle session is told why it is being closed.
        await idle.Expect("421 4.3.2");
        var result = await server.WaitAsync(TimeSpan.FromSeconds(30));
        output.WriteLine(result.ToString());
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Stopped", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sighup_while_the_server_starts_neither_kills_it_nor_is_lost()
    {
        using var dir = new TempDirectory();
        var endpoint = Loopback.FreeEndpoint();
        var config = dir.Combine("gatehouse.yaml");
        await File.WriteAllTextAsync(config, TestConfig.Yaml(dir.Combine("data"), [("inbound", endpoint)], new TestServerOptions()));
        using var server = GatehouseCli.StartServe(config);
        var pid = server.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        // From its first log line (the server starting: its configuration is read, its spool, tracking log and
        // listeners are not open yet) until it greets, it is sent SIGHUP over and over. The default action of SIGHUP
        // is to terminate, so a handler installed only once the server runs would leave it a window to die in.
        await Eventually.True(() => server.HasExited || server.StandardOutput.Contains(" starting; configuration ", StringComparison.Ordinal), "the server logs that it is starting");
        using var greeted = new CancellationTokenSource();
        var hups = Task.Run(async () =>
        {
            var sent = 0;
            while (!greeted.IsCancellationRequested && !server.HasExited)
            {
                await ChildProcess.RunAsync("/bin/kill", ["-HUP", pid]);
                sent++;
            }
            return sent;
        });
        await GatehouseCli.WaitUntilServing(server, endpoint);
        await greeted.CancelAsync();
        output.WriteLine($"{await hups} SIGHUPs sent while starting");
        await Eventually.True(() => server.StandardOutput.Contains("configuration reloaded from", StringComparison.Ordinal),
            "a SIGHUP received while starting was carried out once started\n" + server.StandardOutput);
        Assert.False(server.HasExited, server.StandardOutput + server.StandardError);
        await ChildProcess.RunAsync("/bin/kill", ["-TERM", pid]);
        var result = await server.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, result.ExitCode);
    }
}
