using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Gatehouse.Server.Tests.Support;

namespace Gatehouse.Server.Tests.Cli;

/// <summary><c>gatehouse route</c> and <c>gatehouse routes</c> as an administrator runs them, and proof that the server's RCPT replies are what <c>route</c> prints.</summary>
public sealed class RouteCommandTests(ITestOutputHelper output)
{
    /// <summary>Two sites, an internet connector in each (only eu's carries SMTPOUT), site connectors both ways: seed Q152919's organization.</summary>
    private const string Org = """
        organization:
          name: Contoso
        accepted_domains:
          - contoso.com
          - domain: europe.example
            type: external_relay
            forward_to: 192.0.2.50:25
        sites:
          - name: hq
          - name: eu
        servers:
          - name: hq1
            site: hq
            listeners: [{address: 127.0.0.2, port: 2601}]
          - name: eu1
            site: eu
            listeners: [{address: 127.0.0.3, port: 2602}]
        connectors:
          - name: internet-hq
            type: internet
            servers: [hq1]
            address_spaces:
              - {type: SMTP, pattern: "*", cost: 1}
          - name: internet-eu
            type: internet
            servers: [eu1]
            outbound_type_map: {SMTPOUT: SMTP}
            address_spaces:
              - {type: SMTP, pattern: "*", cost: 1}
              - {type: SMTPOUT, pattern: "*", cost: 1}
          - name: hq-to-eu
            type: site
            source_site: hq
            target_site: eu
            cost: 10
            bridgeheads: [eu1]
          - name: eu-to-hq
            type: site
            source_site: eu
            target_site: hq
            cost: 10
            bridgeheads: [hq1]
        directory:
          mailboxes:
            - {alias: jdoe, home_server: eu1, proxy_addresses: [SMTP:jdoe@contoso.com]}
          contacts:
            - {alias: pat, target: "SMTP:pat@partner.example", home_site: eu, proxy_addresses: [SMTP:pat@contoso.com]}
        relay:
          allow_clients: [10.0.0.0/8]

        """;

    private async Task<ProcessResult> Run(TempDirectory dir, params string[] args)
    {
        var file = dir.Combine("org.yaml");
        if (!File.Exists(file)) await File.WriteAllTextAsync(file, Org);
        var r = await GatehouseCli.RunAsync([.. args, "--config", file]);
        output.WriteLine($"gatehouse {string.Join(' ', args)}\n{r}");
        return r;
    }

    private static string LastLine(string text) => text.TrimEnd().Split('\n')[^1].TrimEnd('\r');

    [Theory]
    [InlineData("jdoe@contoso.com", "", 0, "250 2.1.5 Recipient OK", "pass to server eu1 (connector hq-to-eu)")]
    [InlineData("nobody@contoso.com", "", 3, "550 5.1.1 No such recipient here", "contoso.com is authoritative")]
    [InlineData("someone@outside.example", "", 3, "550 5.7.1 Relaying denied", "has no relay permission")]
    [InlineData("someone@outside.example", "--from 10.1.2.3", 0, "250 2.1.5 Recipient OK", "relay.allow_clients (10.0.0.0/8)")]
    [InlineData("IMCEASMTP-user+40ext.com@contoso.com", "", 3, "550 5.7.1 Relaying denied", "relay: needed, refused")] // seed Q237927
    [InlineData("\"IMCEA user@domain2.com\"@contoso.com", "", 3, "550 5.7.1", "relay: needed, refused")] // seed Q264330
    [InlineData("someone@europe.example", "", 0, "250 2.1.5 Recipient OK", "mail for it goes to 192.0.2.50:25")] // seed Q201127
    [InlineData("pat@contoso.com", "--down eu1", 0, "250 2.1.5 Recipient OK", "chosen internet-hq on hq1")] // seed Q152919
    [InlineData("[SMTPOUT:user@internal.domain.com]", "--from 10.1.2.3", 0, "250 2.1.5 Recipient OK", "chosen internet-eu on eu1")] // seed Q183801
    [InlineData("[FAX:5551234]", "--from 10.1.2.3", 3, "550 5.4.4 No connector carries FAX addresses; this address cannot be delivered", "no connector has an address space for FAX")]
    public async Task Route_exits_0_when_accepted_and_3_when_refused(string address, string options, int exit, string reply, string traceFragment)
    {
        using var dir = new TempDirectory();
        var r = await Run(dir, ["route", address, "--server", "hq1", .. options.Split(' ', StringSplitOptions.RemoveEmptyEntries)]);
        Assert.Equal(exit, r.ExitCode);
        Assert.StartsWith("route on server hq1 (site hq) for client ", r.StandardOutput, StringComparison.Ordinal);
        Assert.StartsWith(reply, LastLine(r.StandardOutput), StringComparison.Ordinal);
        Assert.Contains(traceFragment, r.StandardOutput, StringComparison.Ordinal);
        Assert.Equal("", r.StandardError);
    }

