using System.Net;
using FsCheck;
using FsCheck.Fluent;
using Gatehouse.Core.Addresses;
using Gatehouse.Core.Configuration;
using Gatehouse.Core.Directory;
using Gatehouse.Core.Policy;
using Gatehouse.Core.Routing;
using Gatehouse.Core.Tests.Support;
using static Gatehouse.Core.Tests.Routing.Org;

namespace Gatehouse.Core.Tests.Routing;

/// <summary>
/// Issue 4's relay property: for generated organizations, clients and address forms, every verdict that sends
/// mail out of the organization holds a relay permission, unless the organization published the destination
/// as a contact (seeds Q237927, Q264330: no combination of forwarding, rerouting, encapsulation and quoting
/// opens a relay).
/// </summary>
public class RelayPropertyTests
{
    /// <summary>One generated organization, seen from one of its servers, with some servers and connectors down.</summary>
    public sealed record Scenario(GatehouseConfig Config, ServerConfig Server, string[] Down, string Description)
    {
        public override string ToString() => Description;
    }

    private static readonly string[] AllowChoices = ["10.0.0.0/8", "2001:db8::/32", "::ffff:172.16.0.0/108", "127.0.0.0/8"];
    private static readonly string[] DenyChoices = ["10.66.0.0/16", "2001:db8:bad::/48"];
    private static readonly string[] LocalChoices = ["127.0.0.2", "::ffff:127.0.0.3"];

    // Address spaces a connector may carry: everything, one outside domain, a subtree, a contact's domain,
    // one of our own forwarded domains, and three other types.
    private static readonly (string Type, string Pattern)[] SpaceChoices =
    [
        ("SMTP", "*"), ("SMTP", "ext.com"), ("SMTP", "*.example"), ("SMTP", "partner.example"), ("SMTP", "fwd.example"),
        ("SMTPOUT", "*"), ("X400", "c=US"), ("FAX", "+1*"),
    ];

    private static readonly Gen<int[]> Connector =
        from site in Gen.Choose(0, 2)
        from serverMask in Gen.Choose(1, 3)
        from spaceMask in Gen.Choose(1, (1 << SpaceChoices.Length) - 1)
        from cost in Gen.Choose(1, 100)
        from siteScoped in Gen.Choose(0, 3)
        from hostKind in Gen.Choose(0, 3) // 0-1 DNS, 2 smart host, 3 forward ext.com to a host
        from typeMap in Gen.Choose(0, 1)
        select new[] { site, serverMask, spaceMask, cost, siteScoped, hostKind, typeMap };

    private static readonly Gen<Scenario> Scenarios =
        from siteCount in Gen.Choose(1, 3)
        from twoServers in Gen.Elements(false, true).ArrayOf(3)
        from links in Gen.Choose(0, 30).ArrayOf(6)
        from bridgeMasks in Gen.Choose(1, 3).ArrayOf(6)
        from connectorCount in Gen.Choose(0, 4)
        from connectors in Connector.ArrayOf(4)
        from domainFlags in Gen.Choose(0, 7)
        from relayFlags in Gen.Choose(0, 255)
        from routingFlags in Gen.Choose(0, 3)
        from homes in Gen.Choose(0, 5).ArrayOf(3)
        from downMask in Gen.Choose(0, 255)
        from me in Gen.Choose(0, 5)
        select Build(siteCount, twoServers, links, bridgeMasks, connectors.Take(connectorCount).ToArray(), domainFlags, relayFlags, routingFlags, homes, downMask, me);

