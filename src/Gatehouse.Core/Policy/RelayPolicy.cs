using System.Net;
using System.Net.Sockets;
using Gatehouse.Core.Configuration;

namespace Gatehouse.Core.Policy;

/// <summary>What the relay decision knows about the client: where it connects from, where to, and who it authenticated as.</summary>
public sealed record ClientFacts(IPAddress RemoteAddress, IPAddress LocalAddress, string? AuthenticatedUser)
{
    /// <summary>Another server of this organization (known by its address in the configuration), or a message this server made itself (a DSN).</summary>
    /// <remarks>Such mail was already admitted by a server of the organization, which decided relay for it there.</remarks>
    public bool Internal { get; init; }

    public static ClientFacts Anonymous(IPAddress remote) => new(remote, IPAddress.Loopback, null);
}

/// <summary>The outcome of the relay decision and the rule that produced it.</summary>
public sealed record RelayVerdict(bool Allowed, string Reason);

/// <summary>The one relay decision (DESIGN.md invariant 2): may this client send mail out of the organization?</summary>
/// <remarks>
/// Closed unless a permission opens it. Order: a client in <c>relay.deny_clients</c> never relays;
/// then another server of the organization (it decided relay when it first accepted the message); then authentication (when <c>relay.allow_authenticated</c>), client ranges, and the local address
/// the connection arrived on. The caller asks only for destinations that leave the organization,
/// after every rewrite — so what is decided is always the final destination.
/// </remarks>
public static class RelayPolicy
{
    /// <param name="explain">Say in words which rule decided; off, the reason is only the rule's key (the SMTP hot path).</param>
    public static RelayVerdict Decide(RelayPermissions p, ClientFacts c, bool explain = true)
    {
        var remote = Normalize(c.RemoteAddress);
        var local = Normalize(c.LocalAddress);
        foreach (var deny in p.DenyClients)
        {
            if (InRange(deny, remote)) return new RelayVerdict(false, explain ? $"client {remote} is in relay.deny_clients ({deny}), which overrides every permission" : "relay.deny_clients");
        }
        if (c.Internal)
        {
            return new RelayVerdict(true, explain ? $"client {remote} is a server of this organization, or this server itself (it decided relay when it accepted the message)" : "organization");
        }
        if (p.AllowAuthenticated && c.AuthenticatedUser is { } user)
        {
            return new RelayVerdict(true, explain ? $"client authenticated as {user} (relay.allow_authenticated)" : "relay.allow_authenticated");
        }
        foreach (var n in p.AllowClients)
        {
            if (InRange(n, remote)) return new RelayVerdict(true, explain ? $"client {remote} is in relay.allow_clients ({n})" : "relay.allow_clients");
        }
        if (IsListed(p.AllowLocalAddresses, local))
        {
            return new RelayVerdict(true, explain ? $"connection arrived on local address {local} (relay.allow_local_addresses)" : "relay.allow_local_addresses");
        }
        if (!explain) return new RelayVerdict(false, "no relay permission");
        var why = c.AuthenticatedUser is null ? "not authenticated" : $"authenticated as {c.AuthenticatedUser}, but relay.allow_authenticated is off";
        return new RelayVerdict(false, $"client {remote} ({why}) has no relay permission; relaying is closed unless the configuration opens it");
    }

    private static IPAddress Normalize(IPAddress a) => a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a;

    // A range may be written for IPv4 clients in either family (10.0.0.0/8 or ::ffff:10.0.0.0/104), and IPNetwork
    // never matches across families: a deny range written the mapped way must still hold the IPv4 client it names.
    private static bool InRange(IPNetwork n, IPAddress ipv4OrIpv6) =>
        n.Contains(ipv4OrIpv6) || (ipv4OrIpv6.AddressFamily == AddressFamily.InterNetwork && n.Contains(ipv4OrIpv6.MapToIPv6()));

    private static bool IsListed(IReadOnlyList<IPAddress> list, IPAddress local)
    {
        foreach (var a in list)
        {
            if (Normalize(a).Equals(local)) return true;
        }
        return false;
    }
}
