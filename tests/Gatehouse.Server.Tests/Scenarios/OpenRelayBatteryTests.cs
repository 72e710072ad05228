using System.Net;
using System.Net.Sockets;
using System.Text;
using Gatehouse.Core.Policy;
using Gatehouse.Core.Routing;
using Gatehouse.Server.Configuration;
using Gatehouse.Server.Tests.Scenarios.Kit;
using Gatehouse.Server.Tests.Support;

namespace Gatehouse.Server.Tests.Scenarios;

/// <summary>Issue 7, point 4: every example configuration, attacked from an untrusted client with every spelling of an outside address (<see cref="RelayAttempts"/>) and by nmap's smtp-open-relay script, lets nothing out to the Internet.</summary>
/// <remarks>
/// <para>Every name on the scenario's Internet resolves to 127.0.0.10, where one recording sink
/// listens on the port every example delivers to; the examples' other outside hosts (forwarding
/// targets) get sinks of their own. Each session also names the example's own mailboxes, so
/// that the message is really taken and delivered: the test then waits until every queue is empty
/// and every mailbox holds every message, and only then looks at the sinks. A refused recipient
/// that slipped into the envelope anyway would be found there, not just in the replies.</para>
/// <para>The battery speaks SMTP itself, one RCPT line exactly as written in the table, because
/// client libraries rewrite what they are given (Python's smtplib drops source routes and cuts
/// <c>user+40[ip]</c> at the bracket). nmap and swaks are the real clients on top.</para>
/// </remarks>
public sealed class OpenRelayBatteryTests(ITestOutputHelper output)
{
    /// <summary>An Internet host: no example's relay section names it, and it is no server's address.</summary>
    private const string Untrusted = "127.0.0.9";

    private const string InternetHost = RelayAttempts.SinkIp;

    // Refusals a session may collect before the server's max_errors (20) closes it: the forms plus the AUTH and
    // XCLIENT probes stay well below it, so every reply the battery reads is a decision about an address.
    private const int FormsPerSession = 14;

    private const int SessionsAtOnce = 8;

    /// <summary>The first line of every battery message's body: what a spammer would want carried.</summary>
    private const string Payload = "This session also asked for:";

    /// <summary>A recipient of the example that any Internet client may send to: it makes every session's message real.</summary>
    /// <param name="Server">Where it lands: a server of the scenario (in mailbox <paramref name="Folder"/>) or the name of an <see cref="OutsideHost"/>.</param>
    private sealed record Legit(string Address, string Server, string Folder);

    /// <summary>An outside host of the example besides the Internet's MX: what it may legitimately receive (recipients), nothing else.</summary>
    private sealed record OutsideHost(string Name, string Address, int Port, IReadOnlyList<string> MayReceive);

    private sealed record Setup(string Example, string File, IReadOnlyList<string> Servers, IReadOnlyList<Legit> Legit, IReadOnlyList<OutsideHost> Hosts)
    {
        /// <summary>Servers of another file of the same example that this one hands mail to (Org1 forwards two domains to Org2's server).</summary>
        public IReadOnlyList<(string File, string Server)> Companions { get; init; } = [];

        /// <summary>After the battery, mail that may leave (from a client that may relay, or to a published contact): proof that the Internet was reachable all along. Sent to the first server; <c>To[0]</c> arrives as <see cref="ControlArrivesAs"/>.</summary>
        public MailRequest? Control { get; init; }

        public string? ControlArrivesAs { get; init; }
    }

    private sealed record Session(int Number, string Server, IPEndPoint Endpoint, string Helo, string From, bool Utf8, IReadOnlyList<RelayAttempt> Forms, bool Probe)
    {
        /// <summary>RCPT parameters for the legitimate recipients (a DSN request).</summary>
        public string LegitParameters { get; init; } = "";
    }

    /// <summary>A client of the examples' internal network (127.0.1.0/24), which may relay where the example says so.</summary>
    private static readonly MailRequest Inside = new("someone@contoso.com", [$"control@{RelayAttempts.Outside}"]) { Source = "127.0.1.9" };

    private static readonly Legit Alice = new("alice@contoso.com", "hq1", "alice");
    private static readonly Legit Bob = new("bob@contoso.com", "br1", "bob");

