using Gatehouse.Core.Configuration;
using Gatehouse.Core.Routing;
using static Gatehouse.Core.Tests.Routing.Org;

namespace Gatehouse.Core.Tests.Routing;

/// <summary>The routing table (GWART) of one server: total costs over site paths, what is unusable and why.</summary>
public class RoutingTableTests
{
    // Three sites in a line, A — B — C, with a costly direct link A → C; an internet connector in every site.
    private static readonly GatehouseConfig Line = Config(
        [Server("a1", "A"), Server("a2", "A"), Server("b1", "B"), Server("b2", "B"), Server("c1", "C")],
        [
            Internet("net-a", ["a1"], [Space("SMTP", "*", 5)]),
            Internet("net-a2", ["a2"], [Space("SMTP", "partner.example", 3)]),
            Internet("net-b", ["b1", "b2"], [Space("SMTP", "*", 1), Space("SMTP", "*.example", 2, AddressSpaceScope.Site)]),
            Internet("net-c", ["c1"], [Space("SMTP", "*", 1)]),
            SiteLink("a-b", "A", "B", 10, "b1"),
            SiteLink("b-c", "B", "C", 10, "c1"),
            SiteLink("a-c", "A", "C", 50, "c1"),
            SiteLink("b-a", "B", "A", 10, "a1", "a2"),
        ],
        [Authoritative("contoso.com")]);

    private static RoutingTable Table(string server, params string[] down) =>
        RoutingTable.Build(Line, Line.FindServer(server)!, RoutingHealth.Of(down, down));

    private static string Describe(RouteCandidate r) =>
        $"{r.Connector.Name} {r.Space.Type}:{r.Space.Pattern} on {r.Server} cost {r.Cost} via [{string.Join(",", r.SitePath)}]" + (r.Unavailable is null ? "" : $" UNAVAILABLE {r.Unavailable}");

    [Fact]
    public void Every_address_space_of_every_server_appears_with_its_total_cost_cheapest_first()
    {
        var t = Table("a1");
        Assert.Equal(
        [
            "net-a2 SMTP:partner.example on a2 cost 3 via []",
            "net-a SMTP:* on a1 cost 5 via []",
            "net-b SMTP:* on b1 cost 11 via [a-b]",
            "net-b SMTP:* on b2 cost 11 via [a-b]",
            "net-b SMTP:*.example on b1 cost 12 via [a-b] UNAVAILABLE address space is scoped to site B",
            "net-b SMTP:*.example on b2 cost 12 via [a-b] UNAVAILABLE address space is scoped to site B",
            "net-c SMTP:* on c1 cost 21 via [a-b,b-c]",
        ], t.Routes.Select(Describe));
    }

    [Fact]
    public void A_site_scoped_space_is_usable_in_its_own_site()
    {
        var t = Table("b2");
        Assert.Contains("net-b SMTP:*.example on b1 cost 2 via []", t.Routes.Select(Describe));
        Assert.Contains("net-a SMTP:* on a1 cost 15 via [b-a]", t.Routes.Select(Describe));
    }

    [Fact]
    public void Site_paths_are_the_cheapest_over_several_hops()
    {
        var t = Table("a1");
        Assert.Null(t.PathToSite("A"));
        var toC = t.PathToSite("c")!; // site names compare case-insensitively
        Assert.Equal(20, toC.Cost);
        Assert.Equal(["a-b", "b-c"], toC.Connectors.Select(c => c.Name));
        Assert.Equal(["b1"], toC.Bridgeheads); // the next hop is the first link's bridgehead
    }

    // down → the path from a1 to site C: cost, connectors, bridgeheads, or "none".
    public static TheoryData<string, string> PathsToC => Addresses.GoldenTable.Rows("""
        -            → 20 a-b,b-c b1
        a-b          → 50 a-c c1
        b-c          → 50 a-c c1
        b1           → 50 a-c c1
        c1           → none
        a-b,a-c      → none
        b2           → 20 a-b,b-c b1
        a-c          → 20 a-b,b-c b1
        """);

    [Theory]
    [MemberData(nameof(PathsToC))]
    public void Down_connectors_and_bridgeheads_are_routed_around(string down, string expected)
    {
        var t = Table("a1", down == "-" ? [] : down.Split(','));
        var p = t.PathToSite("C");
        Assert.Equal(expected, p is null ? "none" : $"{p.Cost} {string.Join(",", p.Connectors.Select(c => c.Name))} {string.Join(",", p.Bridgeheads)}");
    }

    [Fact]
    public void Site_connectors_are_one_way()
    {
        var config = Line with { Connectors = [.. Line.Connectors.Where(c => c.Name != "b-a")] };
        var t = RoutingTable.Build(config, config.FindServer("b1")!, RoutingHealth.AllUp);
        Assert.Null(t.PathToSite("A"));
        Assert.Equal("no usable site connector path from site B to site A", t.Routes.Single(r => r.Connector.Name == "net-a").Unavailable);
    }

    [Fact]
    public void A_bridgehead_that_is_down_is_not_a_next_hop()
    {
        var t = Table("b1", "a2");
        Assert.Equal(["a1"], t.PathToSite("A")!.Bridgeheads);
        Assert.Equal("server a2 is down", t.Routes.Single(r => r.Connector.Name == "net-a2").Unavailable);
        Assert.Null(t.Routes.Single(r => r.Connector.Name == "net-a").Unavailable);
    }

