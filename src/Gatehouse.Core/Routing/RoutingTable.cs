using Gatehouse.Core.Addresses;
using Gatehouse.Core.Configuration;
using Gatehouse.Core.Resolution;

using System.Net;
using Gatehouse.Core.Policy;

namespace Gatehouse.Core.Routing;

/// <summary>One way out of the organization as seen from one server: an address space of a connector on some server, at a total cost.</summary>
/// <param name="Server">The server that runs the connector (the next hop when it is not this server).</param>
/// <param name="Cost">Address space cost plus the cost of the site connectors on the way to <paramref name="Server"/>.</param>
/// <param name="SitePath">The site connectors crossed to reach <paramref name="Server"/>, in order; empty within the site.</param>
/// <param name="Unavailable">Why this route cannot be used now (server or connector down, no site path, site scope), or null.</param>
public sealed record RouteCandidate(ConnectorConfig Connector, AddressSpace Space, string Server, int Cost, IReadOnlyList<string> SitePath, string? Unavailable);

/// <summary>The cheapest way from this server's site to another site over site connectors.</summary>
/// <param name="Connectors">The site connectors in order.</param>
/// <param name="Bridgeheads">The first connector's target bridgeheads that are up: the next hop.</param>
public sealed record SitePath(int Cost, IReadOnlyList<ConnectorConfig> Connectors, IReadOnlyList<string> Bridgeheads);

/// <summary>The routing table of one server (Exchange's GWART): every address space of every internet connector with its total cost from here, and the site paths.</summary>
/// <remarks>
/// Computed from the configuration snapshot and the health input alone. Routes that cannot be
/// used now stay in the table with the reason, so that a trace can say what was skipped and why.
/// Site paths are the cheapest (Dijkstra) over site connectors that are up and have a bridgehead
/// that is up.
/// </remarks>
public sealed class RoutingTable
{
    private readonly Dictionary<string, SitePath> _paths;
    private readonly Dictionary<string, ServerConfig> _servers;
    private readonly HashSet<IPAddress> _organizationServers;

    // SMTP address spaces indexed by pattern, so that a decision costs a few hash look-ups however
    // many address spaces there are: exact domains, "*.suffix" by suffix, and "*".
    private readonly Dictionary<string, List<RouteCandidate>> _smtpExact = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, List<RouteCandidate>> _smtpSuffix = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<RouteCandidate> _smtpAny = [];
    private readonly Dictionary<string, List<RouteCandidate>> _otherTypes = new(StringComparer.Ordinal);

    private RoutingTable(GatehouseConfig config, ServerConfig server, RoutingHealth health, IReadOnlyList<RouteCandidate> routes, Dictionary<string, SitePath> paths,
        IReadOnlyCollection<IPAddress> hostAddresses)
    {
        Config = config;
        Server = server;
        Health = health;
        Routes = routes;
        _paths = paths;
        _servers = config.Servers.ToDictionary(s => s.Name, StringComparer.OrdinalIgnoreCase);
        HostAddresses = hostAddresses;
        var ownLiterals = OwnAddressLiterals(server, hostAddresses);
        Resolver = new ResolverContext(d => config.FindAcceptedDomain(d) is not null, config.Directory, config.SenderRouting)
        {
            IsOwnAddressLiteral = ownLiterals.Contains,
        };
        QuietResolver = Resolver with { Explain = false };
        // The other servers, by the addresses they send from and listen on. This server's own addresses are
        // left out: it never sends to itself, and a local client (often on the same loopback address) must
        // not pass for a server of the organization.
        var own = server.Listeners.Select(l => l.Address).Append(server.OutboundAddress).OfType<IPAddress>().ToHashSet();
        _organizationServers = config.Servers.Where(s => !s.Name.Equals(server.Name, StringComparison.OrdinalIgnoreCase))
            .SelectMany(s => s.Listeners.Select(l => l.Address).Append(s.OutboundAddress))
            .OfType<IPAddress>()
            .Where(a => !a.Equals(IPAddress.Any) && !a.Equals(IPAddress.IPv6Any) && !own.Contains(a))
            .ToHashSet();
        foreach (var r in routes)
        {
            var p = r.Space.Pattern;
            var list = !r.Space.Type.IsSmtp ? Bucket(_otherTypes, r.Space.Type.Name)
                : p == "*" ? _smtpAny
                : p.StartsWith("*.", StringComparison.Ordinal) ? Bucket(_smtpSuffix, p[2..])
                : Bucket(_smtpExact, p);
            list.Add(r);
        }
    }

