using Gatehouse.Core.Configuration;

namespace Gatehouse.Server.Delivery;

/// <summary>How a next hop is reached.</summary>
public enum DestinationKind
{
    /// <summary>Another server of the organization, at its inbound listener.</summary>
    Server,

    /// <summary>The MX hosts of a domain (RFC 5321 §5.1).</summary>
    Mx,

    /// <summary>A named host: a smart host, a forwarding host, an accepted domain's host.</summary>
    Host,

    /// <summary>A Maildir on this server.</summary>
    Maildir,

    /// <summary>The LMTP mailbox server.</summary>
    Lmtp,
}

/// <summary>A next hop and how to reach it: the key of one destination queue (like Postfix's transport:nexthop).</summary>
/// <param name="Name">Server name, domain, or host[:port].</param>
/// <param name="Connector">The internet connector that sends (for its TLS, port and credentials); null for servers and local delivery.</param>
/// <param name="HealthKey">What is marked down when this hop keeps failing (a server, or a connector whose smart host this is); null when nothing can fail over.</param>
public sealed record Destination(DestinationKind Kind, string Name, string? Connector, string? HealthKey)
{
    /// <summary>The key shown by <c>gatehouse queue list</c> and used by <c>--destination</c>.</summary>
    public string Key { get; } = Kind switch
    {
        DestinationKind.Server => "server:" + Name,
        DestinationKind.Mx => "mx:" + Name,
        DestinationKind.Host => "host:" + Name,
        DestinationKind.Lmtp => "lmtp:" + Name,
        _ => "local",
    } + (Connector is null ? "" : " via " + Connector);

    public override string ToString() => Key;

    /// <summary>The destination for a route decision's next hop (<c>server</c> name, <c>mx:DOMAIN</c>, <c>host:HOST</c>).</summary>
    public static Destination ForRoute(string nextHop, string? connector, GatehouseConfig config)
    {
        if (nextHop.StartsWith("mx:", StringComparison.Ordinal)) return new(DestinationKind.Mx, nextHop[3..].ToLowerInvariant(), connector, null);
        if (nextHop.StartsWith("host:", StringComparison.Ordinal))
        {
            var host = nextHop[5..];
            var c = connector is null ? null : config.Connectors.FirstOrDefault(x => x.Name == connector);
            // Only a smart host carries all of a connector's mail: when it is down the connector is, and routing
            // can choose another. A forwarding host serves one domain; nothing else could carry that mail.
            var health = c?.SmartHost is { } smart && smart.Equals(host, StringComparison.OrdinalIgnoreCase) ? "connector:" + c.Name : null;
            return new(DestinationKind.Host, host, connector, health);
        }
        return new(DestinationKind.Server, nextHop, null, "server:" + nextHop);
    }
}
