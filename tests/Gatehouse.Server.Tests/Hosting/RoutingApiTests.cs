using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gatehouse.Server.Tests.Cli;
using Gatehouse.Server.Tests.Support;

namespace Gatehouse.Server.Tests.Hosting;

/// <summary>The admin API's <c>GET /routes</c> and <c>GET /route</c>: the same documents as <c>gatehouse routes --json</c> and <c>gatehouse route --json</c> for the server's file, behind the token, and reflecting what delivery found down.</summary>
public sealed class RoutingApiTests(ITestOutputHelper output)
{
    private const string Token = "routing-test-token-93ab";

    /// <summary>A directory, a contact, an internet connector with an SMTPOUT type map, and relay for 127.0.0.4/30 only.</summary>
    private static readonly TestServerOptions Routing = new()
    {
        WithAdmin = true,
        AdminToken = Token,
        AcceptedDomains = "[localhost, gatehouse.test, {domain: forwarded.example, type: external_relay, forward_to: 192.0.2.50}]",
        ExtraYaml = """
            connectors:
              - name: internet
                type: internet
                servers: [test]
                outbound_type_map: {SMTPOUT: SMTP}
                address_spaces:
                  - {type: SMTP, pattern: "*", cost: 1}
                  - {type: SMTPOUT, pattern: "*", cost: 1}
            directory:
              mailboxes:
                - alias: jdoe
                  proxy_addresses: [SMTP:john.doe@localhost]
              contacts:
                - alias: partner
                  target: SMTP:pat@partner.example
                  proxy_addresses: [SMTP:pat.partner@localhost]
            relay:
              allow_authenticated: true
              allow_clients: [127.0.0.4/30]

            """,
    };

    // address                              from         auth   sender                 local
    private static readonly (string Address, string? From, string? Auth, string? Sender, bool Local)[] Questions =
    [
        ("john.doe@localhost", "127.0.0.9", null, null, true),
        ("nobody@localhost", "127.0.0.9", null, "sender@client.test", true),
        ("someone@outside.example", "127.0.0.9", null, null, true),
        ("someone@outside.example", "127.0.0.5", null, "sender@client.test", true),
        ("someone@outside.example", "127.0.0.9", "alice", null, false),
        ("pat.partner@localhost", null, null, null, false),
        ("user@forwarded.example", "127.0.0.9", null, "<>", true),
        ("[SMTPOUT:user@internal.domain.com]", "127.0.0.5", null, null, false),
        ("IMCEAFAX-5551234@localhost", "127.0.0.5", null, null, true),
    ];

    [Fact]
    public async Task Route_answers_what_gatehouse_route_json_prints_for_the_same_file()
    {
        await using var server = await TestServer.StartAsync(output, Routing);
        var config = server.WriteConfigFile();
        var local = server.Endpoint.Address.ToString();
        using var http = QueueSetup.Admin(server, Token);
        foreach (var q in Questions)
        {
            var query = new List<string> { "address=" + Uri.EscapeDataString(q.Address) };
            var args = new List<string> { "route", q.Address, "--config", config, "--json" };
            void Both(string name, string? value)
            {
                if (value is null) return;
                query.Add($"{name}={Uri.EscapeDataString(value)}");
                args.AddRange(["--" + name, value]);
            }
            Both("from", q.From);
            Both("auth", q.Auth);
            Both("sender", q.Sender);
            Both("local", q.Local ? local : null);

            var api = await http.GetAsync("route?" + string.Join("&", query));
            var apiBody = await api.Content.ReadAsStringAsync();
            Assert.True(api.StatusCode == HttpStatusCode.OK, $"{q}: {(int)api.StatusCode} {apiBody}");
            var cli = await GatehouseCli.RunAsync([.. args]);
            output.WriteLine($"{q}\n  api: {apiBody}\n  cli exit {cli.ExitCode}");
            Assert.True(cli.ExitCode is 0 or 3, cli.ToString());
            var fromApi = JsonNode.Parse(apiBody);
            Assert.True(JsonNode.DeepEquals(fromApi, JsonNode.Parse(cli.StandardOutput)), $"{q}\n--- api\n{apiBody}\n--- cli\n{cli.StandardOutput}");
            Assert.Equal(cli.ExitCode == 0, fromApi!["accepted"]!.GetValue<bool>());
            Assert.NotEmpty(fromApi["trace"]!.AsArray());
        }
    }