    private static Scenario Build(int siteCount, bool[] twoServers, int[] links, int[] bridgeMasks, int[][] connectorSpecs, int domainFlags, int relayFlags, int routingFlags, int[] homes, int downMask, int me)
    {
        var sites = Enumerable.Range(0, siteCount).Select(i => "site" + i).ToArray();
        var bySite = sites.Select((s, i) => (twoServers[i] ? new[] { 0, 1 } : [0]).Select(k => Server($"{s}-{(char)('a' + k)}", s, $"127.0.{i}.{k + 2}")).ToArray()).ToArray();
        var servers = bySite.SelectMany(x => x).ToArray();
        var description = new List<string> { $"servers {string.Join(", ", servers.Select(s => s.Name + "@" + s.Site))}" };

        var connectors = new List<ConnectorConfig>();
        var pair = 0;
        for (var from = 0; from < siteCount; from++)
        {
            for (var to = 0; to < siteCount; to++)
            {
                if (from == to) continue;
                var cost = links[pair];
                var mask = bridgeMasks[pair++];
                if (cost == 0 || cost > 20) continue; // about a third of the links are missing
                var heads = bySite[to].Where((_, k) => (mask & (1 << k)) != 0).Select(s => s.Name).DefaultIfEmpty(bySite[to][0].Name).ToArray();
                connectors.Add(SiteLink($"link{from}{to}", sites[from], sites[to], cost, heads));
            }
        }
        var n = 0;
        foreach (var spec in connectorSpecs)
        {
            var site = bySite[spec[0] % siteCount];
            var on = site.Where((_, k) => (spec[1] & (1 << k)) != 0).Select(s => s.Name).DefaultIfEmpty(site[0].Name).ToArray();
            var spaces = SpaceChoices.Where((_, k) => (spec[2] & (1 << k)) != 0)
                .Select((c, k) => Space(c.Type, c.Pattern, 1 + ((spec[3] + (k * 37)) % 100), (spec[4] & 1) == 1 && k % 2 == 0 ? AddressSpaceScope.Site : AddressSpaceScope.Organization))
                .ToArray();
            var typeMap = spec[6] == 1 ? new Dictionary<string, AddressType> { ["SMTPOUT"] = AddressType.Smtp } : null;
            connectors.Add(Internet($"net{n++}", on, spaces,
                smartHost: spec[5] == 2 ? "smarthost.example:587" : null,
                forwards: spec[5] == 3 ? [new DomainForward("ext.com", "10.5.5.5:25")] : null,
                typeMap: typeMap));
        }

        var domains = new List<AcceptedDomain> { Authoritative("contoso.com") };
        if ((domainFlags & 1) != 0) domains.Add(ExternalRelay("fwd.example", "10.7.7.7:2525"));
        if ((domainFlags & 2) != 0) domains.Add(InternalRelay("shared.example", "legacy.example:25"));
        if ((domainFlags & 4) != 0) domains.Add(Authoritative("corp.example", subdomains: true));

        var relay = Relay(
            authenticated: (relayFlags & 1) != 0,
            allow: AllowChoices.Where((_, k) => (relayFlags & (2 << k)) != 0).ToArray(),
            deny: DenyChoices.Where((_, k) => (relayFlags & (32 << k)) != 0).ToArray(),
            locals: LocalChoices.Where((_, k) => (relayFlags & (128 << k)) != 0).ToArray());

        string Home(int i) => servers[homes[i] % servers.Length].Name;
        var recipients = new List<DirectoryRecipient>
        {
            Box("jdoe", Home(0), "SMTP:jdoe@contoso.com", "smtp:JDoe@contoso.com"),
            Contact("pat", "SMTP:pat@partner.example", sites[^1], "SMTP:pat@contoso.com"),
            Contact("legacy", "SMTPOUT:user@internal.domain.com", sites[0], "SMTP:legacy@contoso.com"),
            Contact("mueller", "X400:c=US;a= ;p=Partner;s=Mueller", null, "SMTP:mueller@contoso.com"),
            Contact("fwdc", "SMTP:someone@fwd.example", null, "SMTP:fwdc@contoso.com"),
            Contact("loop", "SMTP:jdoe@contoso.com", null, "SMTP:loop@contoso.com"),
            new DistributionListRecipient("all", "all", Directory.Recipients.Proxies("SMTP:all@contoso.com"), ["jdoe", "pat"], homes[1] % 2 == 0 ? null : Home(1)),
        };
        if ((domainFlags & 2) != 0) recipients.Add(Box("kim", Home(2), "SMTP:kim@shared.example"));

        var config = Config(servers, [.. connectors], [.. domains], Dir([.. recipients]), relay) with
        {
            SenderRouting = new SenderRoutingOptions { AllowPercentHack = (routingFlags & 1) != 0, SwapBangPath = (routingFlags & 2) != 0 },
        };
        var names = servers.Select(s => s.Name).Concat(connectors.Select(c => c.Name)).ToArray();
        var down = names.Where((_, k) => k < 8 && (downMask & (1 << k)) != 0).ToArray();
        var server = servers[me % servers.Length];

        description.Add($"this server {server.Name}; down [{string.Join(", ", down)}]");
        description.AddRange(connectors.Select(c => c.Kind == ConnectorKind.Site
            ? $"site connector {c.Name} {c.SourceSite}->{c.TargetSite} cost {c.Cost} bridgeheads {string.Join(",", c.Bridgeheads)}"
            : $"internet connector {c.Name} on {string.Join(",", c.Servers)}: {string.Join(", ", c.AddressSpaces.Select(s => $"{s.Type}:{s.Pattern} cost {s.Cost} {s.Scope}"))}"
              + (c.SmartHost is null ? "" : " smart host") + (c.ForwardDomains.Count > 0 ? " forwards ext.com" : "") + (c.OutboundTypeMap.Count > 0 ? " SMTPOUT->SMTP" : "")));
        description.Add($"domains {string.Join(", ", domains.Select(d => $"{d.Domain} {d.Kind}"))}");
        description.Add($"relay auth={relay.AllowAuthenticated} allow=[{string.Join(", ", relay.AllowClients)}] deny=[{string.Join(", ", relay.DenyClients)}] locals=[{string.Join(", ", relay.AllowLocalAddresses)}]");
        description.Add($"percent hack {config.SenderRouting.AllowPercentHack}, bang path {config.SenderRouting.SwapBangPath}");
        return new Scenario(config, server, down, string.Join("\n", description));
    }