    private static readonly Dictionary<string, Setup> Files = new(StringComparer.Ordinal)
    {
        ["q152919/org"] = new("q152919-home-site-down", "org.yaml", ["a1", "b1"], [Alice with { Server = "a1" }, Bob with { Server = "b1" }], [])
        {
            Control = new("someone@example.net", ["pat@contoso.com"]) { Source = Untrusted },
            ControlArrivesAs = "pat@partner.example",
        },
        ["q183801/without"] = new("q183801-smtpout", "without.yaml", ["imc1"], [new("user@domain.com", "imc1", "user")], [new("internal.domain.com", "127.0.0.5", 2635, [])])
        {
            Control = Inside,
        },
        ["q183801/with"] = new("q183801-smtpout", "with.yaml", ["imc1"], [new("user@domain.com", "imc1", "user")], [new("internal.domain.com", "127.0.0.5", 2635, [])])
        {
            Control = Inside,
        },
        ["q201127/org1"] = new("q201127-two-organizations", "org1.yaml", ["123"], [new("bill@microsoft.com", "123", "bill"), new("hans@microsoft-europe.com", "456", "hans")], [])
        {
            Companions = [("org2.yaml", "456")],
        },
        ["q201127/org2"] = new("q201127-two-organizations", "org2.yaml", ["456"], [new("hans@microsoft-europe.com", "456", "hans"), new("amara@microsoft-africa.com", "456", "amara")], []),
        ["q237927/no-relay"] = new("q237927-encapsulated-relay", "no-relay.yaml", ["hq1", "br1"], [Alice, Bob], []),
        ["q237927/org"] = new("q237927-encapsulated-relay", "org.yaml", ["hq1", "br1"], [Alice, Bob], [])
        {
            Control = Inside,
        },
        ["q264330/org"] = new("q264330-quoted-imcea-relay", "org.yaml", ["ims1"],
            [new("alice@localdomain.com", "ims1", "alice"), new("someone@localdomain1.com", "localdomain1.com", "")],
            [new("localdomain1.com", "127.0.0.4", 2644, ["someone@localdomain1.com"])])
        {
            Control = new("alice@localdomain.com", [$"control@{RelayAttempts.Outside}"]) { Source = Untrusted, StartTls = true, Auth = "alice:secret" },
        },
    };

    public static TheoryData<string> Configurations => [.. Files.Keys];

