using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text.Json;
using Gatehouse.Core.Configuration;
using Gatehouse.Server.Hosting;
using Gatehouse.Server.Tests.Support;

namespace Gatehouse.Server.Tests.Hosting;

/// <summary>The admin API: who may call it, and the queue endpoints against a live server whose mail waits.</summary>
public sealed class AdminApiTests(ITestOutputHelper output)
{
    // remote       allow_remote  token  path       Authorization            verdict
    private const string AccessTable = """
        127.0.0.1    no            no     /queue     -                        Allowed
        127.9.8.7    no            no     /metrics   -                        Allowed
        ::1          no            no     /queue     -                        Allowed
        ::ffff:127.0.0.1 no        no     /queue     -                        Allowed
        192.0.2.2    no            no     /queue     -                        NotLoopback
        192.0.2.2    no            no     /healthz   -                        NotLoopback
        192.0.2.2    no            yes    /queue     Bearer_RIGHT             NotLoopback
        2001:db8::1  no            no     /readyz    -                        NotLoopback
        ::ffff:192.0.2.2 no        no     /queue     -                        NotLoopback
        -            no            no     /queue     -                        NotLoopback
        192.0.2.2    yes           no     /queue     -                        Allowed
        192.0.2.2    yes           yes    /queue     -                        NoToken
        192.0.2.2    yes           yes    /queue     Bearer_RIGHT             Allowed
        192.0.2.2    yes           yes    /healthz   -                        Allowed
        127.0.0.1    no            yes    /queue     -                        NoToken
        127.0.0.1    no            yes    /metrics   -                        NoToken
        127.0.0.1    no            yes    /reload    -                        NoToken
        127.0.0.1    no            yes    /healthz   -                        Allowed
        127.0.0.1    no            yes    /readyz    -                        Allowed
        127.0.0.1    no            yes    /queue     Bearer_RIGHT             Allowed
        127.0.0.1    no            yes    /queue     bearer_RIGHT             Allowed
        127.0.0.1    no            yes    /queue     Bearer_WRONG             WrongToken
        127.0.0.1    no            yes    /queue     Bearer_RIGHTX            WrongToken
        127.0.0.1    no            yes    /queue     Bearer_RIGH              WrongToken
        127.0.0.1    no            yes    /queue     Basic_RIGHT              NoToken
        127.0.0.1    no            yes    /queue     Bearer                   NoToken
        127.0.0.1    no            yes    /queue     RIGHT                    NoToken
        """;

    private const string RightToken = "0123456789abcdef-right";

