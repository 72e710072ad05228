using Gatehouse.Core.Configuration;

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

    private RoutingTable(GatehouseConfig config, ServerConfig server, RoutingHealth health, IReadOnlyList<RouteCandidate> routes, Dictionary<string, SitePath> paths)
    {
        Config = config;
        Server = server;
        Health = health;
        Routes = routes;
        _paths = paths;
    }

    public GatehouseConfig Config { get; }

    public ServerConfig Server { get; }

    public RoutingHealth Health { get; }

    /// <summary>Every route out of the organization, usable or not, cheapest first.</summary>
    public IReadOnlyList<RouteCandidate> Routes { get; }

    /// <summary>The path to a site, or null when no usable site connectors lead there (or it is this site).</summary>
    public SitePath? PathToSite(string site) => _paths.GetValueOrDefault(site);

    public static RoutingTable Build(GatehouseConfig config, ServerConfig server, RoutingHealth health)
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
        return new RoutingTable(config, server, health, routes, paths);
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
