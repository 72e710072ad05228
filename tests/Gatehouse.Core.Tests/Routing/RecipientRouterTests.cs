using System.Net;
using Gatehouse.Core.Addresses;
using Gatehouse.Core.Configuration;
using Gatehouse.Core.Directory;
using Gatehouse.Core.Policy;
using Gatehouse.Core.Routing;
using Gatehouse.Core.Tests.Addresses;
using static Gatehouse.Core.Tests.Routing.Org;

namespace Gatehouse.Core.Tests.Routing;

/// <summary>The route decision on an organization built in code: specificity before cost, failover, load sharing, type maps, accepted domain kinds.</summary>
public class RecipientRouterTests
{
    // Two servers in site HQ, one in EU. Relay: 10.0.0.0/8 and authenticated clients.
    private static readonly GatehouseConfig Contoso = Config(
        [Server("hq1", "HQ"), Server("hq2", "HQ", "127.0.0.3"), Server("eu1", "EU", "127.0.0.4")],
        [
            Internet("net-hq1", ["hq1"], [Space("SMTP", "*", 10)]),
            Internet("net-hq2", ["hq2"], [Space("SMTP", "*", 20), Space("SMTP", "partner.example", 50)], smartHost: "smarthost.contoso.com:587"),
            Internet("net-eu", ["eu1"], [Space("SMTP", "*.eu.example", 1), Space("SMTPOUT", "*", 1), Space("X400", "c=DE", 1)],
                forwards: [new DomainForward("berlin.eu.example", "10.9.9.9:25")], typeMap: new() { ["SMTPOUT"] = AddressType.Smtp }),
            SiteLink("hq-eu", "HQ", "EU", 5, "eu1"),
            SiteLink("eu-hq", "EU", "HQ", 5, "hq1"),
        ],
        [
            Authoritative("contoso.com"),
            InternalRelay("shared.contoso.com", "legacy.contoso.com:25"),
            ExternalRelay("fabrikam.example", "10.7.7.7:2525"),
            Authoritative("corp.example", subdomains: true),
        ],
        Dir(
            Box("jdoe", "hq2", "SMTP:jdoe@contoso.com", "smtp:jdoe@shared.contoso.com"),
            Box("hans", "eu1", "SMTP:hans@contoso.com"),
            Contact("pat", "SMTP:pat@partner.example", "EU", "SMTP:pat@contoso.com"),
            Contact("legacy", "SMTPOUT:user@internal.domain.com", "EU", "SMTP:legacy@contoso.com"),
            Contact("mueller", "X400:c=DE;a= ;p=Partner;s=Mueller", null, "SMTP:mueller@contoso.com"),
            Contact("faxme", "FAX:+15551234", null, "SMTP:faxme@contoso.com"),
            Contact("fwd", "SMTP:someone@fabrikam.example", null, "SMTP:fwd@contoso.com"),
            new DistributionListRecipient("all", "all", Gatehouse.Core.Tests.Directory.Recipients.Proxies("SMTP:all@contoso.com"), ["jdoe", "hans"], "eu1")),
        Relay(authenticated: true, allow: ["10.0.0.0/8"]));