    [Theory]
    [MemberData(nameof(Configurations))]
    public async Task Nothing_an_untrusted_client_tries_reaches_the_Internet(string configuration)
    {
        var setup = Files[configuration];
        await using var s = await Scenario.StartAsync(setup.Example, output, [$"address=/#/{InternetHost}"]);
        var internet = await s.StartHostAsync("the Internet", InternetHost, 2625);
        var hosts = new List<(OutsideHost Host, PythonSink Sink)>();
        foreach (var h in setup.Hosts) hosts.Add((h, await s.StartHostAsync(h.Name, h.Address, h.Port)));
        foreach (var (file, server) in setup.Companions) await s.StartServerAsync(file, server);
        foreach (var server in setup.Servers) await s.StartServerAsync(setup.File, server);

        var config = ConfigLoader.LoadFile(s.ConfigFile(setup.File));
        var sessions = new List<Session>();
        var nmapRuns = new List<(string Server, IPEndPoint Endpoint, string Hostname)>();
        foreach (var name in setup.Servers)
        {
            var me = config.FindServer(name)!;
            var endpoint = s[name].Endpoint;
            // The battery is only worth something if its client really is untrusted here: check it as the server will.
            var facts = RoutingTable.Build(config, me, RoutingHealth.AllUp).Facts(IPAddress.Parse(Untrusted), endpoint.Address, null);
            var relay = RelayPolicy.Decide(config.Relay, facts);
            Assert.False(relay.Allowed, $"{setup.File}: {Untrusted} may relay through {name} ({relay.Reason}); the battery needs an untrusted client");

            var forms = RelayAttempts.For(config.AcceptedDomains, endpoint.Address.ToString(), me.Hostname);
            string[] helos = ["client.example", "[127.0.1.9]", me.Hostname, .. config.Servers.Where(o => o != me).Select(o => o.Hostname), "localhost"];
            foreach (var from in RelayAttempts.Senders(setup.Legit[0].Address, config.AcceptedDomains[0], endpoint.Address.ToString()))
            {
                foreach (var group in forms.GroupBy(f => f.Utf8))
                {
                    foreach (var chunk in group.Chunk(FormsPerSession))
                    {
                        sessions.Add(new Session(sessions.Count + 1, name, endpoint, helos[sessions.Count % helos.Length], from, group.Key, chunk, Probe: sessions.Count % 3 == 0));
                    }
                }
            }
            // nmap's own table, each reverse-path with its recipients, for both of its values of smtp-open-relay.ip.
            foreach (var ip in new[] { InternetHost, endpoint.Address.ToString() })
            {
                foreach (var pair in RelayAttempts.Nmap(RelayAttempts.Outside, ip, me.Hostname).GroupBy(p => p.From))
                {
                    var nmapForms = pair.Select(p => new RelayAttempt($"<{p.To}>", "nmap smtp-open-relay")).ToList();
                    sessions.Add(new Session(sessions.Count + 1, name, endpoint, RelayAttempts.Outside, $"<{pair.Key}>", false, nmapForms, Probe: false));
                }
            }
            nmapRuns.Add((name, endpoint, me.Hostname));
        }

        var legit = setup.Legit.Select(l => l.Address).ToList();
        var violations = new List<string>();
        var delivered = 0;
        var answers = new SortedDictionary<string, int>(StringComparer.Ordinal);
        using (var gate = new SemaphoreSlim(SessionsAtOnce))
        {
            var results = await Task.WhenAll(sessions.Select(async x =>
            {
                await gate.WaitAsync();
                try
                {
                    return await RunSessionAsync(x, legit);
                }
                finally
                {
                    gate.Release();
                }
            }));
            foreach (var (v, d, replies) in results)
            {
                violations.AddRange(v);
                if (d) delivered++;
                foreach (var r in replies) answers[r] = answers.GetValueOrDefault(r) + 1;
            }
        }

        foreach (var (name, endpoint, hostname) in nmapRuns)
        {
            foreach (var ip in new[] { InternetHost, endpoint.Address.ToString() })
            {
                var nmap = await NmapAsync(endpoint, ip);
                output.WriteLine($"nmap against {name} ({endpoint}), smtp-open-relay.ip={ip}:\n{nmap.StandardOutput}");
                if (!nmap.StandardOutput.Contains("Server doesn't seem to be an open relay, all tests failed", StringComparison.Ordinal))
                {
                    violations.Add($"nmap against {name} with smtp-open-relay.ip={ip} did not find it closed:\n{nmap}");
                }
            }
            if (config.Users.Count > 0)
            {
                // A wrong password or an unknown user, after STARTTLS as AUTH wants it, leaves the client as untrusted as before.
                foreach (var credentials in new[] { "alice:wrong", "nobody:secret" })
                {
                    var tried = await s.SendAsync(name, new MailRequest(legit[0], [$"user@{RelayAttempts.Outside}", $"IMCEASMTP-user+40{RelayAttempts.Outside}@{config.AcceptedDomains[0]}"])
                    {
                        Source = Untrusted,
                        StartTls = true,
                        Auth = credentials,
                    });
                    if (tried.Auth?.Code != 535 || tried.Recipients.Count != 2 || tried.Recipients.Any(r => r.Reply.Code < 500) || tried.Data is not null)
                    {
                        violations.Add($"AUTH as {credentials} to {name} was not refused, or opened relaying:\n{tried}");
                    }
                }
            }
            var swaks = await s.SwaksAsync(name, "--local-interface", Untrusted, "--helo", hostname, "--from", $"{legit[0]}", "--to", $"relaytest@{RelayAttempts.Outside}");
            if (!swaks.StandardOutput.Contains("<** 550 5.7.1", StringComparison.Ordinal) || swaks.StandardOutput.Contains("354 ", StringComparison.Ordinal))
            {
                violations.Add($"swaks from {Untrusted} greeting as {hostname} to {name} was not refused with 550 5.7.1:\n{swaks}");
            }
        }

        Assert.True(violations.Count == 0, $"{violations.Count} relay attempts were not refused (of {sessions.Sum(x => x.Forms.Count)} in {sessions.Count} sessions):\n" + string.Join("\n", violations.Take(60)));
        Assert.Equal(sessions.Count, delivered);

        // Delivery is where a refused recipient that still got into the envelope would leave: wait until it is all
        // done, or until something leaves, which is the failure to report first.
        var fileOf = setup.Servers.Select(x => (File: setup.File, Server: x)).Concat(setup.Companions).ToDictionary(c => c.Server, c => c.File, StringComparer.Ordinal);
        var servers = fileOf.Keys.ToList();
        var mailboxes = setup.Legit.Where(l => servers.Contains(l.Server)).ToList();
        bool Done() => servers.All(x => s[x].Queued == 0) && mailboxes.All(m => s[m.Server].Mailbox(m.Folder).Count >= delivered);
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (!Done() && internet.Messages().Count == 0 && DateTime.UtcNow < until) await Task.Delay(100);
        var leaked = internet.Messages();
        Assert.True(leaked.Count == 0, $"{leaked.Count} messages reached the Internet:\n" + string.Join("\n", leaked.Select(Describe)) + "\n" + s.Log);
        if (!Done())
        {
            var queues = new StringBuilder();
            foreach (var x in servers) queues.AppendLine($"--- queue of {x}\n{(await s.GatehouseAsync(fileOf[x], "queue", "list", "--server", x)).StandardOutput}");
            Assert.Fail($"not done within 90 s: mailboxes {string.Join(", ", mailboxes.Select(m => $"{m.Folder} on {m.Server}: {s[m.Server].Mailbox(m.Folder).Count} of {delivered}"))}; messages still queued (a queued outside recipient is a relay hole):\n{queues}\n{s.Log}");
        }
        foreach (var m in mailboxes) Assert.Equal(delivered, s[m.Server].Mailbox(m.Folder).Count);

        foreach (var (host, sink) in hosts)
        {
            var wrong = sink.Messages().Where(m => m.Recipients.Any(r => !host.MayReceive.Contains(r.Address, StringComparer.OrdinalIgnoreCase))).ToList();
            Assert.True(wrong.Count == 0, $"{wrong.Count} messages reached {host.Name} for recipients it does not hold:\n" + string.Join("\n", wrong.Select(Describe)) + "\n" + s.Log);
            var expected = setup.Legit.Count(l => l.Server == host.Name) * delivered;
            Assert.Equal(expected, sink.Messages().Sum(m => m.Recipients.Count));
        }
        if (setup.Control is { } control)
        {
            var sent = await s.SendAsync(setup.Servers[0], control);
            Assert.True(sent.Queued, $"the control message was refused:\n{sent}\n{s.Log}");
            await Eventually.True(() => internet.Messages().Count > 0, "the control message reached the Internet\n" + s.Log);
            Assert.Equal([setup.ControlArrivesAs ?? control.To[0]], internet.Messages().Single().Recipients.Select(r => r.Address));
        }
        output.WriteLine($"{setup.File}: {sessions.Sum(x => x.Forms.Count)} relay attempts in {sessions.Count} sessions against {string.Join(", ", setup.Servers)}, plus nmap and swaks; {delivered} messages delivered inside, none outside. Replies: {string.Join("; ", answers.Select(a => $"{a.Key} x{a.Value}"))}");
    }