    [Fact]
    public void A_site_connector_whose_sending_servers_are_all_down_is_not_used()
    {
        var restricted = Line.Connectors.Select(c => c.Name == "a-b" ? c with { Servers = ["a2"] } : c).ToArray();
        var config = Line with { Connectors = restricted };
        Assert.Equal(20, RoutingTable.Build(config, config.FindServer("a1")!, RoutingHealth.AllUp).PathToSite("C")!.Cost);
        Assert.Equal(50, RoutingTable.Build(config, config.FindServer("a1")!, RoutingHealth.Of(["a2"], [])).PathToSite("C")!.Cost);
    }

    [Fact]
    public void Down_connectors_and_servers_stay_in_the_table_with_the_reason()
    {
        var t = Table("a1", "net-a", "b1");
        var lines = t.Routes.Select(Describe).ToArray();
        Assert.Contains("net-a SMTP:* on a1 cost 5 via [] UNAVAILABLE connector net-a is down", lines);
        // b1 is the only bridgehead of a-b, so site B is now reached through C... which cannot come back: no C → B link.
        Assert.Null(t.PathToSite("B"));
        Assert.Contains(lines, l => l.StartsWith("net-b SMTP:* on b1", StringComparison.Ordinal) && l.Contains("UNAVAILABLE server b1 is down", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("net-b SMTP:* on b2", StringComparison.Ordinal) && l.Contains("UNAVAILABLE no usable site connector path from site A to site B", StringComparison.Ordinal));
        Assert.Contains("net-c SMTP:* on c1 cost 51 via [a-c]", lines);
    }

    [Fact]
    public void Health_is_an_input_the_table_does_not_keep_between_builds()
    {
        Assert.All(Table("a1").Routes.Where(r => r.Space.Scope == AddressSpaceScope.Organization), r => Assert.Null(r.Unavailable));
        Assert.NotNull(Table("a1", "net-c").Routes.Single(r => r.Connector.Name == "net-c").Unavailable);
        Assert.Null(Table("a1").Routes.Single(r => r.Connector.Name == "net-c").Unavailable);
    }

    [Fact]
    public void The_indexed_look_up_finds_exactly_the_spaces_the_matcher_accepts()
    {
        var config = Config(
            [Server("s1", "S")],
            [
                Internet("one", ["s1"], [Space("SMTP", "*", 5), Space("SMTP", "example.com", 1), Space("SMTP", "*.example.com", 2), Space("SMTP", "*.b.example.com", 2)]),
                Internet("two", ["s1"], [Space("SMTP", "EXAMPLE.org", 1), Space("SMTPOUT", "*", 1), Space("SMTPOUT", "user@*", 1), Space("X400", "c=US;p=Org", 1), Space("FAX", "+1555*", 1)]),
            ],
            [Authoritative("contoso.com")]);
        var t = RoutingTable.Build(config, config.Servers[0], RoutingHealth.AllUp);
        string[] addresses =
        [
            "SMTP:u@example.com", "SMTP:u@EXAMPLE.COM", "SMTP:u@a.example.com", "SMTP:u@a.b.example.com", "SMTP:u@b.example.com", "SMTP:u@badexample.com",
            "SMTP:u@example.org", "SMTP:u@com", "SMTP:u@[192.0.2.1]", "SMTP:u@[IPv6:2001:db8::1]", "SMTPOUT:user@internal.domain.com", "SMTPOUT:other@x",
            "X400:c=US;a= ;p=Org;s=Smith", "X400:c=DE;p=Org;s=Smith", "FAX:+15551234", "FAX:+49", "MS:ORG/HQ/JDOE",
        ];
        foreach (var text in addresses)
        {
            var a = Address(text);
            var brute = t.Routes.Select(r => (r, AddressSpaceMatcher.Match(r.Space, a))).Where(x => x.Item2 >= 0)
                .Select(x => $"{x.r.Connector.Name} {x.r.Space.Type}:{x.r.Space.Pattern} {x.Item2}").Order(StringComparer.Ordinal);
            var indexed = t.Matching(a).Select(x => $"{x.Route.Connector.Name} {x.Route.Space.Type}:{x.Route.Space.Pattern} {x.Specificity}").Order(StringComparer.Ordinal);
            Assert.True(brute.SequenceEqual(indexed), $"{text}: matcher [{string.Join("; ", brute)}] index [{string.Join("; ", indexed)}]");
        }
    }

    [Fact]
    public void The_servers_own_address_literals_are_its_listeners_and_for_a_wildcard_listener_the_hosts_addresses()
    {
        var server = new ServerConfig("m1", "m1.example", "/nonexistent/m1",
        [
            new ListenerConfig("a", System.Net.IPAddress.Parse("127.0.0.2"), 25, ListenerRole.Inbound, 0),
            new ListenerConfig("b", System.Net.IPAddress.IPv6Any, 587, ListenerRole.Submission, 0),
        ], new TlsConfig(null, null), null);
        var host = new[] { "10.0.0.5", "fe80::1%2", "2001:db8::7", "::ffff:192.0.2.9" }.Select(System.Net.IPAddress.Parse).ToArray();

        var own = RoutingTable.OwnAddressLiterals(server, host);

        Assert.Equal(["[10.0.0.5]", "[127.0.0.2]", "[192.0.2.9]", "[IPv6:2001:db8::7]", "[IPv6:fe80::1]"], own.Order(StringComparer.Ordinal));
        // An IPv4 wildcard stands for the host's IPv4 addresses only.
        var v4 = server with { Listeners = [new ListenerConfig("c", System.Net.IPAddress.Any, 25, ListenerRole.Inbound, 0)] };
        Assert.Equal(["[10.0.0.5]", "[192.0.2.9]"], RoutingTable.OwnAddressLiterals(v4, host).Order(StringComparer.Ordinal));
    }
}