    // server | address | client (- = 192.0.2.1) | auth | down → reply | action | connector | next hop | wire address
    public static TheoryData<string, string> Cases => GoldenTable.Rows("""
        # The most specific address space wins before cost: partner.example (cost 50) beats * (cost 10).
        hq1 | pat@contoso.com                    | -        | -     | -       → 250 | RelayToServer | net-hq2 | hq2 | SMTP:pat@partner.example
        hq2 | pat@contoso.com                    | -        | -     | -       → 250 | SendViaConnector | net-hq2 | host:smarthost.contoso.com:587 | SMTP:pat@partner.example
        # ... and when it is down, the less specific spaces take over (failover), cheapest first.
        hq1 | pat@contoso.com                    | -        | -     | net-hq2 → 250 | SendViaConnector | net-hq1 | mx:partner.example | SMTP:pat@partner.example
        hq1 | pat@contoso.com                    | -        | -     | hq2     → 250 | SendViaConnector | net-hq1 | mx:partner.example | SMTP:pat@partner.example
        # A subdomain space in another site beats * here; costs only compare within one specificity.
        hq1 | someone@a.eu.example               | 10.1.1.1 | -     | -       → 250 | RelayToServer | net-eu | eu1 | SMTP:someone@a.eu.example
        eu1 | someone@a.eu.example               | 10.1.1.1 | -     | -       → 250 | SendViaConnector | net-eu | mx:a.eu.example | SMTP:someone@a.eu.example
        eu1 | someone@berlin.eu.example          | 10.1.1.1 | -     | -       → 250 | SendViaConnector | net-eu | host:10.9.9.9:25 | SMTP:someone@berlin.eu.example
        eu1 | someone@eu.example                 | 10.1.1.1 | -     | -       → 250 | RelayToServer | net-hq1 | hq1 | SMTP:someone@eu.example
        hq1 | someone@a.eu.example               | 10.1.1.1 | -     | eu1     → 250 | SendViaConnector | net-hq1 | mx:a.eu.example | SMTP:someone@a.eu.example
        # Outside addresses need a relay permission; an accepted client gets one.
        hq1 | someone@ext.example                | -        | -     | -       → 550 5.7.1
        hq1 | someone@ext.example                | -        | bob   | -       → 250 | SendViaConnector | net-hq1 | mx:ext.example | SMTP:someone@ext.example
        # Other types: through an address space of the type, and a type map on the connector that sends it.
        hq1 | legacy@contoso.com                 | -        | -     | -       → 250 | RelayToServer | net-eu | eu1 | SMTPOUT:user@internal.domain.com
        eu1 | legacy@contoso.com                 | -        | -     | -       → 250 | SendViaConnector | net-eu | mx:internal.domain.com | SMTP:user@internal.domain.com
        # An X400 space without a type map: the connector cannot send it, and says so.
        eu1 | mueller@contoso.com                | -        | -     | -       → 550 5.4.4
        # A type no connector carries.
        hq1 | faxme@contoso.com                  | -        | -     | -       → 550 5.4.4
        hq1 | legacy@contoso.com                 | -        | -     | eu1     → 250 | Hold | - | - | SMTPOUT:user@internal.domain.com
        # Mailboxes and lists go to their server.
        hq1 | jdoe@contoso.com                   | -        | -     | -       → 250 | RelayToServer | - | hq2 | SMTP:jdoe@contoso.com
        hq1 | jdoe@contoso.com                   | -        | -     | hq2     → 250 | Hold | - | hq2 | SMTP:jdoe@contoso.com
        hq2 | JDOE@CONTOSO.COM                   | -        | -     | -       → 250 | DeliverLocal | - | - | SMTP:JDOE@contoso.com
        hq1 | hans@contoso.com                   | -        | -     | -       → 250 | RelayToServer | hq-eu | eu1 | SMTP:hans@contoso.com
        hq1 | all@contoso.com                    | -        | -     | -       → 250 | RelayToServer | hq-eu | eu1 | SMTP:all@contoso.com
        eu1 | all@contoso.com                    | -        | -     | -       → 250 | Expand | - | - | -
        hq1 | postmaster@contoso.com             | -        | -     | -       → 250 | DeliverLocal | - | - | -
        # Accepted domain kinds: authoritative refuses unknowns, internal relay passes them on, external relay passes all.
        hq1 | nobody@contoso.com                 | -        | -     | -       → 550 5.1.1
        hq1 | nobody@sub.corp.example            | -        | -     | -       → 550 5.1.1
        hq1 | jdoe@shared.contoso.com            | -        | -     | -       → 250 | RelayToServer | - | hq2 | SMTP:jdoe@shared.contoso.com
        hq1 | nobody@shared.contoso.com          | -        | -     | -       → 250 | SendViaConnector | accepted-domain shared.contoso.com | host:legacy.contoso.com:25 | SMTP:nobody@shared.contoso.com
        hq1 | anyone@fabrikam.example            | -        | -     | -       → 250 | SendViaConnector | accepted-domain fabrikam.example | host:10.7.7.7:2525 | SMTP:anyone@fabrikam.example
        hq1 | anyone@sub.fabrikam.example        | -        | -     | -       → 550 5.7.1
        # A contact whose target is at a forwarded domain goes where that domain goes.
        hq1 | fwd@contoso.com                    | -        | -     | -       → 250 | SendViaConnector | accepted-domain fabrikam.example | host:10.7.7.7:2525 | SMTP:someone@fabrikam.example
        # Decapsulated addresses go by their own domain.
        hq1 | IMCEASMTP-x+40fabrikam.example@contoso.com | - | -     | -       → 250 | SendViaConnector | accepted-domain fabrikam.example | host:10.7.7.7:2525 | SMTP:x@fabrikam.example
        hq1 | IMCEASMTP-nobody+40contoso.com@fabrikam.example | - | - | -      → 550 5.1.1
        hq1 | IMCEASMTP-jdoe+40contoso.com@fabrikam.example | - | -   | -       → 250 | RelayToServer | - | hq2 | SMTP:IMCEASMTP-jdoe+40contoso.com@fabrikam.example
        hq1 | IMCEAEX-_O=CONTOSO_CN=NOBODY@fabrikam.example | - | -   | -       → 550 5.1.1
        # Unhonoured sender-specified routing: refused without permission; with it, handled by the domain it is written at.
        hq1 | user%ext.example@fabrikam.example  | -        | -     | -       → 550 5.7.1
        hq1 | user%ext.example@fabrikam.example  | 10.1.1.1 | -     | -       → 250 | SendViaConnector | accepted-domain fabrikam.example | host:10.7.7.7:2525 | SMTP:user%ext.example@fabrikam.example
        hq1 | user%ext.example@contoso.com       | 10.1.1.1 | -     | -       → 550 5.1.1
        # The server's own address literal is the server (RFC 5321 4.1.3): its postmaster is a mailbox there, for
        # anyone; nothing else is, for anyone, and nothing written at it is relayed on.
        hq1 | postmaster@[127.0.0.2]             | -        | -     | -       → 250 | DeliverLocal | - | - | -
        hq1 | PostMaster@[127.0.0.2]             | -        | -     | -       → 250 | DeliverLocal | - | - | -
        hq2 | postmaster@[127.0.0.3]             | -        | -     | -       → 250 | DeliverLocal | - | - | -
        hq1 | jdoe@[127.0.0.2]                   | -        | -     | -       → 550 5.1.1
        hq1 | someone@[127.0.0.2]                | 10.1.1.1 | -     | -       → 550 5.1.1
        hq1 | user%ext.example@[127.0.0.2]       | 10.1.1.1 | bob   | -       → 550 5.1.1
        hq1 | "user@ext.example"@[127.0.0.2]     | 10.1.1.1 | bob   | -       → 550 5.1.1
        # Another server's literal is another host: for an outside client, a relay attempt.
        hq1 | postmaster@[127.0.0.3]             | -        | -     | -       → 550 5.7.1
        """);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Route(string input, string expected)
    {
        var cols = input.Split('|').Select(c => c.Trim()).ToArray();
        var verdict = Run(Contoso, cols[0], cols[1], cols[2] == "-" ? "192.0.2.1" : cols[2], cols[3] == "-" ? null : cols[3], cols[4] == "-" ? [] : cols[4].Split(','));
        var want = string.Join(" | ", expected.Split('|').Select(c => c.Trim()));
        Assert.True(want == Format(verdict.Route), $"{input}\n  expected: {want}\n  actual:   {Format(verdict.Route)}\n  " + string.Join("\n  ", verdict.Trace));
    }