    /// <summary>A notice is the one thing an untrusted client can make leave: a success DSN it asks for goes to its MAIL FROM, wherever that is, so it must not carry the message body out.</summary>
    [Fact]
    public async Task A_success_notice_an_untrusted_client_asks_for_returns_the_headers_only()
    {
        await using var s = await Scenario.StartAsync("q237927-encapsulated-relay", output, [$"address=/#/{InternetHost}"]);
        var internet = await s.StartHostAsync("the Internet", InternetHost, 2625);
        var hq1 = await s.StartServerAsync("org.yaml", "hq1");
        var victim = $"victim@{RelayAttempts.Outside}";
        var forms = RelayAttempts.For(["contoso.com"], hq1.Endpoint.Address.ToString(), "hq1.contoso.com").Where(f => !f.Utf8).Take(FormsPerSession).ToList();
        var session = new Session(1, "hq1", hq1.Endpoint, "client.example", $"<{victim}> RET=FULL", false, forms, Probe: false) { LegitParameters = " NOTIFY=SUCCESS" };
        var (violations, delivered, _) = await RunSessionAsync(session, [Alice.Address]);
        Assert.True(violations.Count == 0, string.Join("\n", violations));
        Assert.True(delivered);

        await Eventually.True(() => internet.Messages().Count > 0, "the success notice reached the sender's host\n" + s.Log);
        await Eventually.True(() => s["hq1"].Queued == 0, "hq1's queue is empty\n" + s.Log);
        var dsn = internet.Messages().Single();
        Assert.Equal([victim], dsn.Recipients.Select(r => r.Address));
        Assert.Equal("", dsn.MailFrom);
        Assert.Contains("multipart/report", dsn.Text, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Action: delivered", dsn.Text, StringComparison.Ordinal);
        Assert.Contains("Subject: open-relay battery, session 1", dsn.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(Payload, dsn.Text, StringComparison.Ordinal);
    }

    /// <summary>The nmap check itself works: against a host that takes everything it reports an open relay, and it connects from the untrusted address.</summary>
    [Fact]
    public async Task Nmap_reports_a_host_that_takes_every_recipient_as_an_open_relay()
    {
        using var sink = await PythonSink.StartAsync(new TempDirectory(), new IPEndPoint(IPAddress.Parse(InternetHost), 0));
        var nmap = await NmapAsync(sink.Endpoint, InternetHost);
        Assert.Contains("Server is an open relay (16/16 tests)", nmap.StandardOutput, StringComparison.Ordinal);
        await Eventually.True(() => sink.Log.Contains($"connection from {Untrusted}:", StringComparison.Ordinal), "nmap connected from the untrusted address\n" + sink.Log);
    }

    /// <summary>The table is nmap's own: the script's 16 tests, rendered from its format strings, in its order.</summary>
    [Fact]
    public void The_nmap_table_is_the_scripts_table()
    {
        ChildProcess.Require("nmap", "the open-relay battery runs nmap's smtp-open-relay script");
        var text = File.ReadAllText("/usr/share/nmap/scripts/smtp-open-relay.nse");
        var table = text[text.IndexOf("local tests = {", StringComparison.Ordinal)..text.IndexOf("local failure", StringComparison.Ordinal)];
        var values = new Dictionary<string, string>(StringComparer.Ordinal) { ["from"] = "antispam", ["to"] = "relaytest", ["domain"] = "ext.example", ["ip"] = "192.0.2.25", ["srvname"] = "mx.example" };
        var fields = System.Text.RegularExpressions.Regex.Matches(table, """(from|to) = (?:"([^"]*)"|string\.format\("((?:[^"\\]|\\.)*)",\s*([^)]*)\))""")
            .Select(m => (Field: m.Groups[1].Value, Value: m.Groups[2].Success ? m.Groups[2].Value : Render(m.Groups[3].Value, m.Groups[4].Value.Split(',', StringSplitOptions.TrimEntries).Select(a => values[a]))))
            .ToList();
        var script = fields.Where(f => f.Field == "from").Select(f => f.Value).Zip(fields.Where(f => f.Field == "to").Select(f => f.Value)).ToList();
        Assert.Equal(16, script.Count);
        Assert.Equal(script, RelayAttempts.Nmap("ext.example", "192.0.2.25", "mx.example"));
        Assert.Contains("Server doesn't seem to be an open relay, all tests failed", text, StringComparison.Ordinal);

        static string Render(string format, IEnumerable<string> args)
        {
            using var next = args.GetEnumerator();
            return System.Text.RegularExpressions.Regex.Replace(format.Replace("\\\"", "\"", StringComparison.Ordinal), "%%|%s", m => m.Value == "%%" ? "%" : next.MoveNext() ? next.Current : "?");
        }
    }

    private static string Describe(SinkMessage m) =>
        $"  from {m.PeerIp}: MAIL FROM:<{m.MailFrom}> RCPT {string.Join(", ", m.Recipients.Select(r => $"<{r.Address}>"))}\n    {m.Text.Split("\r\n\r\n")[0].Replace("\r\n", "\n    ", StringComparison.Ordinal)}";

    private static Task<ProcessResult> NmapAsync(IPEndPoint server, string ip)
    {
        var nmap = ChildProcess.Require("nmap", "the open-relay battery runs nmap's smtp-open-relay script");
        // -S with -e lo binds the script's connections to the untrusted address; "+" runs the script whatever the port number.
        return ChildProcess.RunAsync(nmap,
            ["--unprivileged", "-n", "-Pn", "-sT", "-p", server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-S", Untrusted, "-e", "lo",
             "--script", "+smtp-open-relay", "--script-args", $"smtp-open-relay.domain={RelayAttempts.Outside},smtp-open-relay.ip={ip}", server.Address.ToString()],
            TimeSpan.FromSeconds(120));
    }

    /// <summary>One SMTP session from the untrusted address: the legitimate mailboxes, then the forms, then the message if it was taken.</summary>
    /// <returns>Every reply that accepted an attempt or was not a refusal, whether the message was taken for the mailboxes, and the code and status of each form's reply.</returns>
    private static async Task<(List<string> Violations, bool Delivered, List<string> Replies)> RunSessionAsync(Session x, IReadOnlyList<string> legit)
    {
        var violations = new List<string>();
        var replies = new List<string>();
        var where = $"session {x.Number} to {x.Server} (EHLO {x.Helo}, MAIL FROM:{x.From})";
        SmtpTestClient? client = null;
        try
        {
            client = await SmtpTestClient.ConnectAsync(x.Endpoint, localAddress: IPAddress.Parse(Untrusted));
            var c = client;

            async Task<WireReply> ReadAsync() => await c.ReadReply() ?? throw new IOException("the server closed the connection");

            async Task<WireReply> SayAsync(string command)
            {
                await c.Send(command);
                return await ReadAsync();
            }

            var greeting = await ReadAsync();
            if (greeting.Code != 220) throw new IOException($"greeting {greeting}");
            if ((await SayAsync("EHLO " + x.Helo)).Code != 250) throw new IOException("EHLO refused");
            if (x.Probe)
            {
                // Neither a password sent in the clear nor a claim to be someone else may buy a relay permission.
                var auth = await SayAsync("AUTH PLAIN " + Convert.ToBase64String(Encoding.UTF8.GetBytes("\0alice\0secret")));
                if (auth.Code is >= 200 and < 400) violations.Add($"{where}: AUTH PLAIN without TLS got {auth}");
                var xclient = await SayAsync("XCLIENT ADDR=127.0.1.9 NAME=trusted.example");
                if (xclient.Code is >= 200 and < 400) violations.Add($"{where}: XCLIENT got {xclient}");
            }
            var mail = await SayAsync($"MAIL FROM:{x.From}{(x.Utf8 ? " SMTPUTF8" : "")}");
            if (mail.Code != 250) throw new IOException($"MAIL FROM refused: {mail}");
            var taken = 0;
            foreach (var l in legit)
            {
                var r = await SayAsync($"RCPT TO:<{l}>{x.LegitParameters}");
                if (r.Code == 250) taken++;
                else violations.Add($"{where}: the example's own recipient <{l}> got {r}");
            }
            foreach (var f in x.Forms)
            {
                var r = await SayAsync("RCPT TO:" + f.Path);
                replies.Add($"{r.Code} {r.Text.Split(' ')[0]}");
                // Only a refusal is an answer: 2xx accepts the relay, 4xx invites the client to try again later.
                if (r.Code < 500) violations.Add($"{where}: {f} got {r}");
            }
            var delivered = false;
            if (taken > 0)
            {
                var data = await SayAsync("DATA");
                if (data.Code != 354) throw new IOException($"DATA refused: {data}");
                var message = $"From: <antispam@{RelayAttempts.Outside}>\r\nTo: {string.Join(", ", legit.Select(l => $"<{l}>"))}\r\n"
                    + $"Subject: open-relay battery, session {x.Number}\r\nMessage-ID: <battery.{x.Number}.{Guid.NewGuid():N}@client.example>\r\n\r\n"
                    + Payload + "\r\n" + string.Concat(x.Forms.Select(f => $"  {f.Form}\r\n")) + ".\r\n";
                await c.SendRaw(message);
                var end = await ReadAsync();
                if (end.Code != 250) violations.Add($"{where}: the message was refused: {end}");
                delivered = end.Code == 250;
            }
            await SayAsync("QUIT");
            return (violations, delivered, replies);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
        {
            violations.Add($"{where}: the session broke off ({e.Message}):\n{client?.Transcript}");
            return (violations, false, replies);
        }
        finally
        {
            if (client is not null) await client.DisposeAsync();
        }
    }
}
