using System.Net;
using BenchmarkDotNet.Attributes;
using Gatehouse.Core.Addresses;
using Gatehouse.Core.Configuration;
using Gatehouse.Core.Directory;
using Gatehouse.Core.Policy;
using Gatehouse.Core.Routing;

namespace Gatehouse.Bench.Directory;

/// <summary>One route decision (resolve, relay, route) with 1,000,000 directory recipients and 10,000 address spaces (issue 4).</summary>
[MemoryDiagnoser]
public class RouteDecisionBenchmark
{
    private const int Probes = 4096;
    private RoutingTable _table = null!;
    private Mailbox[] _mailboxes = null!;
    private Mailbox[] _outside = null!;
    private ClientFacts _inside = null!;
    private int _i;

    [GlobalSetup]
    public void Setup()
    {
        var (config, me) = RoutingFixture.Organization(1_000_000, 10_000);
        _table = RoutingTable.Build(config, me, RoutingHealth.AllUp);
        var rng = new Random(42);
        _mailboxes = Enumerable.Range(0, Probes).Select(_ => new Mailbox("user" + rng.Next(1_000_000), "example.com")).ToArray();
        _outside = Enumerable.Range(0, Probes).Select(_ => new Mailbox("someone", $"d{rng.Next(10_000)}.example")).ToArray();
        _inside = new ClientFacts(IPAddress.Parse("10.1.2.3"), IPAddress.Loopback, null);
    }

    [Benchmark(Description = "Route(directory mailbox in another site)")]
    public RecipientVerdict Mailbox() => RecipientRouter.Route(_table, _mailboxes[_i++ & (Probes - 1)], _inside, explain: false);

    [Benchmark(Description = "Route(outside address, 10k address spaces)")]
    public RecipientVerdict Outside() => RecipientRouter.Route(_table, _outside[_i++ & (Probes - 1)], _inside, explain: false);
}

/// <summary>An organization of two sites, a million mailboxes and ten thousand address spaces.</summary>
public static class RoutingFixture
{
    public static (GatehouseConfig Config, ServerConfig Me) Organization(int recipients, int addressSpaces)
    {
        ServerConfig Server(string name, string site) => new(name, name + ".example.com", "/tmp", [new ListenerConfig("inbound", IPAddress.Loopback, 25, ListenerRole.Inbound, 0)], new TlsConfig(null, null), null) { Site = site };
        var servers = new[] { Server("gate1", "hq"), Server("gate2", "eu") };
        var connectors = new List<ConnectorConfig>();
        var perConnector = 100;
        for (var c = 0; c * perConnector < addressSpaces; c++)
        {
            var spaces = Enumerable.Range(c * perConnector, Math.Min(perConnector, addressSpaces - (c * perConnector)))
                .Select(i => new AddressSpace(AddressType.Smtp, $"d{i}.example", 1 + (i % 50), AddressSpaceScope.Organization)).ToArray();
            connectors.Add(new ConnectorConfig($"internet{c}", ConnectorKind.Internet, [c % 2 == 0 ? "gate1" : "gate2"], spaces, null, [], new Dictionary<string, AddressType>(), null, null, null, 1, []));
        }
        connectors.Add(new ConnectorConfig("hq-eu", ConnectorKind.Site, [], [], null, [], new Dictionary<string, AddressType>(), null, "hq", "eu", 10, ["gate2"]));
        var directory = DirectoryFixture.Build(DirectoryFixture.Recipients(recipients).Select(r => (DirectoryRecipient)((MailboxRecipient)r with { HomeServer = "gate2" })).ToList());
        var limits = new SmtpLimits(1 << 20, 100, 2048, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(5), 1000, 50, 20, BareLineEndings.Reject, TimeSpan.FromSeconds(10));
        var config = new GatehouseConfig("Bench", ["example.com"], servers, [], limits, SpoolSync.Syncfs, new LoggingConfig("warning", "text"), null)
        {
            Directory = directory,
            Sites = [new SiteConfig("hq"), new SiteConfig("eu")],
            Domains = [new AcceptedDomain("example.com", AcceptedDomainKind.Authoritative, null, false)],
            Connectors = connectors,
            Relay = new RelayPermissions(false, [IPNetwork.Parse("10.0.0.0/8")], [], []),
        };
        return (config, servers[0]);
    }
}