    /// <summary>The relay facts of a client: another server of the organization, known by an address in the configuration, is <see cref="ClientFacts.Internal"/>.</summary>
    public ClientFacts Facts(IPAddress remote, IPAddress local, string? authenticatedUser) =>
        new(remote, local, authenticatedUser) { Internal = _organizationServers.Contains(remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote) };

    private static List<RouteCandidate> Bucket(Dictionary<string, List<RouteCandidate>> d, string key)
    {
        if (!d.TryGetValue(key, out var list)) d[key] = list = [];
        return list;
    }

    /// <summary>The routes whose address space covers <paramref name="address"/>, with the specificity of each match (see <see cref="AddressSpaceMatcher"/>).</summary>
    public IReadOnlyList<(RouteCandidate Route, int Specificity)> Matching(TypedAddress address)
    {
        var list = new List<(RouteCandidate Route, int Specificity)>(4);
        Matching(address, list);
        return list;
    }

    /// <summary>Adds the matching routes to <paramref name="into"/>: a few hash look-ups, no allocation of its own.</summary>
    public void Matching(TypedAddress address, List<(RouteCandidate Route, int Specificity)> into)
    {
        if (address.Mailbox is { } m)
        {
            var domain = m.Domain;
            if (_smtpExact.TryGetValue(domain, out var exact))
            {
                foreach (var r in exact) into.Add((r, AddressSpaceMatcher.Match(r.Space, address)));
            }
            // Every proper suffix of the domain at a label boundary: a.b.example.com → b.example.com, example.com, com.
            if (_smtpSuffix.Count > 0)
            {
                var suffixes = _smtpSuffix.GetAlternateLookup<ReadOnlySpan<char>>();
                for (var dot = domain.IndexOf('.'); dot >= 0; dot = domain.IndexOf('.', dot + 1))
                {
                    if (suffixes.TryGetValue(domain.AsSpan(dot + 1), out var suffix))
                    {
                        foreach (var r in suffix) into.Add((r, AddressSpaceMatcher.Match(r.Space, address)));
                    }
                }
            }
            foreach (var r in _smtpAny) into.Add((r, 0));
            return;
        }
        if (_otherTypes.TryGetValue(address.Type.Name, out var others))
        {
            foreach (var r in others)
            {
                var s = AddressSpaceMatcher.Match(r.Space, address);
                if (s >= 0) into.Add((r, s));
            }
        }
    }

    public GatehouseConfig Config { get; }

    /// <summary>The host's addresses this table was built with (for a listener on every address).</summary>
    public IReadOnlyCollection<IPAddress> HostAddresses { get; }

    /// <summary>The resolver context of this configuration, with and without explanations; built once, not per recipient.</summary>
    public ResolverContext Resolver { get; }

    public ResolverContext QuietResolver { get; }

    public ServerConfig Server { get; }

    public RoutingHealth Health { get; }

    /// <summary>Every route out of the organization, usable or not, cheapest first.</summary>
    public IReadOnlyList<RouteCandidate> Routes { get; }

    /// <summary>A server of the organization by name (case-insensitive), or null.</summary>
    public ServerConfig? FindServer(string name) => _servers.GetValueOrDefault(name);

    /// <summary>The path to a site, or null when no usable site connectors lead there (or it is this site).</summary>
    public SitePath? PathToSite(string site) => _paths.GetValueOrDefault(site);

