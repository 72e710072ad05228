using System.Diagnostics.Metrics;
using System.Net;
using Gatehouse.Server.Hosting;
using Gatehouse.Server.Tests.Support;

namespace Gatehouse.Server.Tests.Hosting;

/// <summary>/metrics: strict Prometheus text 0.0.4, every documented metric present, and counters that move as mail flows.</summary>
public sealed class MetricsTests(ITestOutputHelper output)
{
    private const string Token = "metrics-test-token-7d2e";

    /// <summary>Every metric docs/admin-api.md documents, with its type.</summary>
    private static readonly (string Name, string Type)[] Documented =
    [
        ("gatehouse_smtp_sessions_total", "counter"),
        ("gatehouse_smtp_sessions_open", "gauge"),
        ("gatehouse_messages_received_total", "counter"),
        ("gatehouse_received_bytes_total", "counter"),
        ("gatehouse_refused_total", "counter"),
        ("gatehouse_recipients_delivered_total", "counter"),
        ("gatehouse_recipients_deferred_total", "counter"),
        ("gatehouse_recipients_failed_total", "counter"),
        ("gatehouse_dsns_queued_total", "counter"),
        ("gatehouse_delivery_latency_seconds", "histogram"),
        ("gatehouse_queue_messages", "gauge"),
        ("gatehouse_queue_destination_messages", "gauge"),
        ("gatehouse_queue_destination_recipients", "gauge"),
        ("gatehouse_queue_destination_oldest_age_seconds", "gauge"),
        ("gatehouse_spool_syncs_total", "counter"),
        ("gatehouse_spool_commits_total", "counter"),
        ("gatehouse_spool_largest_commit_batch", "gauge"),
        ("gatehouse_spool_commit_batch_size", "histogram"),
    ];

    /// <summary>Local delivery to a Maildir for gatehouse.test; only 127.0.0.4/30 may relay.</summary>
    private static TestServerOptions Delivering => new()
    {
        Deliver = true,
        WithAdmin = true,
        AdminToken = Token,
        AcceptedDomains = "[gatehouse.test]",
        ExtraYaml = "relay:\n  allow_clients: [127.0.0.4/30]\ndelivery:\n  retry_schedule: [1s]\n  tls: none\n",
    };

    private static async Task<IReadOnlyDictionary<string, PrometheusFamily>> ScrapeAsync(TestServer server)
    {
        using var http = QueueSetup.Admin(server, Token);
        var r = await http.GetAsync("metrics");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("text/plain", r.Content.Headers.ContentType?.MediaType);
        Assert.Contains(r.Content.Headers.ContentType!.Parameters, p => p.Name == "version" && p.Value == "0.0.4");
        return PrometheusText.Parse(await r.Content.ReadAsStringAsync());
    }

    private static double Value(IReadOnlyDictionary<string, PrometheusFamily> m, string name, params (string, string)[] labels) =>
        m[name].Value(null, labels) ?? throw new Xunit.Sdk.XunitException($"{name}{{{string.Join(",", labels)}}} is not in /metrics");

    private static double Count(IReadOnlyDictionary<string, PrometheusFamily> m, string histogram) => m[histogram].Value(histogram + "_count") ?? 0;

    [Fact]
    public async Task Metrics_is_strict_prometheus_text_with_every_documented_metric()
    {
        await using var server = await TestServer.StartAsync(output, Delivering);
        using var http = QueueSetup.Admin(server, Token);
        var text = await http.GetStringAsync("metrics");
        output.WriteLine(text);
        var m = PrometheusText.Parse(text);
        foreach (var (name, type) in Documented)
        {
            Assert.True(m.ContainsKey(name), $"{name} is missing");
            Assert.Equal(type, m[name].Type);
            Assert.False(string.IsNullOrWhiteSpace(m[name].Help), $"{name} has no HELP text");
        }
        Assert.Equal(Documented.Select(d => d.Name).Order(StringComparer.Ordinal), m.Keys.Order(StringComparer.Ordinal));
        // Series exist at zero before anything happened, so that rate() sees the first event.
        Assert.Equal(0, Value(m, "gatehouse_messages_received_total"));
        foreach (var reason in ServerMetrics.RefusalReasons) Assert.Equal(0, Value(m, "gatehouse_refused_total", ("reason", reason)));
        Assert.Equal(0, Count(m, "gatehouse_delivery_latency_seconds"));
        Assert.Equal(0, Value(m, "gatehouse_queue_messages"));
    }