    [Theory]
    [InlineData("user@@contoso.com", "--server hq1", "gatehouse: ")]
    [InlineData("<user@contoso.com", "--server hq1", "gatehouse: ")]
    [InlineData("user@contoso.com", "--server hq1 --from not-an-address", "--from 'not-an-address' is not an IP address")]
    [InlineData("user@contoso.com", "--server hq1 --local 10.0.0.300", "--local '10.0.0.300' is not an IP address")]
    [InlineData("user@contoso.com", "--server nosuch", "no server named 'nosuch' in the configuration (hq1, eu1)")]
    [InlineData("user@contoso.com", "", "the configuration lists 2 servers; say which with --server (hq1, eu1)")]
    public async Task Route_exits_2_on_a_usage_error(string address, string options, string message)
    {
        using var dir = new TempDirectory();
        var r = await Run(dir, ["route", address, .. options.Split(' ', StringSplitOptions.RemoveEmptyEntries)]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(message, r.StandardError, StringComparison.Ordinal);
        Assert.Equal("", r.StandardOutput);
    }

    [Fact]
    public async Task Route_on_a_bad_configuration_exits_2_with_file_line_and_key()
    {
        using var dir = new TempDirectory();
        var file = dir.Combine("org.yaml");
        await File.WriteAllTextAsync(file, "relay:\n  allow_clients: [10.0.0.1/8]\n");
        var r = await GatehouseCli.RunAsync("route", "user@localhost", "--config", file);
        output.WriteLine(r.ToString());
        Assert.Equal(2, r.ExitCode);
        Assert.Contains($"{file}:2: relay.allow_clients: '10.0.0.1/8' is not an address range", r.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Route_json_has_the_decision_and_its_trace()
    {
        using var dir = new TempDirectory();
        var r = await Run(dir, "route", "pat@contoso.com", "--server", "hq1", "--down", "eu1", "--from", "10.1.2.3", "--auth", "alice", "--sender", "jdoe@contoso.com", "--json");
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.StandardOutput);
        var root = doc.RootElement;
        Assert.True(root.GetProperty("accepted").GetBoolean());
        Assert.Equal("250 2.1.5 Recipient OK", root.GetProperty("reply").GetString());
        Assert.Equal(("hq1", "hq", "10.1.2.3", "127.0.0.2", "alice", "jdoe@contoso.com"),
            (root.GetProperty("server").GetString(), root.GetProperty("site").GetString(), root.GetProperty("client").GetString(),
             root.GetProperty("local").GetString(), root.GetProperty("auth").GetString(), root.GetProperty("sender").GetString()));
        var route = root.GetProperty("route");
        Assert.Equal(("SendViaConnector", "internet-hq", "mx:partner.example", "SMTP:pat@partner.example"),
            (route.GetProperty("action").GetString(), route.GetProperty("connector").GetString(), route.GetProperty("next_hop").GetString(), route.GetProperty("wire_address").GetString()));
        Assert.Equal("pat", root.GetProperty("destination").GetProperty("recipient").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("relay").ValueKind); // a contact is the organization's: no relay permission needed
        var trace = root.GetProperty("trace").EnumerateArray().Select(e => e.GetString()!).ToArray();
        Assert.Contains(trace, l => l.Contains("skipped, server eu1 is down", StringComparison.Ordinal));
        Assert.StartsWith("verdict: accepted", trace[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Route_json_of_a_refusal_says_why()
    {
        using var dir = new TempDirectory();
        var r = await Run(dir, "route", "IMCEASMTP-user+40ext.com@contoso.com", "--server", "eu1", "--json");
        Assert.Equal(3, r.ExitCode);
        using var doc = JsonDocument.Parse(r.StandardOutput);
        var root = doc.RootElement;
        Assert.False(root.GetProperty("accepted").GetBoolean());
        Assert.Equal("550 5.7.1 Relaying denied", root.GetProperty("reply").GetString());
        Assert.Equal("127.0.0.3", root.GetProperty("local").GetString()); // the server's first listener
        Assert.False(root.GetProperty("relay").GetProperty("allowed").GetBoolean());
        Assert.Equal("Reject", root.GetProperty("route").GetProperty("action").GetString());
        Assert.Equal("SMTP:user@ext.com", root.GetProperty("destination").GetProperty("address").GetString());
        Assert.NotEmpty(root.GetProperty("trace").EnumerateArray());
    }

    [Fact]
    public async Task Routes_prints_the_routing_table_with_costs_and_site_paths()
    {
        using var dir = new TempDirectory();
        var r = await Run(dir, "routes", "--server", "hq1");
        Assert.Equal(0, r.ExitCode);
        var lines = r.StandardOutput.Split('\n').Select(l => l.TrimEnd()).ToArray();
        Assert.Equal("routing table of server hq1 (site hq)", lines[0]);
        Assert.Matches(@"^  SMTP +\* +1  internet-hq +hq1 +this site$", lines[2]); // cheapest first
        Assert.Contains(lines, l => Regex.IsMatch(l, @"^  SMTP +\* +11  internet-eu +eu1 +site path hq-to-eu$"));
        Assert.Contains(lines, l => Regex.IsMatch(l, @"^  SMTPOUT +\* +11  internet-eu +eu1 +site path hq-to-eu$"));
        Assert.Contains("  site eu: cost 10 via hq-to-eu; bridgeheads eu1", lines);
        Assert.Contains("  accepted domain europe.example: external_relay -> 192.0.2.50:25", lines);

        var down = await Run(dir, "routes", "--server", "hq1", "--down", "internet-eu");
        Assert.Equal(0, down.ExitCode);
        Assert.Contains("UNAVAILABLE: connector internet-eu is down", down.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Routes_for_an_unknown_server_exits_2()
    {
        using var dir = new TempDirectory();
        var r = await Run(dir, "routes", "--server", "nosuch");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("no server named 'nosuch'", r.StandardError, StringComparison.Ordinal);
    }

    /// <summary>A server named "test" whose relay permissions sort the loopback clients below into inside, denied and outside.</summary>
    private static readonly TestServerOptions Relaying = new()
    {
        AcceptedDomains = "[localhost, gatehouse.test, {domain: forwarded.example, type: external_relay, forward_to: 192.0.2.50}, {domain: shared.example, type: internal_relay, forward_to: 192.0.2.51}]",
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
                  proxy_addresses: [SMTP:john.doe@localhost, smtp:jdoe@shared.example]
              contacts:
                - alias: partner
                  target: SMTP:pat@partner.example
                  proxy_addresses: [SMTP:pat.partner@localhost]
            relay:
              allow_authenticated: true
              allow_clients: [127.0.0.4/30]
              deny_clients: [127.0.0.6/32]

            """,
    };

    /// <summary>Every address form that matters for the relay decision (seeds Q237927, Q264330, Q183801, Q201127), as RCPT TO paths without the brackets.</summary>
    private static readonly string[] Addresses =
    [
        "john.doe@localhost",
        "JOHN.DOE@LOCALHOST",
        "nobody@localhost",
        "Postmaster",
        "pat.partner@localhost",
        "someone@outside.example",
        "pat@partner.example",
        "IMCEASMTP-user+40ext.com@localhost",
        "IMCEASMTP-john+2Edoe+40localhost@localhost",
        "\"IMCEA user@domain2.com\"@localhost",
        "\"user@ext.example\"@localhost",
        "user%ext.example@localhost",
        "ext.example!user@localhost",
        "@localhost:someone@outside.example",
        "someone@[127.0.0.1]",
        "user@forwarded.example",
        "jdoe@shared.example",
        "anyone@shared.example",
        "IMCEASMTPOUT-user+40internal.domain.com@localhost",
        "IMCEAFAX-5551234@localhost",
    ];

    [Fact]
    public async Task Rcpt_replies_of_a_running_server_are_what_route_prints()
    {
        await using var server = await TestServer.StartAsync(output, Relaying);
        var config = server.WriteConfigFile();
        var local = server.Endpoint.Address.ToString();
        (string Address, string? User)[] clients =
        [
            ("127.0.0.5", null),            // inside: relay.allow_clients
            ("127.0.0.6", null),            // in the allowed range, but relay.deny_clients overrides it
            ("127.0.0.9", null),            // outside
            ("127.0.0.9", TestConfig.User), // outside, authenticated
            ("127.0.0.6", TestConfig.User), // denied even when authenticated
        ];

        var mismatches = new List<string>();
        var kinds = new HashSet<string>();
        using var gate = new SemaphoreSlim(3); // the machine is shared: a few CLI processes at a time
        foreach (var (address, user) in clients)
        {
            var replies = await RcptReplies(server, IPAddress.Parse(address), user);
            var runs = Addresses.Select(async a =>
            {
                await gate.WaitAsync();
                try
                {
                    // The path exactly as RCPT TO carried it; brackets also keep "@localhost:..." from being read as a response file.
                    string[] args = ["route", $"<{a}>", "--config", config, "--server", "test", "--from", address, "--local", local, "--sender", "sender@client.test", .. user is null ? Array.Empty<string>() : ["--auth", user]];
                    return (Address: a, Result: await GatehouseCli.RunAsync(args));
                }
                finally
                {
                    gate.Release();
                }
            }).ToArray();
            foreach (var (a, r) in await Task.WhenAll(runs))
            {
                var printed = LastLine(r.StandardOutput);
                var got = replies[a];
                kinds.Add(got[..9]);
                var exitAgrees = r.ExitCode == (got.StartsWith("250", StringComparison.Ordinal) ? 0 : 3);
                if (printed != got || !exitAgrees)
                {
                    mismatches.Add($"client {address}{(user is null ? "" : " auth " + user)}, RCPT TO:<{a}>: server '{got}', gatehouse route exit {r.ExitCode} '{printed}'\n{r}");
                }
            }
        }
        Assert.True(mismatches.Count == 0, string.Join("\n\n", mismatches));
        // The table exercises every outcome, so that agreement means something.
        Assert.Equal(["250 2.1.5", "550 5.1.1", "550 5.4.4", "550 5.7.1"], kinds.Order(StringComparer.Ordinal));
    }

    /// <summary>One session from <paramref name="client"/>: EHLO (STARTTLS and AUTH when <paramref name="user"/> is given), MAIL, then RCPT for every address.</summary>
    private static async Task<Dictionary<string, string>> RcptReplies(TestServer server, IPAddress client, string? user)
    {
        await using var c = await server.ConnectAsync(localAddress: client);
        await c.Expect("220");
        await c.Ehlo();
        if (user is not null)
        {
            await c.StartTls();
            await c.AuthPlain(user, TestConfig.Password);
            await c.Expect("235");
        }
        await c.Send("MAIL FROM:<sender@client.test>");
        await c.Expect("250 2.1.0");
        var replies = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var a in Addresses)
        {
            await c.Send($"RCPT TO:<{a}>");
            var reply = await c.ReadReply();
            Assert.True(reply is not null, c.Transcript);
            replies[a] = $"{reply.Code} {reply.Text}";
        }
        return replies;
    }
}
