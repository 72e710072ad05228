using System.Net;
using Gatehouse.Core.Addresses;
using Gatehouse.Core.Configuration;
using Gatehouse.Core.Directory;
using Gatehouse.Core.Policy;
using Gatehouse.Core.Routing;

namespace Gatehouse.Core.Tests.Routing;

/// <summary>The SMTP server decides without the trace and <c>gatehouse route</c> with it: the decisions must be the same.</summary>
public class ExplainEquivalenceTests
{
    private static readonly (GatehouseConfig Config, ServerConfig Me) Org = Build();

    private static (GatehouseConfig, ServerConfig) Build()
    {
        ServerConfig Server(string name, string site) => new(name, name + ".contoso.com", "/tmp", [new ListenerConfig("inbound", IPAddress.Loopback, 25, ListenerRole.Inbound, 0)], new TlsConfig(null, null), null) { Site = site };
        var servers = new[] { Server("hq1", "hq"), Server("hq2", "hq"), Server("eu1", "eu") };
        var noMap = new Dictionary<string, AddressType>();
        var connectors = new List<ConnectorConfig>
        {
            new("net-hq", ConnectorKind.Internet, ["hq2"], [new(AddressType.Smtp, "*", 5, AddressSpaceScope.Organization), new(AddressType.Smtp, "partner.example", 1, AddressSpaceScope.Organization)], null, [new DomainForward("partner.example", "10.9.9.9")], noMap, null, null, null, 1, []),
            new("net-eu", ConnectorKind.Internet, ["eu1"], [new(AddressType.Smtp, "*", 1, AddressSpaceScope.Organization), new(AddressType.Parse("SMTPOUT"), "*", 1, AddressSpaceScope.Organization)], "smart.eu.example", [], new Dictionary<string, AddressType> { ["SMTPOUT"] = AddressType.Smtp }, null, null, null, 1, []),
            new("hq-eu", ConnectorKind.Site, [], [], null, [], noMap, null, "hq", "eu", 10, ["eu1"]),
        };
        ProxyAddress P(string s) => ProxyAddress.TryParse(s, out var p, out _) ? p : throw new FormatException(s);
        var directory = RecipientDirectory.Build(
        [
            new MailboxRecipient("jdoe", "John Doe", [P("SMTP:jdoe@contoso.com")], "eu1"),
            new MailboxRecipient("ann", "Ann", [P("SMTP:ann@contoso.com")], "hq1"),
            new ContactRecipient("pat", "Pat", [P("SMTP:pat@contoso.com")], TypedAddress.Create(AddressType.Smtp, "pat@partner.example")),
            new DistributionListRecipient("all", "All", [P("SMTP:all@contoso.com")], ["jdoe", "ann"], "eu1"),
        ], [], out _);
        var limits = new SmtpLimits(1 << 20, 100, 2048, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(5), 1000, 50, 20, BareLineEndings.Reject, TimeSpan.FromSeconds(10));
        var config = new GatehouseConfig("Contoso", ["contoso.com", "fwd.example"], servers, [], limits, SpoolSync.Syncfs, new LoggingConfig("warning", "text"), null)
        {
            Directory = directory,
            Sites = [new SiteConfig("hq"), new SiteConfig("eu")],
            Domains = [new AcceptedDomain("contoso.com", AcceptedDomainKind.Authoritative, null, false), new AcceptedDomain("fwd.example", AcceptedDomainKind.ExternalRelay, "10.0.0.7", true)],
            Connectors = connectors,
            Relay = new RelayPermissions(true, [IPNetwork.Parse("10.0.0.0/8")], [], [IPNetwork.Parse("10.66.0.0/16")]),
        };
        return (config, servers[0]);
    }

    public static TheoryData<string> Addresses => new()
    {
        "jdoe@contoso.com", "ANN@CONTOSO.COM", "pat@contoso.com", "all@contoso.com", "nobody@contoso.com", "postmaster@contoso.com",
        "someone@partner.example", "someone@elsewhere.example", "IMCEASMTP-x+40elsewhere.example@contoso.com", "IMCEASMTPOUT-u+40internal.example@contoso.com",
        "IMCEAX400-c=US+3Bp=x@contoso.com", "\"IMCEA user@domain2.com\"@fwd.example", "user%ext.example@contoso.com", "any@sub.fwd.example", "IMCEASMTP-bad+4@contoso.com",
    };

    [Theory]
    [MemberData(nameof(Addresses))]
    public void Decisions_are_the_same_with_and_without_the_trace(string address)
    {
        var pos = 0;
        Assert.True(SmtpPathParser.TryParseForwardPath("<" + address + ">", ref pos, true, out var mailbox, out _));
        foreach (var down in new[] { RoutingHealth.AllUp, RoutingHealth.Of(["eu1"], []), RoutingHealth.Of(["hq2"], ["hq-eu"]) })
        {
            var table = RoutingTable.Build(Org.Config, Org.Me, down);
            foreach (var client in new[] { new ClientFacts(IPAddress.Parse("192.0.2.1"), IPAddress.Loopback, null), new ClientFacts(IPAddress.Parse("10.1.1.1"), IPAddress.Loopback, null), new ClientFacts(IPAddress.Parse("10.66.1.1"), IPAddress.Loopback, "bob") })
            {
                var loud = RecipientRouter.Route(table, mailbox, client, explain: true);
                var quiet = RecipientRouter.Route(table, mailbox, client, explain: false);
                Assert.Equal(loud.Route, quiet.Route);
                Assert.Equal(loud.Destination.Kind, quiet.Destination.Kind);
                Assert.Equal(loud.Destination.Address, quiet.Destination.Address);
                Assert.Equal(loud.Relay?.Allowed, quiet.Relay?.Allowed);
                Assert.NotEmpty(loud.Trace);
                Assert.Empty(quiet.Trace);
            }
        }
    }
}