    [Fact]
    public async Task Counters_move_as_a_message_is_received_and_delivered_to_a_maildir()
    {
        await using var server = await TestServer.StartAsync(output, Delivering);
        var before = await ScrapeAsync(server);

        await using (var c = await server.ConnectAsync())
        {
            await c.Expect("220");
            await c.Ehlo();
            await c.SendMessage("sender@gatehouse.test", ["someone@gatehouse.test"], "Subject: metrics\r\n\r\nhello\r\n");
            await c.Send("QUIT");
            await c.Expect("221");
        }
        await Eventually.True(() => server.Server.Queue.Count == 0 && server.Server.Queue.Totals.Delivered >= 1, "the message is delivered");
        await Eventually.True(async () => Value(await ScrapeAsync(server), "gatehouse_smtp_sessions_open") == 0, "the session is closed");

        var after = await ScrapeAsync(server);
        Assert.Equal(1, Value(after, "gatehouse_messages_received_total") - Value(before, "gatehouse_messages_received_total"));
        Assert.True(Value(after, "gatehouse_received_bytes_total") > Value(before, "gatehouse_received_bytes_total"));
        Assert.True(Value(after, "gatehouse_smtp_sessions_total") >= Value(before, "gatehouse_smtp_sessions_total") + 1);
        Assert.Equal(1, Value(after, "gatehouse_recipients_delivered_total") - Value(before, "gatehouse_recipients_delivered_total"));
        Assert.Equal(0, Value(after, "gatehouse_recipients_failed_total"));
        Assert.True(Value(after, "gatehouse_spool_commits_total") >= 1);
        Assert.True(Value(after, "gatehouse_spool_syncs_total") >= 1);
        Assert.True(Value(after, "gatehouse_spool_largest_commit_batch") >= 1);
        Assert.Equal(Value(after, "gatehouse_spool_commits_total"), after["gatehouse_spool_commit_batch_size"].Value("gatehouse_spool_commit_batch_size_sum"));
        Assert.Equal(0, Value(after, "gatehouse_queue_messages"));
        Assert.Empty(after["gatehouse_queue_destination_messages"].Samples);
        Assert.Equal(1, Count(after, "gatehouse_delivery_latency_seconds") - Count(before, "gatehouse_delivery_latency_seconds"));
    }

    [Fact]
    public async Task A_refused_relay_counts_under_reason_relay()
    {
        await using var server = await TestServer.StartAsync(output, Delivering);
        await using var c = await server.ConnectAsync(localAddress: IPAddress.Parse("127.0.0.9"));
        await c.Expect("220");
        await c.Ehlo();
        await c.Send("MAIL FROM:<sender@outside.example>");
        await c.Expect("250");
        await c.Send("RCPT TO:<someone@elsewhere.example>");
        await c.Expect("550 5.7.1");
        await c.Send("RCPT TO:<other@elsewhere.example>");
        await c.Expect("550 5.7.1");
        var m = await ScrapeAsync(server);
        Assert.Equal(2, Value(m, "gatehouse_refused_total", ("reason", "relay")));
        Assert.Equal(0, Value(m, "gatehouse_refused_total", ("reason", "size")));
    }

    [Fact]
    public async Task Queue_gauges_show_length_and_oldest_age_per_destination()
    {
        await using var server = await TestServer.StartAsync(output, QueueSetup.Paused(Token));
        await QueueSetup.SendAsync(server);
        await QueueSetup.SendAsync(server, "carol@example.org");
        var m = await ScrapeAsync(server);
        Assert.Equal(2, Value(m, "gatehouse_queue_messages"));
        var unplanned = ("destination", "(not yet planned)");
        Assert.Equal(2, Value(m, "gatehouse_queue_destination_messages", unplanned));
        Assert.Equal(2, Value(m, "gatehouse_queue_destination_recipients", unplanned));
        Assert.InRange(Value(m, "gatehouse_queue_destination_oldest_age_seconds", unplanned), 0, 60);
    }

    [Fact]
    public async Task A_deferred_recipient_is_counted_and_waits_under_its_next_hop()
    {
        await using var server = await TestServer.StartAsync(output, QueueSetup.Deferring(token: Token));
        var id = await QueueSetup.SendAsync(server);
        await QueueSetup.AttemptedAsync(server, id);
        var destination = server.Server.Queue.Show(id)!.Recipients[0].Destination!;
        var m = await ScrapeAsync(server);
        Assert.Equal(1, Value(m, "gatehouse_recipients_deferred_total"));
        Assert.Equal(1, Value(m, "gatehouse_queue_destination_messages", ("destination", destination)));
        Assert.Equal(1, Value(m, "gatehouse_queue_destination_recipients", ("destination", destination)));
        Assert.Single(m["gatehouse_queue_destination_messages"].Samples);
    }