    private static readonly Gen<ClientFacts> Clients =
        from remote in Gen.Elements("10.1.2.3", "10.66.1.1", "::ffff:10.1.2.3", "::ffff:10.66.1.1", "192.0.2.1", "2001:db8::5", "2001:db8:bad::5",
            "2001:db9::1", "172.16.0.5", "::ffff:172.16.0.5", "127.0.0.1", "::1")
        from local in Gen.Elements("127.0.0.2", "127.0.0.3", "::ffff:127.0.0.2", "::ffff:127.0.0.3", "::1")
        from auth in Gen.Elements<string?>(null, null, "alice")
        select new ClientFacts(IPAddress.Parse(remote), IPAddress.Parse(local), auth);

    private static readonly string[] LocalParts =
    [
        "jdoe", "JDoe", "pat", "legacy", "mueller", "fwdc", "loop", "all", "kim", "nobody", "postmaster", "Postmaster",
        "user%ext.com", "user%jdoe%contoso.com", "jdoe%contoso.com", "ext.com!user", "a.example!ext.com!user", "contoso.com!jdoe",
        "user@ext.com", "IMCEA user@domain2.com", "jdoe@contoso.com", "user%ext.com@contoso.com", "a b", "pat@partner.example",
    ];

    private static readonly string[] Domains =
    [
        "contoso.com", "CONTOSO.COM", "Contoso.Com", "contoso.com.", "fwd.example", "FWD.example", "sub.fwd.example", "shared.example",
        "corp.example", "a.corp.example", "ext.com", "EXT.COM", "partner.example", "a.example", "internal.domain.com", "domain2.com",
        "[192.0.2.1]", "[127.0.0.2]", "[IPv6:2001:db8::1]", "[IPv6:::ffff:127.0.0.2]",
    ];

    private static readonly Gen<Mailbox> Plain =
        from local in Gen.Elements(LocalParts)
        from domain in Gen.Elements(Domains)
        select new Mailbox(local, domain);

    // An address of some type, IMCEA-encapsulated once or twice at one of our domains (a forwarded one included).
    private static readonly Gen<Mailbox> Encapsulated =
        from inner in Plain
        from type in Gen.Elements("SMTP", "SMTP", "SMTPOUT", "X400", "EX", "FAX")
        from levels in Gen.Choose(1, 2)
        from at in Gen.Elements("contoso.com", "fwd.example", "shared.example", "a.corp.example", "ext.com")
        select Encapsulate(inner, type, levels, at);

    private static Mailbox Encapsulate(Mailbox inner, string type, int levels, string domain)
    {
        var value = type switch
        {
            "SMTP" or "SMTPOUT" => inner.ToWire(),
            "X400" => "c=US;a= ;p=Partner;s=" + inner.LocalPart.Replace(";", "", StringComparison.Ordinal),
            "EX" => "/O=CONTOSO/CN=RECIPIENTS/CN=" + inner.LocalPart,
            _ => "+1555" + inner.LocalPart.Length,
        };
        if (!TypedAddress.TryCreate(AddressType.Parse(type), value, out var address, out _)) return inner;
        var m = inner;
        for (var i = 0; i < levels; i++)
        {
            if (!Imcea.TryEncapsulate(address, domain, out var outer, out _)) break;
            m = outer;
            address = TypedAddress.FromMailbox(m);
        }
        return m;
    }