    [Fact]
    public async Task Routes_answers_the_routing_table_that_gatehouse_routes_json_prints()
    {
        await using var server = await TestServer.StartAsync(output, Routing);
        using var http = QueueSetup.Admin(server, Token);
        var body = await http.GetStringAsync("routes");
        output.WriteLine(body);
        var cli = await GatehouseCli.RunAsync("routes", "--config", server.WriteConfigFile(), "--json");
        Assert.Equal(0, cli.ExitCode);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(body), JsonNode.Parse(cli.StandardOutput)), $"--- api\n{body}\n--- cli\n{cli.StandardOutput}");

        using var doc = JsonDocument.Parse(body);
        var root = doc.RootElement;
        Assert.Equal("test", root.GetProperty("server").GetString());
        var routes = root.GetProperty("routes").EnumerateArray().ToArray();
        Assert.Equal(["SMTP", "SMTPOUT"], routes.Select(r => r.GetProperty("type").GetString()).Order(StringComparer.Ordinal));
        Assert.All(routes, r =>
        {
            Assert.Equal("internet", r.GetProperty("connector").GetString());
            Assert.Equal("test", r.GetProperty("server").GetString());
            Assert.Equal(1, r.GetProperty("cost").GetInt32());
            Assert.Equal("this site", r.GetProperty("via").GetString());
            Assert.Equal(JsonValueKind.Null, r.GetProperty("unavailable").ValueKind);
        });
        var forwarded = root.GetProperty("acceptedDomains").EnumerateArray().Single(d => d.GetProperty("domain").GetString() == "forwarded.example");
        Assert.Equal(("external_relay", "192.0.2.50"), (forwarded.GetProperty("kind").GetString(), forwarded.GetProperty("forwardTo").GetString()));

        // The text of `gatehouse routes` is made from the same document.
        var text = await GatehouseCli.RunAsync("routes", "--config", server.WriteConfigFile());
        Assert.StartsWith("routing table of server test (site ", text.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("  accepted domain forwarded.example: external_relay -> 192.0.2.50", text.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Routes_and_route_need_the_token_and_refuse_bad_questions()
    {
        await using var server = await TestServer.StartAsync(output, Routing);
        using var anonymous = QueueSetup.Admin(server, token: null);
        using var wrong = QueueSetup.Admin(server, token: "not-the-routing-token");
        foreach (var path in new[] { "routes", "route?address=john.doe@localhost" })
        {
            var none = await anonymous.GetAsync(path);
            Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
            Assert.Equal("Bearer", Assert.Single(none.Headers.WwwAuthenticate).Scheme);
            Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync(path)).StatusCode);
        }

        using var http = QueueSetup.Admin(server, Token);
        (string Query, string Error)[] bad =
        [
            ("route", "say which recipient: ?address=user@domain"),
            ("route?address=john.doe@localhost&from=not-an-address", "from 'not-an-address' is not an IP address"),
            ("route?address=john.doe@localhost&local=10.0.0.300", "local '10.0.0.300' is not an IP address"),
            ("route?address=user@@localhost", ""),
        ];
        foreach (var (query, error) in bad)
        {
            var r = await http.GetAsync(query);
            Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
            using var doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
            Assert.StartsWith(error, doc.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Routes_and_route_reflect_a_connector_that_delivery_found_down()
    {
        var options = QueueSetup.Deferring(token: Token) with
        {
            ExtraYaml = QueueSetup.Deferring().ExtraYaml.Replace("mark_down_after: 1000", "mark_down_after: 1", StringComparison.Ordinal),
        };
        await using var server = await TestServer.StartAsync(output, options);
        using var http = QueueSetup.Admin(server, Token);
        using (var up = JsonDocument.Parse(await http.GetStringAsync("routes")))
        {
            Assert.Equal(JsonValueKind.Null, up.RootElement.GetProperty("routes")[0].GetProperty("unavailable").ValueKind);
        }

        var id = await QueueSetup.SendAsync(server);
        await QueueSetup.AttemptedAsync(server, id);
        await Eventually.True(() => server.Server.Queue.Health.Down.ContainsKey("connector:out"), "the connector is marked down");

        var body = await http.GetStringAsync("routes");
        using var down = JsonDocument.Parse(body);
        Assert.Equal("connector out is down", down.RootElement.GetProperty("routes")[0].GetProperty("unavailable").GetString());
        var cli = await GatehouseCli.RunAsync("routes", "--config", server.WriteConfigFile(), "--down", "out", "--json");
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(body), JsonNode.Parse(cli.StandardOutput)), $"--- api\n{body}\n--- cli\n{cli}");

        using var route = JsonDocument.Parse(await http.GetStringAsync($"route?address={QueueSetup.Recipient}&from=127.0.0.1"));
        Assert.Equal("Hold", route.RootElement.GetProperty("route").GetProperty("action").GetString());
        Assert.True(route.RootElement.GetProperty("accepted").GetBoolean());
    }
}
