using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Gatehouse.Server.Tests.Cli;
using Gatehouse.Server.Tests.Support;

namespace Gatehouse.Server.Tests.Delivery;

/// <summary>kill -9 at random moments while mail flows: every message acknowledged with 250 reaches the next hop, at least once.</summary>
public sealed partial class CrashSafetyTests(ITestOutputHelper output)
{
    private const int Messages = 300;

    [Fact]
    public async Task Sigkill_while_mail_flows_loses_nothing()
    {
        // The next hop: a second Gatehouse that only stores what it gets, for a domain of its own.
        await using var sink = await TestServer.StartAsync(output, new TestServerOptions { AcceptedDomains = "[sink.test]", WithUsers = false });
        using var dir = new TempDirectory();
        var endpoint = Loopback.FreeEndpoint();
        var config = dir.Combine("gatehouse.yaml");
        await File.WriteAllTextAsync(config, $"""
            accepted_domains: [gatehouse.test]
            servers:
              - name: gw
                hostname: gw.gatehouse.test
                data_directory: '{dir.Combine("data")}'
                listeners:
                  - {"{"}address: {endpoint.Address}, port: {endpoint.Port}{"}"}
            connectors:
              - name: out
                type: internet
                servers: [gw]
                smart_host: "{sink.Endpoint.Address}:{sink.Endpoint.Port}"
                tls: none
                address_spaces:
                  - {"{"}pattern: "*"{"}"}
            relay:
              allow_clients: [127.0.0.0/8]
            delivery:
              retry_schedule: [1s]
              mark_down_after: 1000
            smtp:
              shutdown_grace: 1s
            """);

        var acknowledged = new HashSet<int>();
        var kills = 0;
        var random = new Random(20261123);
        var server = GatehouseCli.StartServe(config);
        try
        {
            await GatehouseCli.WaitUntilServing(server, endpoint);
            var killAt = DateTime.UtcNow + TimeSpan.FromMilliseconds(random.Next(100, 800));
            var next = 0;
            // Kills land while messages arrive and, once all are sent, while the queue delivers them.
            while (next < Messages || kills < 6)
            {
                if (DateTime.UtcNow >= killAt)
                {
                    server.Kill();
                    kills++;
                    server.Dispose();
                    server = GatehouseCli.StartServe(config);
                    await GatehouseCli.WaitUntilServing(server, endpoint);
                    killAt = DateTime.UtcNow + TimeSpan.FromMilliseconds(random.Next(100, 800));
                }
                if (next >= Messages)
                {
                    await Task.Delay(50);
                    continue;
                }
                // A batch on one connection; whatever was not acknowledged when the server died is sent again.
                next = await SendSomeAsync(endpoint, next, Math.Min(Messages, next + 10), acknowledged);
            }
            await Eventually.True(() => Task.FromResult(Received(sink).Count(kv => kv.Value > 0) >= acknowledged.Count), "every acknowledged message reached the sink", TimeSpan.FromMinutes(3));
        }
        finally
        {
            server.Kill();
            output.WriteLine("--- last run\n" + server.StandardOutput[^Math.Min(server.StandardOutput.Length, 4000)..] + server.StandardError);
            server.Dispose();
        }

        var received = Received(sink);
        var once = acknowledged.Count(i => received.GetValueOrDefault(i) == 1);
        var duplicated = acknowledged.Count(i => received.GetValueOrDefault(i) > 1);
        var lost = acknowledged.Where(i => received.GetValueOrDefault(i) == 0).ToList();
        output.WriteLine($"{Messages} sent, {acknowledged.Count} acknowledged with 250, {kills} kills: {once} delivered once, {duplicated} duplicated, {lost.Count} lost");
        Assert.True(kills >= 3, $"only {kills} kills: the test did not test crashes");
        Assert.Empty(lost);
    }

    /// <summary>Sends messages [from, to) on one connection; returns the first one not acknowledged (the server may die at any moment).</summary>
    private static async Task<int> SendSomeAsync(IPEndPoint endpoint, int from, int to, HashSet<int> acknowledged)
    {
        var i = from;
        try
        {
            await using var c = await SmtpTestClient.ConnectAsync(endpoint);
            await c.Expect("220");
            await c.Ehlo();
            for (; i < to; i++)
            {
                await c.SendMessage("sender@gatehouse.test", ["user@sink.test"], $"Subject: crash test\r\nX-Test-Number: {i}\r\n\r\nmessage {i}\r\n");
                acknowledged.Add(i);
            }
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or Xunit.Sdk.XunitException)
        {
            // The server died mid-conversation: message i was not acknowledged and is sent again.
        }
        return i;
    }

    /// <summary>How many copies of each test message the sink holds.</summary>
    private static Dictionary<int, int> Received(TestServer sink)
    {
        var counts = new Dictionary<int, int>();
        foreach (var m in sink.Spool.List())
        {
            using var s = new StreamReader(m.OpenContent(), Encoding.UTF8);
            var text = s.ReadToEnd();
            var match = Number().Match(text);
            if (match.Success)
            {
                var n = int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
                counts[n] = counts.GetValueOrDefault(n) + 1;
            }
        }
        return counts;
    }

    [GeneratedRegex(@"X-Test-Number: (\d+)")]
    private static partial Regex Number();
}
