using System.Text.Json;
using Gatehouse.Server.Configuration;
using Gatehouse.Server.Hosting;
using Gatehouse.Server.Tests.Cli;
using Gatehouse.Server.Tests.Support;
using Microsoft.Extensions.Logging;

namespace Gatehouse.Server.Tests.Tracking;

/// <summary>A message through two servers of two sites: <c>gatehouse track</c> on either server shows one timeline, RECEIVE to DELIVER, with the resolved addresses at each hop.</summary>
public sealed class TwoSiteTimelineTests(ITestOutputHelper output)
{
    private const string MessageId = "two-sites-1@client.example";

    [Fact]
    public async Task Track_on_either_server_shows_one_timeline_across_sites()
    {
        using var sink = await PythonSink.StartAsync();
        using var dir = new TempDirectory();
        var e1 = Loopback.FreeEndpoint();
        var e2 = Loopback.FreeEndpoint();
        var a1 = Loopback.FreeEndpoint();
        var a2 = Loopback.FreeEndpoint();
        var yaml = $"""
            accepted_domains: [gatehouse.test]
            sites:
              - name: a
              - name: b
            servers:
              - name: gate1
                site: a
                hostname: gate1.gatehouse.test
                data_directory: '{dir.Combine("gate1")}'
                listeners:
                  - {"{"}address: {e1.Address}, port: {e1.Port}{"}"}
                admin: {"{"}address: {a1.Address}, port: {a1.Port}, token: gate1-token-0123456789{"}"}
              - name: gate2
                site: b
                hostname: gate2.gatehouse.test
                data_directory: '{dir.Combine("gate2")}'
                listeners:
                  - {"{"}address: {e2.Address}, port: {e2.Port}{"}"}
                admin: {"{"}address: {a2.Address}, port: {a2.Port}, token: gate2-token-0123456789{"}"}
            directory:
              mailboxes:
                - alias: bob
                  home_server: gate2
                  proxy_addresses: ["SMTP:bob@gatehouse.test"]
              contacts:
                - alias: partner
                  target: "SMTP:someone@partner.example"
                  proxy_addresses: ["SMTP:partner@gatehouse.test"]
            connectors:
              - {"{"}name: ab, type: site, source_site: a, target_site: b, bridgeheads: [gate2]{"}"}
              - {"{"}name: ba, type: site, source_site: b, target_site: a, bridgeheads: [gate1]{"}"}
              - name: internet-b
                type: internet
                servers: [gate2]
                smart_host: "{sink.Endpoint.Address}:{sink.Endpoint.Port}"
                address_spaces:
                  - {"{"}pattern: "*"{"}"}
            relay:
              allow_clients: [127.0.0.1/32]
            delivery:
              retry_schedule: [1s]
              tls: none
            smtp:
              shutdown_grace: 1s

            """;
        var file = dir.Combine("org.yaml");
        await File.WriteAllTextAsync(file, yaml);
        var config = ConfigLoader.LoadFile(file);
        using var loggers = LoggerFactory.Create(b => b.AddProvider(new TestOutputLoggerProvider(output)));
        await using var gate2 = await GatehouseServer.StartAsync(config, config.FindServer("gate2")!, loggers);
        await using var gate1 = await GatehouseServer.StartAsync(config, config.FindServer("gate1")!, loggers);

        await using (var c = await SmtpTestClient.ConnectAsync(e1))
        {
            await c.Expect("220");
            await c.Ehlo();
            await c.SendMessage("alice@client.example", ["bob@gatehouse.test", "partner@gatehouse.test"],
                $"Message-ID: <{MessageId}>\r\nSubject: across the sites\r\n\r\nhello\r\n");
        }
        await Eventually.True(() => sink.Messages().Count == 1, "the contact's mail left through site b's connector\n" + sink.Log);
        Assert.Equal("someone@partner.example", sink.Messages()[0].Recipients[0].Address);
        var bobBox = Path.Combine(dir.Combine("gate2"), "mailboxes", "bob", "new");
        await Eventually.True(() => Directory.Exists(bobBox) && Directory.GetFiles(bobBox).Length == 1, "bob's mail is in his mailbox on gate2");

        foreach (var server in new[] { "gate1", "gate2" })
        {
            List<(string Server, string Type, string? Recipient, Dictionary<string, string> Facts)> events = [];
            await Eventually.True(async () =>
            {
                var r = await GatehouseCli.RunAsync("track", "--message-id", MessageId, "--config", file, "--server", server, "--json");
                if (r.ExitCode != 0) return false;
                var root = JsonDocument.Parse(r.StandardOutput).RootElement;
                var messages = root.GetProperty("messages").EnumerateArray().ToList();
                if (messages.Count != 1) return false;
                events = messages[0].GetProperty("events").EnumerateArray().Select(e => (
                    e.GetProperty("server").GetString()!,
                    e.GetProperty("type").GetString()!,
                    e.TryGetProperty("recipient", out var rc) && rc.ValueKind == JsonValueKind.String ? rc.GetString() : null,
                    e.GetProperty("facts").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!))).ToList();
                // Complete when both final steps are recorded (the writers batch in the background).
                return events.Any(e => e is { Server: "gate2", Type: "DELIVER" }) && events.Count(e => e.Type == "TRANSFER") >= 2;
            }, $"track on {server} shows the whole timeline", TimeSpan.FromSeconds(60));
            output.WriteLine($"--- track on {server}\n" + string.Join("\n", events.Select(e => $"{e.Server} {e.Type} {e.Recipient} {string.Join(", ", e.Facts.Select(f => f.Key + "=" + f.Value))}")));

            Assert.Equal("RECEIVE", events[0].Type);
            Assert.Equal("gate1", events[0].Server);
            Assert.Contains(events, e => e is { Server: "gate2", Type: "RECEIVE" });
            // The contact is resolved on the first server (seed Q152919), and the resolved address is what the next hop sees.
            var resolve = Assert.Single(events, e => e is { Server: "gate1", Type: "RESOLVE", Recipient: "partner@gatehouse.test" });
            Assert.Contains("someone@partner.example", resolve.Facts["after"], StringComparison.Ordinal);
            Assert.Contains(events, e => e is { Server: "gate1", Type: "TRANSFER" } && e.Facts["next_hop"].StartsWith("server:gate2", StringComparison.Ordinal));
            Assert.Contains(events, e => e is { Server: "gate2", Type: "ROUTE", Recipient: "someone@partner.example" } && e.Facts["connector"] == "internet-b");
            Assert.Contains(events, e => e is { Server: "gate2", Type: "TRANSFER", Recipient: "someone@partner.example" });
            Assert.Contains(events, e => e is { Server: "gate2", Type: "DELIVER", Recipient: "bob@gatehouse.test" });
        }
    }
}