    // What a client writes after RCPT TO:, source routes and case changes included.
    private static readonly Gen<string> Paths =
        from mailbox in Gen.Frequency((3, Plain), (2, Encapsulated))
        from route in Gen.Elements("", "", "", "@contoso.com:", "@ext.com,@contoso.com:", "@[192.0.2.1]:")
        from upper in Gen.Elements(false, false, true)
        let text = "<" + route + mailbox.ToWire() + ">"
        select upper ? text.ToUpperInvariant() : text;

    [Fact]
    public void Every_verdict_that_leaves_the_organization_holds_a_relay_permission_unless_it_is_a_contact()
    {
        var seen = new Dictionary<string, int>();
        void Count(string what) => seen[what] = seen.GetValueOrDefault(what) + 1;

        Check.One(Properties.Deterministic(3000), Prop.ForAll(Scenarios.ToArbitrary(), Clients.ToArbitrary(), Paths.ArrayOf(8).ToArbitrary(), (scenario, client, paths) =>
        {
            var table = RoutingTable.Build(scenario.Config, scenario.Server, RoutingHealth.Of(scenario.Down, scenario.Down));
            foreach (var path in paths)
            {
                var pos = 0;
                if (!SmtpPathParser.TryParseForwardPath(path, ref pos, utf8: true, out var mailbox, out var sourceRoute, out _) || pos != path.Length)
                {
                    Count("not an RCPT path (501)");
                    continue;
                }
                var v = RecipientRouter.Route(table, mailbox, client, sourceRoute);
                var context = $"{path} from {client.RemoteAddress} on {client.LocalAddress} auth {client.AuthenticatedUser ?? "-"}\n{scenario}\n  {string.Join("\n  ", v.Trace)}";
                var r = v.Route;

                Assert.True(v.Accepted == (v.Refusal is null), context);
                if (v.Refusal is { } refusal) Assert.True(refusal.Code == 550, context);
                if (v.Relay is { Allowed: false })
                {
                    Assert.True(r.Action == RouteAction.Reject && r.Refusal!.Status!.ToString() == "5.7.1", "a refused relay must refuse the recipient\n" + context);
                    Count("relay refused");
                }

                var leaves = r.Action is RouteAction.SendViaConnector or RouteAction.RelayToServer or RouteAction.Hold
                    && r.WireAddress is { } wire
                    && (wire.Mailbox is { } m ? scenario.Config.FindAcceptedDomain(m.Domain) is null : wire.Type != AddressType.Ex && wire.Type != AddressType.X500);
                if (leaves)
                {
                    if (v.Destination.Recipient is ContactRecipient)
                    {
                        Count("leaves: a contact");
                    }
                    else
                    {
                        Assert.True(v.Relay?.Allowed == true, "mail leaves the organization without a relay permission\n" + context);
                        Count($"leaves: {r.Action}, relay allowed");
                    }
                }
                else if (r.Action == RouteAction.SendViaConnector)
                {
                    // Not leaving, yet sent through a connector: an accepted domain's own forwarding host, or a one-off whose
                    // outbound type map made it an address at one of our domains (relay-checked as the one-off it was).
                    var forwarding = r.Connector!.StartsWith("accepted-domain ", StringComparison.Ordinal);
                    Assert.True(forwarding || v.Relay?.Allowed == true, context);
                    Count(forwarding ? "forwarded for an accepted domain" : "type-mapped into an accepted domain");
                }

                // The SMTP server decides without the trace; the decision must not depend on it (the CLI and the server agree).
                var quiet = RecipientRouter.Route(table, mailbox, client, sourceRoute, explain: false);
                Assert.True(Describe(r) == Describe(quiet.Route), $"with and without the trace: {Describe(r)} / {Describe(quiet.Route)}\n{context}");
                Count(r.Action.ToString());
            }
        }));

        // The generators must reach every kind of outcome often, or the property proves little.
        var report = string.Join(", ", seen.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}: {kv.Value}"));
        foreach (var (what, least) in new[]
        {
            ("relay refused", 500), ("leaves: SendViaConnector, relay allowed", 300), ("leaves: RelayToServer, relay allowed", 100),
            ("leaves: Hold, relay allowed", 50), ("leaves: a contact", 100), ("forwarded for an accepted domain", 100),
            ("DeliverLocal", 100), ("Expand", 20), ("not an RCPT path (501)", 100), ("Reject", 1000),
        })
        {
            Assert.True(seen.GetValueOrDefault(what) >= least, $"{what}: {seen.GetValueOrDefault(what)} < {least} ({report})");
        }
    }

    private static string Describe(RouteDecision r) => $"{r.Action} {r.Connector} {r.NextHop} {r.WireAddress} {r.Refusal?.ToWire()}";
}