    [Fact]
    public void Equal_costs_share_the_load_by_address_and_the_same_address_always_takes_the_same_route()
    {
        var config = Config(
            [Server("a", "S"), Server("b", "S", "127.0.0.3"), Server("c", "S", "127.0.0.4")],
            [Internet("net", ["a", "b"], [Space("SMTP", "*", 1)]), Internet("other", ["c"], [Space("SMTP", "*", 1)])],
            [Authoritative("contoso.com")],
            relay: Relay(allow: ["10.0.0.0/8"]));
        var hops = new Dictionary<string, int>();
        for (var i = 0; i < 300; i++)
        {
            var address = $"user{i}@ext{i % 7}.example";
            var first = Run(config, "c", address, "10.0.0.1", null, ["other"]).Route;
            Assert.Equal(RouteAction.RelayToServer, first.Action);
            Assert.Equal(first, Run(config, "c", address, "10.0.0.1", null, ["other"]).Route);
            hops[first.NextHop!] = hops.GetValueOrDefault(first.NextHop!) + 1;
        }
        Assert.Equal(["a", "b"], hops.Keys.Order());
        Assert.All(hops.Values, n => Assert.InRange(n, 100, 200));
        // Three routes of equal cost (the local one included) all get a share.
        var all = Enumerable.Range(0, 300).Select(i => Run(config, "c", $"u{i}@x.example", "10.0.0.1", null, []).Route.Connector).Distinct().Order();
        Assert.Equal(["net", "other"], all);
    }

