using System.Net;
using System.Text.Json;
using Gatehouse.Core.Tracking;
using Gatehouse.Server.Hosting;
using Gatehouse.Server.Tests.Support;
using Gatehouse.Server.Tracking;

namespace Gatehouse.Server.Tests.Tracking;

/// <summary><c>GET /track</c>: who may ask, and one timeline per message across the servers of the organization, even when one is down.</summary>
public sealed class TrackingApiTests(ITestOutputHelper output)
{
    private static async Task<TrackingSearchResult> Track(HttpClient http, string query)
    {
        var r = await http.GetAsync("track?" + query);
        var body = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.OK, $"{(int)r.StatusCode}: {body}");
        return JsonSerializer.Deserialize(body, TrackingJson.Relaxed.TrackingSearchResult)!;
    }

    private static string Timeline(TrackedMessage m) => string.Join(" ", m.Events.Select(e => $"{e.Server}:{e.Type}"));

    private const string Whole = "gate1:RECEIVE gate1:RESOLVE gate1:ROUTE gate1:TRANSFER gate2:RECEIVE gate2:TRANSFER";

    [Fact]
    public async Task Track_needs_the_token_and_a_sensible_query()
    {
        await using var server = await TestServer.StartAsync(output, QueueSetup.Paused());
        var id = Guid.NewGuid().ToString("N") + "@client.example";
        server.Server.Tracking.Record(new TrackingEvent(DateTimeOffset.UtcNow, "test", TrackingEventType.Receive, "Q1", id, "a@client.example", null, new Dictionary<string, string>()));
        await server.Server.TrackingWriter!.FlushAsync();

        using var anonymous = QueueSetup.Admin(server, token: null);
        using var wrong = QueueSetup.Admin(server, token: "not-the-token-0000");
        using var right = QueueSetup.Admin(server);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"track?message_id={id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync($"track?message_id={id}")).StatusCode);

        var found = await Track(right, $"message_id=%3C{id}%3E");
        var m = Assert.Single(found.Messages);
        Assert.Equal((id, "a@client.example", "test:RECEIVE"), (m.MessageId, m.Sender, Timeline(m)));
        Assert.Equal(["test"], found.Servers);
        Assert.Empty(found.Unreachable);
        Assert.Empty((await Track(right, "message_id=nothing@client.example")).Messages);

        foreach (var (query, error) in new[]
        {
            ("", "say what to look for"),
            ("limit=5", "say what to look for"),
            ("sender=a@b&since=yesterday", "since 'yesterday' is not a time"),
            ("sender=a@b&until=2x", "until '2x' is not a time"),
            ("sender=a@b&limit=0", "limit must be"),
            ("sender=a@b&scope=world", "scope must be local or organization"),
        })
        {
            var r = await right.GetAsync("track?" + query);
            Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
            Assert.Contains(error, (await r.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Either_server_of_the_organization_shows_one_timeline_and_names_the_servers_it_could_not_ask()
    {
        await using var org = await TrackingOrganization.StartAsync(output);
        // Another message first: limit=1 below must pick the newer one.
        await org.Message(DateTimeOffset.UtcNow.AddMinutes(-5));
        var id = await org.Message(DateTimeOffset.UtcNow.AddMinutes(-4));

        foreach (var (asked, query) in new[]
        {
            ("gate1", $"message_id={id}"),
            ("gate2", $"message_id={id}"),
            // gate2 never saw the address as the sender wrote it, and gate1 never saw the resolved one:
            // the second round of the search fetches the other hops by Message-ID.
            ("gate1", $"recipient={TrackingOrganization.Original}&limit=1"),
            ("gate2", $"recipient={TrackingOrganization.Resolved}&limit=1"),
        })
        {
            using var http = org.Admin(asked);
            var result = await Track(http, query);
            var m = Assert.Single(result.Messages);
            Assert.True(Whole == Timeline(m), $"{asked} {query}: {Timeline(m)}");
            Assert.Equal(id, m.MessageId);
            Assert.Equal(TrackingOrganization.Sender, m.Sender);
            Assert.Equal(m.Events.OrderBy(e => e.Time).Select(e => e.Time), m.Events.Select(e => e.Time));
            Assert.Equal(["gate1", "gate2"], result.Servers.Order());
            var gate3 = Assert.Single(result.Unreachable);
            Assert.Equal("gate3", gate3.Server);
            Assert.Contains("no admin endpoint", gate3.Reason, StringComparison.Ordinal);
        }

        using (var http = org.Admin("gate1"))
        {
            var local = await Track(http, $"message_id={id}&scope=local");
            Assert.Equal("gate1:RECEIVE gate1:RESOLVE gate1:ROUTE gate1:TRANSFER", Timeline(Assert.Single(local.Messages)));
            Assert.Equal(["gate1"], local.Servers);
            Assert.Empty(local.Unreachable);
        }

        await org.StopAsync("gate2");
        using (var http = org.Admin("gate1"))
        {
            var result = await Track(http, $"message_id={id}");
            Assert.Equal("gate1:RECEIVE gate1:RESOLVE gate1:ROUTE gate1:TRANSFER", Timeline(Assert.Single(result.Messages)));
            Assert.Equal(["gate1"], result.Servers);
            Assert.Equal(["gate2", "gate3"], result.Unreachable.Select(u => u.Server).Order());
            Assert.Contains("connection refused", result.Unreachable.Single(u => u.Server == "gate2").Reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Another_server_is_asked_at_its_admin_address_or_for_a_wildcard_its_listener_or_host_name()
    {
        var listener = new Core.Configuration.ListenerConfig("inbound", IPAddress.Parse("192.0.2.25"), 25, Core.Configuration.ListenerRole.Inbound, 0);
        var any = new Core.Configuration.ListenerConfig("inbound", IPAddress.Any, 25, Core.Configuration.ListenerRole.Inbound, 0);
        Core.Configuration.ServerConfig Server(Core.Configuration.ListenerConfig l) => new("gate2", "gate2.ours.example", "/tmp", [l], new Core.Configuration.TlsConfig(null, null), null);

        Assert.Equal("http://192.0.2.9:8025/", TrackingApi.BaseUrl(Server(listener), new(IPAddress.Parse("192.0.2.9"), 8025)).ToString());
        Assert.Equal("http://[2001:db8::9]:8025/", TrackingApi.BaseUrl(Server(listener), new(IPAddress.Parse("2001:db8::9"), 8025)).ToString());
        Assert.Equal("http://192.0.2.25:8025/", TrackingApi.BaseUrl(Server(listener), new(IPAddress.Any, 8025)).ToString());
        Assert.Equal("http://gate2.ours.example:8025/", TrackingApi.BaseUrl(Server(any), new(IPAddress.IPv6Any, 8025)).ToString());
    }
}