    [Fact]
    public void Access_decisions_follow_the_table()
    {
        var rows = AccessTable.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var row in rows)
        {
            var f = row.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var remote = f[0] == "-" ? null : IPAddress.Parse(f[0]);
            var access = new AdminAccess(new AdminConfig(IPAddress.Loopback, 8025, f[2] == "yes" ? RightToken : null, f[1] == "yes"));
            var header = f[4] == "-" ? null : f[4].Replace("_", " ", StringComparison.Ordinal).Replace("RIGHT", RightToken, StringComparison.Ordinal).Replace("WRONG", "not-the-token-at-all", StringComparison.Ordinal);
            var verdict = access.Check(remote, f[3], header);
            Assert.True(Enum.Parse<AdminVerdict>(f[5]) == verdict, $"{row}\n  got {verdict}");
        }
    }

    [Fact]
    public async Task Probes_answer_without_a_token_and_everything_else_needs_the_right_one()
    {
        await using var server = await TestServer.StartAsync(output, QueueSetup.Paused());
        using var anonymous = QueueSetup.Admin(server, token: null);
        using var wrong = QueueSetup.Admin(server, token: "not-the-token-0000");
        using var right = QueueSetup.Admin(server);

        var health = await anonymous.GetAsync("healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("ok\n", await health.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("readyz")).StatusCode);

        foreach (var path in new[] { "queue", "queue/summary", "metrics" })
        {
            var none = await anonymous.GetAsync(path);
            Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
            Assert.Equal("Bearer", Assert.Single(none.Headers.WwwAuthenticate).Scheme);
            Assert.Contains("Bearer TOKEN", await Error(none), StringComparison.Ordinal);

            var bad = await wrong.GetAsync(path);
            Assert.Equal(HttpStatusCode.Unauthorized, bad.StatusCode);
            Assert.Equal("error=\"invalid_token\"", Assert.Single(bad.Headers.WwwAuthenticate).Parameter);
            Assert.Contains("not the one", await Error(bad), StringComparison.Ordinal);

            Assert.Equal(HttpStatusCode.OK, (await right.GetAsync(path)).StatusCode);
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync("reload", null)).StatusCode);
        Assert.Contains("gatehouse_", await right.GetStringAsync("metrics"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_token_loopback_clients_are_allowed()
    {
        await using var server = await TestServer.StartAsync(output, QueueSetup.Paused(token: null));
        using var http = QueueSetup.Admin(server, token: null);
        var r = await http.GetAsync("queue");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("application/json", r.Content.Headers.ContentType?.MediaType);
    }

    /// <summary>A real connection from a non-loopback address: the admin endpoint is bound to this machine's own interface address and called from it.</summary>
    [Fact]
    public async Task A_client_that_is_not_on_loopback_gets_403_unless_allow_remote()
    {
        var address = NonLoopbackAddress();
        if (address is null)
        {
            // The decision itself is proved by Access_decisions_follow_the_table; here there is no interface to prove it on.
            output.WriteLine("no non-loopback IPv4 address on this machine; the table test covers the decision");
            return;
        }
        output.WriteLine($"admin endpoint on {address}");
        await using (var server = await TestServer.StartAsync(output, QueueSetup.Paused() with { AdminAddress = address }))
        {
            using var http = QueueSetup.Admin(server);
            foreach (var path in new[] { "queue", "healthz" })
            {
                var r = await http.GetAsync(path);
                Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
                Assert.Contains("loopback", await Error(r), StringComparison.Ordinal);
            }
        }
        await using (var server = await TestServer.StartAsync(output, QueueSetup.Paused() with { AdminAddress = address, AdminAllowRemote = true }))
        {
            using var http = QueueSetup.Admin(server);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("queue")).StatusCode);
            using var anonymous = QueueSetup.Admin(server, token: null);
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("queue")).StatusCode);
        }
    }

    [Fact]
    public async Task List_show_and_summary_describe_a_deferred_message()
    {
        await using var server = await TestServer.StartAsync(output, QueueSetup.Deferring());
        var before = DateTimeOffset.UtcNow;
        var id = await QueueSetup.SendAsync(server, subject: "deferred one");
        await QueueSetup.AttemptedAsync(server, id);
        using var http = QueueSetup.Admin(server);

        using var list = await Json(http.GetAsync("queue"));
        var root = list.RootElement;
        Assert.Equal(1, root.GetProperty("recipientsWaiting").GetInt32());
        var m = Assert.Single(root.GetProperty("messages").EnumerateArray());
        Assert.Equal(id, m.GetProperty("id").GetString());
        Assert.Equal($"<{QueueSetup.Sender}>", m.GetProperty("sender").GetString());
        Assert.Equal("deferred one", m.GetProperty("subject").GetString());
        Assert.Equal(1, m.GetProperty("attempts").GetInt32());
        Assert.False(m.GetProperty("held").GetBoolean());
        Assert.True(m.GetProperty("size").GetInt64() > 0);
        var next = m.GetProperty("nextAttempt").GetDateTimeOffset();
        Assert.InRange(next, before + TimeSpan.FromMinutes(59), DateTimeOffset.UtcNow + TimeSpan.FromMinutes(61));
        var r = Assert.Single(m.GetProperty("recipients").EnumerateArray());
        Assert.Equal(QueueSetup.Recipient, r.GetProperty("address").GetString());
        Assert.Equal("pending", r.GetProperty("status").GetString());
        Assert.EndsWith(" via out", r.GetProperty("destination").GetString(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(r.GetProperty("lastResult").GetString()));

        using var filtered = await Json(http.GetAsync("queue?destination=" + Uri.EscapeDataString(r.GetProperty("destination").GetString()!)));
        Assert.Single(filtered.RootElement.GetProperty("messages").EnumerateArray());
        using var none = await Json(http.GetAsync("queue?destination=nowhere.example"));
        Assert.Empty(none.RootElement.GetProperty("messages").EnumerateArray());

        using var show = await Json(http.GetAsync($"queue/{id}"));
        Assert.Equal(id, show.RootElement.GetProperty("id").GetString());
        Assert.StartsWith("<", show.RootElement.GetProperty("messageId").GetString(), StringComparison.Ordinal);

        var missing = await http.GetAsync("queue/NOSUCHMESSAGE0");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("no message NOSUCHMESSAGE0 in the queue", await Error(missing));

        using var summary = await Json(http.GetAsync("queue/summary"));
        Assert.Equal([5, 10, 20, 40, 80, 160, 320, 640, 1280], summary.RootElement.GetProperty("bounds").EnumerateArray().Select(b => b.GetInt32()));
        var row = Assert.Single(summary.RootElement.GetProperty("rows").EnumerateArray());
        Assert.Equal(r.GetProperty("destination").GetString(), row.GetProperty("destination").GetString());
        Assert.Equal(1, row.GetProperty("total").GetInt32());
        Assert.Equal([1, 0, 0, 0, 0, 0, 0, 0, 0, 0], row.GetProperty("counts").EnumerateArray().Select(c => c.GetInt32()));
    }

    [Fact]
    public async Task Retry_attempts_now_and_moves_the_next_attempt()
    {
        await using var server = await TestServer.StartAsync(output, QueueSetup.Deferring());
        var id = await QueueSetup.SendAsync(server);
        await QueueSetup.AttemptedAsync(server, id);
        var first = server.Server.Queue.Show(id)!.NextAttempt!.Value;
        using var http = QueueSetup.Admin(server);

        using var one = await Json(http.PostAsync($"queue/{id}/retry", null));
        Assert.Equal("retry", one.RootElement.GetProperty("action").GetString());
        await QueueSetup.AttemptedAsync(server, id, attempts: 2);
        Assert.True(server.Server.Queue.Show(id)!.NextAttempt > first, "the second attempt sets a later next attempt");

        using var all = await Json(http.PostAsync("queue/retry?all=true", null));
        Assert.Equal(1, all.RootElement.GetProperty("retried").GetInt32());
        await QueueSetup.AttemptedAsync(server, id, attempts: 3);
        var destination = server.Server.Queue.Show(id)!.Recipients[0].Destination!;
        using var byDestination = await Json(http.PostAsync("queue/retry?destination=" + Uri.EscapeDataString(destination), null));
        Assert.Equal(1, byDestination.RootElement.GetProperty("retried").GetInt32());
        await QueueSetup.AttemptedAsync(server, id, attempts: 4);
        using var elsewhere = await Json(http.PostAsync("queue/retry?destination=nowhere.example", null));
        Assert.Equal(0, elsewhere.RootElement.GetProperty("retried").GetInt32());

        Assert.Equal(HttpStatusCode.BadRequest, (await http.PostAsync("queue/retry", null)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.PostAsync("queue/retry?all=true&destination=example.org", null)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.PostAsync("queue/retry?all=maybe", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.PostAsync("queue/NOSUCHMESSAGE0/retry", null)).StatusCode);
    }

    [Fact]
    public async Task Hold_keeps_a_message_and_release_lets_it_go()
    {
        await using var server = await TestServer.StartAsync(output, QueueSetup.Deferring());
        var id = await QueueSetup.SendAsync(server);
        await QueueSetup.AttemptedAsync(server, id);
        using var http = QueueSetup.Admin(server);

        using var hold = await Json(http.PostAsync($"queue/{id}/hold", null));
        Assert.Equal("hold", hold.RootElement.GetProperty("action").GetString());
        using (var shown = await Json(http.GetAsync($"queue/{id}"))) Assert.True(shown.RootElement.GetProperty("held").GetBoolean());
        using var retried = await Json(http.PostAsync("queue/retry?all=true", null));
        Assert.Equal(0, retried.RootElement.GetProperty("retried").GetInt32());

        using var release = await Json(http.PostAsync($"queue/{id}/release", null));
        Assert.Equal("release", release.RootElement.GetProperty("action").GetString());
        using (var shown = await Json(http.GetAsync($"queue/{id}"))) Assert.False(shown.RootElement.GetProperty("held").GetBoolean());
        await QueueSetup.AttemptedAsync(server, id, attempts: 2);

        Assert.Equal(HttpStatusCode.NotFound, (await http.PostAsync("queue/NOSUCHMESSAGE0/hold", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.PostAsync("queue/NOSUCHMESSAGE0/release", null)).StatusCode);
    }

    [Fact]
    public async Task Delete_removes_the_message_and_its_file()
    {
        await using var server = await TestServer.StartAsync(output, QueueSetup.Paused());
        var id = await QueueSetup.SendAsync(server);
        using var http = QueueSetup.Admin(server);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.DeleteAsync($"queue/{id}?bounce=perhaps")).StatusCode);

        using var deleted = await Json(http.DeleteAsync($"queue/{id}"));
        Assert.Equal("delete", deleted.RootElement.GetProperty("action").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"queue/{id}")).StatusCode);
        Assert.Null(server.Spool.Find(id));
        using var list = await Json(http.GetAsync("queue"));
        Assert.Empty(list.RootElement.GetProperty("messages").EnumerateArray());
        Assert.Equal(HttpStatusCode.NotFound, (await http.DeleteAsync($"queue/{id}")).StatusCode);
    }

    [Fact]
    public async Task Delete_with_bounce_queues_a_notification_to_the_sender()
    {
        await using var server = await TestServer.StartAsync(output, QueueSetup.Paused());
        var id = await QueueSetup.SendAsync(server);
        using var http = QueueSetup.Admin(server);

        using var deleted = await Json(http.DeleteAsync($"queue/{id}?bounce=true"));
        Assert.Equal("delete --bounce", deleted.RootElement.GetProperty("action").GetString());
        using var list = await Json(http.GetAsync("queue"));
        var dsn = Assert.Single(list.RootElement.GetProperty("messages").EnumerateArray());
        Assert.NotEqual(id, dsn.GetProperty("id").GetString());
        Assert.Equal("<>", dsn.GetProperty("sender").GetString());
        Assert.Equal(QueueSetup.Sender, Assert.Single(dsn.GetProperty("recipients").EnumerateArray()).GetProperty("address").GetString());
    }

    [Fact]
    public async Task A_message_being_delivered_cannot_be_deleted()
    {
        // A smart host that accepts the connection and never greets: the attempt stays under way.
        using var silent = new TcpListener(Loopback.FreeEndpoint());
        silent.Start();
        var held = new System.Collections.Concurrent.ConcurrentBag<TcpClient>();
        _ = Task.Run(async () =>
        {
            try
            {
                while (true) held.Add(await silent.AcceptTcpClientAsync());
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }
        });
        await using var server = await TestServer.StartAsync(output, QueueSetup.Deferring((IPEndPoint)silent.LocalEndpoint));
        var id = await QueueSetup.SendAsync(server);
        await Eventually.True(() => server.Server.Queue.Show(id) is { InFlight: true }, "the attempt is under way");
        using var http = QueueSetup.Admin(server);

        var busy = await http.DeleteAsync($"queue/{id}");
        Assert.Equal(HttpStatusCode.Conflict, busy.StatusCode);
        Assert.Contains("being delivered right now", await Error(busy), StringComparison.Ordinal);
        Assert.NotNull(server.Server.Queue.Show(id));
        silent.Stop();
        foreach (var c in held) c.Dispose();
    }

    [Fact]
    public async Task Readyz_says_503_once_the_server_is_stopping()
    {
        var server = await TestServer.StartAsync(output, QueueSetup.Paused() with { Smtp = ["shutdown_grace: 5s"] });
        try
        {
            using var http = QueueSetup.Admin(server, token: null);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("readyz")).StatusCode);
            // A session in the middle of a message holds the stop for the grace period; meanwhile the admin endpoint still answers.
            await using var c = await server.ConnectAsync();
            await c.Expect("220");
            await c.Ehlo();
            await c.Send($"MAIL FROM:<{QueueSetup.Sender}>");
            await c.Expect("250");
            await c.Send($"RCPT TO:<{QueueSetup.Recipient}>");
            await c.Expect("250");
            await c.Send("DATA");
            await c.Expect("354");
            await c.SendRaw("Subject: half\r\n");
            var stopping = server.Server.StopAsync();
            var r = await http.GetAsync("readyz");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, r.StatusCode);
            Assert.Equal("stopping\n", await r.Content.ReadAsStringAsync());
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("healthz")).StatusCode);
            c.Abort();
            await stopping;
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task Unknown_paths_and_methods_get_a_json_error()
    {
        await using var server = await TestServer.StartAsync(output, QueueSetup.Paused());
        using var http = QueueSetup.Admin(server);
        var r = await http.GetAsync("nosuch");
        Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
        Assert.Contains("no such endpoint", await Error(r), StringComparison.Ordinal);
        var m = await http.PutAsync("queue/summary", null);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, m.StatusCode);
        Assert.Contains("not allowed", await Error(m), StringComparison.Ordinal);
    }

    private static async Task<string> Error(HttpResponseMessage r)
    {
        Assert.Equal("application/json", r.Content.Headers.ContentType?.MediaType);
        using var doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
        return doc.RootElement.GetProperty("error").GetString()!;
    }

    private static async Task<JsonDocument> Json(Task<HttpResponseMessage> request)
    {
        var r = await request;
        var body = await r.Content.ReadAsStringAsync();
        Assert.True(r.IsSuccessStatusCode, $"{(int)r.StatusCode} {body}");
        return JsonDocument.Parse(body);
    }

    private static IPAddress? NonLoopbackAddress() => NetworkInterface.GetAllNetworkInterfaces()
        .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
        .SelectMany(n => n.GetIPProperties().UnicastAddresses)
        .Select(a => a.Address)
        .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));
}
