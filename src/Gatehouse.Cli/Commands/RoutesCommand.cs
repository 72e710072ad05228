using System.CommandLine;
using Gatehouse.Core.Routing;

namespace Gatehouse.Cli.Commands;

/// <summary><c>gatehouse routes</c>: prints a server's routing table (Exchange's GWART) and its paths to the other sites.</summary>
internal static class RoutesCommand
{
    public static Command Create()
    {
        var config = new Option<string?>("--config") { Description = "Organization configuration file (default: the built-in configuration)." };
        var server = new Option<string?>("--server") { Description = "The server whose table to print." };
        var down = new Option<string[]>("--down") { Description = "Treat this server or connector as down (repeatable).", AllowMultipleArgumentsPerToken = true };
        var cmd = new Command("routes", "Print the routing table of a server: address spaces, connectors, total costs, site paths.") { config, server, down };
        cmd.SetAction(parse =>
        {
            var cfg = ConfigLoading.Load(parse.GetValue(config));
            if (cfg is null) return ExitCodes.Usage;
            var me = ConfigLoading.PickServer(cfg, parse.GetValue(server));
            if (me is null) return ExitCodes.Usage;
            var table = RoutingTable.Build(cfg, me, RoutingHealth.Of(parse.GetValue(down) ?? [], parse.GetValue(down) ?? []));
            Console.WriteLine($"routing table of server {me.Name} (site {me.Site})");
            if (table.Routes.Count == 0) Console.WriteLine("  no internet connectors: mail can leave the organization by no route");
            else
            {
                Console.WriteLine($"  {"type",-8} {"pattern",-28} {"cost",5}  {"connector",-20} {"server",-14} via / status");
                foreach (var r in table.Routes)
                {
                    var site = table.FindServer(r.Server)?.Site;
                    var via = r.SitePath.Count > 0 ? "site path " + string.Join(" > ", r.SitePath)
                        : string.Equals(site, me.Site, StringComparison.OrdinalIgnoreCase) ? "this site" : $"site {site}";
                    Console.WriteLine($"  {r.Space.Type.Name,-8} {r.Space.Pattern,-28} {r.Cost,5}  {r.Connector.Name,-20} {r.Server,-14} {via}{(r.Unavailable is null ? "" : $"; UNAVAILABLE: {r.Unavailable}")}");
                }
            }
            foreach (var site in cfg.Sites.Where(s => s.Name != me.Site))
            {
                var p = table.PathToSite(site.Name);
                Console.WriteLine(p is null
                    ? $"  site {site.Name}: no usable site connector path"
                    : $"  site {site.Name}: cost {p.Cost} via {string.Join(" > ", p.Connectors.Select(c => c.Name))}; bridgeheads {string.Join(", ", p.Bridgeheads)}");
            }
            foreach (var d in cfg.Domains) Console.WriteLine($"  accepted domain {d.Domain}{(d.IncludeSubdomains ? " (and subdomains)" : "")}: {Gatehouse.Server.Configuration.ConfigValues.SnakeCase(d.Kind.ToString())}{(d.ForwardTo is null ? "" : " -> " + d.ForwardTo)}");
            return ExitCodes.Ok;
        });
        return cmd;
    }
}