    [Fact]
    public void A_refused_relay_is_refused_before_routing_and_queues_nothing()
    {
        var v = Run(Contoso, "hq1", "someone@ext.example", "192.0.2.1", null, []);
        Assert.Equal(RouteAction.Reject, v.Route.Action);
        Assert.Null(v.Route.NextHop);
        Assert.Null(v.Route.WireAddress);
        Assert.False(v.Relay!.Allowed);
        Assert.DoesNotContain(v.Trace, l => l.StartsWith("route:", StringComparison.Ordinal));
    }

    [Fact]
    public void A_type_no_connector_carries_is_refused_with_the_type_named()
    {
        var v = Run(Contoso, "hq1", "faxme@contoso.com", "192.0.2.1", null, []);
        Assert.Equal("550 5.4.4 No connector carries FAX addresses; this address cannot be delivered", $"{v.Refusal!.Code} {v.Refusal.Status} {v.Refusal.Text}");
        Assert.Contains("route: no connector has an address space for FAX addresses (address spaces exist for: SMTP, SMTPOUT, X400)", v.Trace);
        var x400 = Run(Contoso, "eu1", "mueller@contoso.com", "192.0.2.1", null, []);
        Assert.Contains("No proxy for recipient", x400.Refusal!.Text, StringComparison.Ordinal);
        Assert.Contains("X400", x400.Refusal.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_contact_needs_no_relay_permission_and_the_trace_says_why()
    {
        var v = Run(Contoso, "hq1", "pat@contoso.com", "192.0.2.1", null, []);
        Assert.Null(v.Relay);
        Assert.Contains(v.Trace, l => l.StartsWith("relay: not needed (a contact", StringComparison.Ordinal));
    }

    [Fact]
    public void With_an_empty_directory_an_authoritative_domain_takes_every_local_part()
    {
        var config = Contoso with { Directory = RecipientDirectory.Empty };
        Assert.Equal(RouteAction.DeliverLocal, Run(config, "hq1", "anyone@contoso.com", "192.0.2.1", null, []).Route.Action);
        Assert.Equal(RouteAction.DeliverLocal, Run(config, "hq1", "IMCEASMTP-anyone+40contoso.com@fabrikam.example", "192.0.2.1", null, []).Route.Action);
    }

    internal static RecipientVerdict Run(GatehouseConfig config, string server, string address, string client, string? auth, string[] down)
    {
        var me = config.FindServer(server)!;
        var text = "<" + address + ">";
        var pos = 0;
        Assert.True(SmtpPathParser.TryParseForwardPath(text, ref pos, utf8: true, out var mailbox, out var route, out var error), error);
        var table = RoutingTable.Build(config, me, RoutingHealth.Of(down, down));
        return RecipientRouter.Route(table, mailbox, new ClientFacts(IPAddress.Parse(client), me.Listeners[0].Address, auth), route);
    }

    internal static string Format(RouteDecision r) => r.Action == RouteAction.Reject
        ? $"{r.Refusal!.Code} {r.Refusal.Status}"
        : $"{250} | {r.Action} | {r.Connector ?? "-"} | {r.NextHop ?? "-"} | {r.WireAddress?.ToString() ?? "-"}";
}