    [Fact]
    public void Delivery_latency_is_a_histogram_in_seconds()
    {
        using var metrics = new ServerMetrics();
        metrics.RecipientDelivered(TimeSpan.FromMilliseconds(30));
        metrics.RecipientDelivered(TimeSpan.FromSeconds(1));
        metrics.RecipientDelivered(TimeSpan.FromHours(2));
        var f = PrometheusText.Parse(metrics.Render())["gatehouse_delivery_latency_seconds"];
        Assert.Equal(3, f.Value("gatehouse_delivery_latency_seconds_count"));
        Assert.Equal(0.03 + 1 + 7200, f.Value("gatehouse_delivery_latency_seconds_sum")!.Value, 6);
        Assert.Equal(0, f.Value("gatehouse_delivery_latency_seconds_bucket", ("le", "0.01")));
        Assert.Equal(1, f.Value("gatehouse_delivery_latency_seconds_bucket", ("le", "0.05")));
        Assert.Equal(2, f.Value("gatehouse_delivery_latency_seconds_bucket", ("le", "1"))); // a value on a bound is in that bucket
        Assert.Equal(2, f.Value("gatehouse_delivery_latency_seconds_bucket", ("le", "3600")));
        Assert.Equal(3, f.Value("gatehouse_delivery_latency_seconds_bucket", ("le", "14400")));
        Assert.Equal(3, f.Value("gatehouse_delivery_latency_seconds_bucket", ("le", "+Inf")));
    }

    [Fact]
    public void Label_values_and_help_are_escaped()
    {
        using var meter = new Meter("Gatehouse.Test.Escaping");
        using var exporter = new MetricsExporter(meter);
        var c = meter.CreateCounter<long>("test_escapes_total", null, "Help with a back\\slash,\na line feed and \"quotes\".");
        c.Add(3, new KeyValuePair<string, object?>("path", "C:\\spool\\\"q\"\nnext"), new KeyValuePair<string, object?>("a-b", 7));
        var text = exporter.Render();
        output.WriteLine(text);
        Assert.Contains("# HELP test_escapes_total Help with a back\\\\slash,\\na line feed and \"quotes\".\n", text, StringComparison.Ordinal);
        Assert.Contains("test_escapes_total{a_b=\"7\",path=\"C:\\\\spool\\\\\\\"q\\\"\\nnext\"} 3\n", text, StringComparison.Ordinal);
        var f = PrometheusText.Parse(text)["test_escapes_total"];
        Assert.Equal("Help with a back\\slash,\na line feed and \"quotes\".", f.Help);
        Assert.Equal("C:\\spool\\\"q\"\nnext", Assert.Single(f.Samples).Labels["path"]);
    }

    [Fact]
    public void Each_exporter_sees_only_its_own_meter_and_sums_per_tag_set()
    {
        using var mine = new Meter("Gatehouse");
        using var theirs = new Meter("Gatehouse");
        using var exporter = new MetricsExporter(mine);
        var a = mine.CreateCounter<long>("test_things_total", null, "Things.");
        var b = theirs.CreateCounter<long>("test_things_total", null, "Things.");
        a.Add(1, new KeyValuePair<string, object?>("k", "x"), new KeyValuePair<string, object?>("j", "y"));
        a.Add(2, new KeyValuePair<string, object?>("j", "y"), new KeyValuePair<string, object?>("k", "x"));
        a.Add(4);
        b.Add(100);
        var f = PrometheusText.Parse(exporter.Render())["test_things_total"];
        Assert.Equal(3, f.Value(null, ("j", "y"), ("k", "x")));
        Assert.Equal(4, f.Value());
        Assert.Equal(2, f.Samples.Count);
    }

    [Fact]
    public void The_strict_parser_refuses_what_the_format_does_not_allow()
    {
        string[] bad =
        [
            "x_total 1\n",                                                           // no HELP/TYPE
            "# HELP x_total X.\n# TYPE x_total counter\nx_total 1",                  // no final line feed
            "# HELP x_total X.\n# TYPE x_total counter\nx_total{a=\"\\t\"} 1\n",     // bad escape
            "# HELP x_total X.\n# TYPE x_total counter\nx_total 1 1700000000\n",     // timestamp
            "# HELP x_total X.\n# TYPE x_total counter\nx_total 1\nx_total 2\n",     // series twice
            "# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n", // falls
            "# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 3\n", // +Inf != count
            "# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n",                           // no +Inf
        ];
        foreach (var text in bad) Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => PrometheusText.Parse(text));
        PrometheusText.Parse("# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 3.5\nh_count 2\n");
    }
}
