using System.Net;
using Gatehouse.Core.Tracking;
using Gatehouse.Server.Tests.Support;
using Gatehouse.Server.Tracking;

namespace Gatehouse.Server.Tests.Tracking;

/// <summary>The steps of real mail land in the tracking log: RELAY-DENIED at RCPT, and RECEIVE, ROUTE, TRANSFER, FAIL, DSN, DEFER and ADMIN from the queue.</summary>
public sealed class TrackingEventsTests(ITestOutputHelper output)
{
    private const string Sender = "sender@gatehouse.test";

    private static async Task<IReadOnlyList<TrackingEvent>> EventsAsync(TestServer server, TrackingQuery query, Func<IReadOnlyList<TrackingEvent>, bool> complete)
    {
        IReadOnlyList<TrackingEvent> events = [];
        await Eventually.True(async () =>
        {
            await server.Server.TrackingWriter!.FlushAsync();
            events = await server.Server.TrackingStore!.SearchAsync(query);
            return complete(events);
        }, "the events are in the tracking log");
        return events;
    }

    [Fact]
    public async Task Relay_denied_transfer_fail_dsn_defer_and_admin_are_recorded()
    {
        using var sink = await PythonSink.StartAsync("--rcpt-reply", "x@far.example=550 5.1.1 No such user");
        var dead = Loopback.FreeEndpoint();
        await using var server = await TestServer.StartAsync(output, new TestServerOptions
        {
            Deliver = true,
            AcceptedDomains = "[gatehouse.test]",
            ExtraYaml = $"""
                relay:
                  allow_clients: [127.0.0.1/32]
                connectors:
                  - name: out
                    type: internet
                    servers: [test]
                    smart_host: "{sink.Endpoint.Address}:{sink.Endpoint.Port}"
                    address_spaces:
                      - {"{"}pattern: "far.example"{"}"}
                  - name: nowhere
                    type: internet
                    servers: [test]
                    smart_host: "{dead.Address}:{dead.Port}"
                    address_spaces:
                      - {"{"}pattern: "dead.example"{"}"}
                delivery:
                  retry_schedule: [1h]
                  tls: none
                  mark_down_after: 1000

                """,
        });

        // A client that may not relay.
        await using (var stranger = await server.ConnectAsync(localAddress: IPAddress.Parse("127.0.0.77")))
        {
            await stranger.Expect("220");
            await stranger.Ehlo();
            await stranger.Send("MAIL FROM:<probe@elsewhere.example>");
            await stranger.Expect("250");
            await stranger.Send("RCPT TO:<victim@far.example>");
            await stranger.Expect("550 5.7.1");
        }
        var denied = await EventsAsync(server, new TrackingQuery(null, "probe@elsewhere.example", null, null, null), e => e.Count > 0);
        var d = Assert.Single(denied);
        Assert.Equal(TrackingEventType.RelayDenied, d.Type);
        Assert.Equal("127.0.0.77", d.Facts["client_ip"]);
        Assert.Equal("victim@far.example", d.Recipient);
        Assert.Equal("SMTP:victim@far.example", d.Facts["address"]);

        string id;
        await using (var c = await server.ConnectAsync(localAddress: IPAddress.Loopback))
        {
            await c.Expect("220");
            await c.Ehlo();
            id = await c.SendMessage(Sender, ["x@far.example", "y@far.example", "z@dead.example"], "Message-ID: <events-1@gatehouse.test>\r\nSubject: steps\r\n\r\nx\r\n");
        }
        var events = await EventsAsync(server, new TrackingQuery("events-1@gatehouse.test", null, null, null, null),
            e => e.Any(x => x.Type == TrackingEventType.Dsn) && e.Any(x => x.Type == TrackingEventType.Defer));
        output.WriteLine(string.Join("\n", events.Select(e => $"{e.TypeName} {e.Recipient} {string.Join(", ", e.Facts.Select(f => f.Key + "=" + f.Value))}")));
        Assert.Equal(TrackingEventType.Receive, events[0].Type);
        Assert.Equal(id, events[0].QueueId);
        Assert.Contains(events, e => e.Type == TrackingEventType.Route && e.Recipient == "z@dead.example" && e.Facts["connector"] == "nowhere");
        Assert.Contains(events, e => e.Type == TrackingEventType.Transfer && e.Recipient == "y@far.example" && e.Facts["reply"].StartsWith("250", StringComparison.Ordinal));
        var fail = Assert.Single(events, e => e.Type == TrackingEventType.Fail);
        Assert.Equal("x@far.example", fail.Recipient);
        Assert.Equal("5.1.1", fail.Facts["status"]);
        var defer = Assert.Single(events, e => e.Type == TrackingEventType.Defer);
        Assert.Equal("z@dead.example", defer.Recipient);
        Assert.True(defer.Facts.ContainsKey("next_retry"));
        var dsn = Assert.Single(events, e => e.Type == TrackingEventType.Dsn);
        Assert.Contains("x@far.example (failed)", dsn.Facts["recipients"], StringComparison.Ordinal);

        Assert.Equal(Gatehouse.Server.Delivery.AdminResult.Done, server.Server.Queue.Hold(id, "test-admin"));
        var admin = await EventsAsync(server, new TrackingQuery("events-1@gatehouse.test", null, null, null, null), e => e.Any(x => x.Type == TrackingEventType.Admin));
        var a = Assert.Single(admin, e => e.Type == TrackingEventType.Admin);
        Assert.Equal("test-admin", a.Facts["who"]);
        Assert.Equal("hold", a.Facts["action"]);
    }
}
