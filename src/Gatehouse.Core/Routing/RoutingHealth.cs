namespace Gatehouse.Core.Routing;

/// <summary>Which servers and connectors are known to be down: an input of routing, never read from a clock or a socket.</summary>
public sealed record RoutingHealth(IReadOnlySet<string> DownServers, IReadOnlySet<string> DownConnectors)
{
    public static readonly RoutingHealth AllUp = new(new HashSet<string>(), new HashSet<string>());

    public bool IsServerDown(string server) => DownServers.Contains(server);

    public bool IsConnectorDown(string connector) => DownConnectors.Contains(connector);

    public static RoutingHealth Of(IEnumerable<string> downServers, IEnumerable<string> downConnectors) =>
        new(new HashSet<string>(downServers, StringComparer.OrdinalIgnoreCase), new HashSet<string>(downConnectors, StringComparer.OrdinalIgnoreCase));
}
