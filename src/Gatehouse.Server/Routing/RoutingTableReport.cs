using Gatehouse.Core.Routing;
using Gatehouse.Server.Configuration;

namespace Gatehouse.Server.Routing;

/// <summary>One server's routing table as an administrator reads it: <c>gatehouse routes</c> prints it, the admin API's <c>GET /routes</c> answers it as JSON.</summary>
/// <remarks>
/// Built from a <see cref="RoutingTable"/> alone, so the same code describes the table of a
/// configuration file (the CLI, with <c>--down</c> as the health input) and the table a running
/// server routes by (with the next hops delivery found down).
/// </remarks>
/// <param name="Routes">Every internet connector address space, cheapest first; unusable ones stay with the reason.</param>
/// <param name="Sites">The cheapest path to every other site.</param>
public sealed record RoutingTableReport(string Server, string Site, IReadOnlyList<RouteEntry> Routes, IReadOnlyList<SiteRoute> Sites, IReadOnlyList<AcceptedDomainEntry> AcceptedDomains)
{
    public static RoutingTableReport Of(RoutingTable table)
    {
        var me = table.Server;
        var config = table.Config;
        var routes = table.Routes.Select(r =>
        {
            var site = table.FindServer(r.Server)?.Site;
            var via = r.SitePath.Count > 0 ? "site path " + string.Join(" > ", r.SitePath)
                : string.Equals(site, me.Site, StringComparison.OrdinalIgnoreCase) ? "this site" : $"site {site}";
            return new RouteEntry(r.Space.Type.Name, r.Space.Pattern, r.Cost, r.Connector.Name, r.Server, site, r.SitePath, via, r.Unavailable);
        }).ToArray();
        var sites = config.Sites.Where(s => s.Name != me.Site).Select(s => table.PathToSite(s.Name) is { } p
            ? new SiteRoute(s.Name, p.Cost, p.Connectors.Select(c => c.Name).ToArray(), p.Bridgeheads)
            : new SiteRoute(s.Name, null, [], [])).ToArray();
        var domains = config.Domains.Select(d => new AcceptedDomainEntry(d.Domain, d.IncludeSubdomains, ConfigValues.SnakeCase(d.Kind.ToString()), d.ForwardTo)).ToArray();
        return new RoutingTableReport(me.Name, me.Site, routes, sites, domains);
    }

    /// <summary>The text of <c>gatehouse routes</c>, one line per element.</summary>
    public IEnumerable<string> ToLines()
    {
        yield return $"routing table of server {Server} (site {Site})";
        if (Routes.Count == 0) yield return "  no internet connectors: mail can leave the organization by no route";
        else
        {
            yield return $"  {"type",-8} {"pattern",-28} {"cost",5}  {"connector",-20} {"server",-14} via / status";
            foreach (var r in Routes)
            {
                yield return $"  {r.Type,-8} {r.Pattern,-28} {r.Cost,5}  {r.Connector,-20} {r.Server,-14} {r.Via}{(r.Unavailable is null ? "" : $"; UNAVAILABLE: {r.Unavailable}")}";
            }
        }
        foreach (var s in Sites)
        {
            yield return s.Cost is null
                ? $"  site {s.Site}: no usable site connector path"
                : $"  site {s.Site}: cost {s.Cost} via {string.Join(" > ", s.Connectors)}; bridgeheads {string.Join(", ", s.Bridgeheads)}";
        }
        foreach (var d in AcceptedDomains)
        {
            yield return $"  accepted domain {d.Domain}{(d.IncludeSubdomains ? " (and subdomains)" : "")}: {d.Kind}{(d.ForwardTo is null ? "" : " -> " + d.ForwardTo)}";
        }
    }
}

/// <summary>One address space of an internet connector as seen from this server.</summary>
/// <param name="Type">The address type (<c>SMTP</c>, <c>X400</c>, <c>SMTPOUT</c>, ...).</param>
/// <param name="Cost">The address space's cost plus the site connectors' on the way.</param>
/// <param name="Server">The server that runs the connector.</param>
/// <param name="Site">That server's site.</param>
/// <param name="SitePath">The site connectors crossed to reach it, in order; empty within the site.</param>
/// <param name="Via">The words <c>gatehouse routes</c> shows: <c>this site</c>, <c>site path A &gt; B</c>, or <c>site S</c>.</param>
/// <param name="Unavailable">Why the route cannot be used now (a server or connector down, no site path), or null.</param>
public sealed record RouteEntry(string Type, string Pattern, int Cost, string Connector, string Server, string? Site, IReadOnlyList<string> SitePath, string Via, string? Unavailable);

/// <summary>The cheapest path to another site over site connectors; <paramref name="Cost"/> null when no path is usable.</summary>
/// <param name="Bridgeheads">The first connector's target bridgeheads that are up: the next hop.</param>
public sealed record SiteRoute(string Site, int? Cost, IReadOnlyList<string> Connectors, IReadOnlyList<string> Bridgeheads);

/// <summary>An accepted domain and how it is handled (<c>authoritative</c>, <c>internal_relay</c>, <c>external_relay</c>).</summary>
public sealed record AcceptedDomainEntry(string Domain, bool IncludeSubdomains, string Kind, string? ForwardTo);