    /// <summary>The address literals that name this server, as the SMTP parser writes them: its listeners' addresses, and for a listener on
    /// every address (0.0.0.0, ::) the host's addresses of that family.</summary>
    public static HashSet<string> OwnAddressLiterals(ServerConfig server, IReadOnlyCollection<IPAddress> hostAddresses)
    {
        var literals = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var l in server.Listeners)
        {
            var any = l.Address.Equals(IPAddress.Any) || l.Address.Equals(IPAddress.IPv6Any);
            // A listener on :: takes IPv4 connections too (dual stack), so it stands for the host's IPv4 addresses as well.
            var addresses = any
                ? hostAddresses.Select(a => a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a).Where(a => l.Address.Equals(IPAddress.IPv6Any) || a.AddressFamily == l.Address.AddressFamily)
                : [l.Address];
            foreach (var a in addresses) literals.Add(AddressLiteral(a));
        }
        return literals;
    }

    /// <summary>An IP address as an SMTP address literal: <c>[192.0.2.1]</c>, <c>[IPv6:2001:db8::1]</c> (an IPv4-mapped address as IPv4, no scope).</summary>
    public static string AddressLiteral(IPAddress a)
    {
        if (a.IsIPv4MappedToIPv6) a = a.MapToIPv4();
        return a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[IPv6:{new IPAddress(a.GetAddressBytes())}]" : $"[{a}]";
    }

    /// <param name="hostAddresses">The host's own addresses, which a listener on every address answers on; the edge that can ask the system supplies them.</param>
    public static RoutingTable Build(GatehouseConfig config, ServerConfig server, RoutingHealth health, IReadOnlyCollection<IPAddress>? hostAddresses = null)
    {
        var servers = config.Servers.ToDictionary(s => s.Name, StringComparer.OrdinalIgnoreCase);
        var paths = SitePaths(config, server.Site, health);
        var routes = new List<RouteCandidate>();
        foreach (var c in config.Connectors.Where(c => c.Kind == ConnectorKind.Internet))
        {
            foreach (var space in c.AddressSpaces)
            {
                foreach (var name in c.Servers)
                {
                    if (!servers.TryGetValue(name, out var s)) continue;
                    string? why = null;
                    var pathCost = 0;
                    IReadOnlyList<string> via = [];
                    if (s.Site != server.Site)
                    {
                        if (paths.TryGetValue(s.Site, out var p))
                        {
                            pathCost = p.Cost;
                            via = p.Connectors.Select(x => x.Name).ToArray();
                        }
                        else
                        {
                            why = $"no usable site connector path from site {server.Site} to site {s.Site}";
                        }
                        if (space.Scope == AddressSpaceScope.Site) why = $"address space is scoped to site {s.Site}";
                    }
                    if (health.IsConnectorDown(c.Name)) why = $"connector {c.Name} is down";
                    else if (health.IsServerDown(s.Name)) why = $"server {s.Name} is down";
                    routes.Add(new RouteCandidate(c, space, s.Name, space.Cost + pathCost, via, why));
                }
            }
        }
        routes.Sort((a, b) => a.Cost != b.Cost ? a.Cost.CompareTo(b.Cost) : string.CompareOrdinal(a.Connector.Name, b.Connector.Name));
        return new RoutingTable(config, server, health, routes, paths, hostAddresses ?? []);
    }

    private static Dictionary<string, SitePath> SitePaths(GatehouseConfig config, string from, RoutingHealth health)
    {
        var usable = config.Connectors.Where(c => c.Kind == ConnectorKind.Site && !health.IsConnectorDown(c.Name)
            && c.Bridgeheads.Any(b => !health.IsServerDown(b))
            && (c.Servers.Count == 0 || c.Servers.Any(s => !health.IsServerDown(s)))).ToList();
        var best = new Dictionary<string, (int Cost, List<ConnectorConfig> Path)>(StringComparer.OrdinalIgnoreCase) { [from] = (0, []) };
        var done = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        while (true)
        {
            var next = best.Where(kv => !done.Contains(kv.Key)).OrderBy(kv => kv.Value.Cost).ThenBy(kv => kv.Key, StringComparer.Ordinal).FirstOrDefault();
            if (next.Key is null) break;
            done.Add(next.Key);
            foreach (var c in usable.Where(c => string.Equals(c.SourceSite, next.Key, StringComparison.OrdinalIgnoreCase)))
            {
                var cost = next.Value.Cost + c.Cost;
                if (!best.TryGetValue(c.TargetSite!, out var known) || cost < known.Cost) best[c.TargetSite!] = (cost, [.. next.Value.Path, c]);
            }
        }
        var result = new Dictionary<string, SitePath>(StringComparer.OrdinalIgnoreCase);
        foreach (var (site, (cost, path)) in best)
        {
            if (path.Count == 0) continue;
            result[site] = new SitePath(cost, path, path[0].Bridgeheads.Where(b => !health.IsServerDown(b)).ToArray());
        }
        return result;
    }
}
