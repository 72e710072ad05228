using Gatehouse.Core.Addresses;
using Gatehouse.Core.Configuration;
using Gatehouse.Core.Directory;
using Gatehouse.Core.Policy;
using Gatehouse.Core.Protocol;
using Gatehouse.Core.Resolution;

namespace Gatehouse.Core.Routing;

/// <summary>The one function from an envelope recipient to a verdict: resolve, decide relay, route (DESIGN.md invariants 1, 2, 4).</summary>
/// <remarks>
/// <para>The SMTP server calls it at RCPT and <c>gatehouse route</c> calls it from the command line,
/// so what the command says is what the server does. It is pure: the configuration snapshot, the
/// routing table (which carries the health input) and the client facts are its only inputs.</para>
/// <para>Relay is decided once, on the final destination after every rewrite: an outside address,
/// a one-off of another type, or sender-specified routing needs a relay permission; a directory
/// recipient (a contact included: the organization published it) and an accepted domain's
/// forwarding do not.</para>
/// <para>Routing: a mailbox goes to its home server (here, within the site, or over the cheapest
/// site path); an outside address or a contact's target goes through the most specific matching
/// address space, then the cheapest, skipping what is down (failover), with equal costs shared by
/// a stable hash of the address. A contact is resolved here and never sent to its home site first
/// (seed Q152919). A type no connector carries is refused with the reason (seed Q183801).</para>
/// </remarks>
public static class RecipientRouter
{
    /// <param name="explain">Build the trace (the command line, tracking). The decision is the same either way; the
    /// SMTP server asks for it only when it will record it, because formatting it costs more than deciding.</param>
    /// <param name="sender">The MAIL FROM mailbox (null for the null sender); given, it is rewritten for the connector the recipient leaves by.</param>
    public static RecipientVerdict Route(RoutingTable table, Mailbox recipient, ClientFacts client, string sourceRoute = "", bool explain = true, Mailbox? sender = null)
    {
        var config = table.Config;
        var trace = explain ? new List<string> { $"recipient <{recipient.ToWire()}>" + (sourceRoute.Length > 0 ? $" (source route {sourceRoute} ignored)" : "") } : null;
        var d = AddressResolver.Resolve(recipient, explain ? table.Resolver : table.QuietResolver, sourceRoute);
        if (trace is not null)
        {
            foreach (var step in d.Chain) trace.Add($"resolve: {step.Rule}: {step.From} -> {step.To} ({step.Detail})");
        }
        trace?.Add($"destination: {d.Kind.ToString().ToLowerInvariant()}{(d.Address is null ? "" : " " + d.Address)}: {d.Reason}");

        RelayVerdict? relay = null;
        if (d.Kind is DestinationKind.Outside or DestinationKind.OneOff or DestinationKind.SenderRouted)
        {
            relay = RelayPolicy.Decide(config.Relay, client, explain);
            trace?.Add($"relay: needed, {(relay.Allowed ? "allowed" : "refused")}: {relay.Reason}");
            if (!relay.Allowed)
            {
                var text = d.Kind == DestinationKind.SenderRouted ? "Relaying denied: sender-specified routing is not accepted from this client" : "Relaying denied";
                return Done(d, relay, RouteDecision.Reject(SmtpReply.Of(550, "5.7.1", text)), trace);
            }
        }
        else
        {
            // A contact's target is outside, yet needs no permission: the organization published it. Say so, or the
            // trace reads as if an outside address were inside.
            trace?.Add(d.Recipient is ContactRecipient
                ? "relay: not needed (a contact of the directory: the organization publishes its target)"
                : "relay: not needed (the destination is in the organization)");
        }

        if (d.Recipient is DistributionListRecipient { AcceptFrom.Count: > 0 } restricted && !MaySendTo(table, restricted, sender, trace))
        {
            return Done(d, relay, RouteDecision.Reject(SmtpReply.Of(550, "5.7.1", "Not authorized to send to this list")), trace);
        }

        var route = d.Kind switch
        {
            DestinationKind.Invalid => RouteDecision.Reject(SmtpReply.Of(550, "5.1.3", "Bad destination mailbox address: " + Printable(d.Reason))),
            DestinationKind.Postmaster => Local(trace, "the postmaster is delivered on this server"),
            DestinationKind.Recipient when d.Recipient is MailboxRecipient m => ToServer(table, m.HomeServer, TypedAddress.FromMailbox(recipient), trace is null ? "" : $"mailbox '{m.Alias}' is homed on server {m.HomeServer}", trace),
            DestinationKind.Recipient or DestinationKind.Outside or DestinationKind.OneOff => Out(table, d.Address!, trace),
            DestinationKind.List when d.Recipient is DistributionListRecipient l => l.ExpansionServer is null || l.ExpansionServer.Equals(table.Server.Name, StringComparison.OrdinalIgnoreCase)
                ? Expand(trace, l)
                : ToServer(table, l.ExpansionServer, d.Address ?? TypedAddress.FromMailbox(recipient), trace is null ? "" : $"list '{l.Alias}' is expanded on server {l.ExpansionServer}", trace),
            DestinationKind.UnknownLocal or DestinationKind.SenderRouted => ByDomain(table, recipient, d, trace),
            _ => RouteDecision.Reject(SmtpReply.Of(550, "5.1.1", "No such recipient here")),
        };
        if (sender is not null && route.Action == RouteAction.SendViaConnector && table.Config.Connectors.FirstOrDefault(c => c.Name == route.Connector) is { } connector)
        {
            var (reversePath, why) = ReversePathRewriter.ForConnector(sender, connector, table.Resolver);
            trace?.Add("sender: " + why);
            route = route with { ReversePath = reversePath };
        }
        return Done(d, relay, route, trace);
    }

    /// <summary>A list with <c>accept_from</c> takes mail only from those recipients, or from members of the lists named there.</summary>
    /// <remarks>The sender is the MAIL FROM address resolved through the directory (an IMCEA sender decapsulated), as Exchange checks it; the null sender is not on any list.</remarks>
    private static bool MaySendTo(RoutingTable table, DistributionListRecipient list, Mailbox? sender, List<string>? trace)
    {
        var who = sender is null ? null : AddressResolver.Resolve(sender, table.QuietResolver).Recipient;
        var directory = table.Config.Directory;
        var allowed = who is not null && list.AcceptFrom!.Any(alias =>
            alias.Equals(who.Alias, StringComparison.OrdinalIgnoreCase)
            || (directory.FindAlias(alias) is DistributionListRecipient group && directory.Expand(group).Members.Any(m => m.Alias.Equals(who.Alias, StringComparison.OrdinalIgnoreCase))));
        trace?.Add(allowed
            ? $"list: '{list.Alias}' accepts mail only from {string.Join(", ", list.AcceptFrom!)}; the sender is '{who!.Alias}': allowed"
            : $"list: '{list.Alias}' accepts mail only from {string.Join(", ", list.AcceptFrom!)}; the sender {(sender is null ? "<> (or not given)" : $"<{sender.ToWire()}>" + (who is null ? " is not in the directory" : $" is '{who.Alias}'"))}: refused");
        return allowed;
    }

    private static RecipientVerdict Done(Destination d, RelayVerdict? relay, RouteDecision route, List<string>? trace)
    {
        trace?.Add(route.Action == RouteAction.Reject ? $"verdict: refused: {route.Refusal}" : $"verdict: accepted: {Describe(route)}");
        return new RecipientVerdict(d, relay, route, trace ?? (IReadOnlyList<string>)[]);
    }

    private static string Describe(RouteDecision r) => r.Action switch
    {
        RouteAction.DeliverLocal => "deliver on this server",
        RouteAction.Expand => "expand the list on this server",
        RouteAction.RelayToServer => $"pass to server {r.NextHop}" + (r.Connector is null ? "" : $" (connector {r.Connector})"),
        RouteAction.SendViaConnector => $"send through connector {r.Connector} to {r.NextHop} as {r.WireAddress}",
        RouteAction.Hold => "hold in the queue until a route is up",
        _ => r.Action.ToString(),
    };

    private static RouteDecision Local(List<string>? trace, string why)
    {
        trace?.Add("route: " + why);
        return new RouteDecision(RouteAction.DeliverLocal, null, null, null, null);
    }

    private static RouteDecision Expand(List<string>? trace, DistributionListRecipient l)
    {
        trace?.Add($"route: list '{l.Alias}' is expanded on this server");
        return new RouteDecision(RouteAction.Expand, null, null, null, null);
    }

    /// <summary>Mail for a server of the organization: here, within the site, or over site connectors.</summary>
    private static RouteDecision ToServer(RoutingTable table, string server, TypedAddress address, string why, List<string>? trace)
    {
        trace?.Add("route: " + why);
        if (server.Equals(table.Server.Name, StringComparison.OrdinalIgnoreCase))
        {
            trace?.Add("route: that is this server");
            return new RouteDecision(RouteAction.DeliverLocal, null, null, address, null);
        }
        var target = table.FindServer(server);
        if (target is null) return RouteDecision.Reject(SmtpReply.Of(550, "5.4.4", $"Server {server} is not part of this organization"));
        if (target.Site.Equals(table.Server.Site, StringComparison.OrdinalIgnoreCase))
        {
            if (table.Health.IsServerDown(server))
            {
                trace?.Add($"route: server {server} is down and nothing else holds this recipient; the message waits for it");
                return new RouteDecision(RouteAction.Hold, null, server, address, null);
            }
            trace?.Add($"route: server {server} is in this site ({target.Site}); next hop {server}");
            return new RouteDecision(RouteAction.RelayToServer, null, server, address, null);
        }
        if (table.PathToSite(target.Site) is not { Bridgeheads.Count: > 0 } path)
        {
            trace?.Add($"route: no usable site connector path from site {table.Server.Site} to site {target.Site}; the message waits");
            return new RouteDecision(RouteAction.Hold, null, null, address, null);
        }
        var hop = path.Bridgeheads[StableIndex(address, path.Bridgeheads.Count)];
        trace?.Add($"route: site {target.Site} via {string.Join(", ", path.Connectors.Select(c => $"{c.Name} (cost {c.Cost})"))}, total cost {path.Cost}; next hop bridgehead {hop}");
        return new RouteDecision(RouteAction.RelayToServer, path.Connectors[0].Name, hop, address, null);
    }

    /// <summary>An unknown address at one of our domains, or sender-specified routing a permitted client sent: the accepted domain decides.</summary>
    private static RouteDecision ByDomain(RoutingTable table, Mailbox recipient, Destination d, List<string>? trace)
    {
        var config = table.Config;
        // An unknown address goes by the address it resolved to: a decapsulated address by its own domain,
        // not by the domain it was wrapped in (IMCEASMTP-x+40forwarded.example@ours is x@forwarded.example).
        // Unhonoured sender-specified routing goes by the address as written, which a forwarding host gets unchanged.
        var target = d.Kind == DestinationKind.UnknownLocal ? d.Address?.Mailbox : recipient;
        if (target is null || target.Domain.Length == 0) return RouteDecision.Reject(SmtpReply.Of(550, "5.1.1", "No such recipient here"));
        var surface = TypedAddress.FromMailbox(target);
        var domain = config.FindAcceptedDomain(target.Domain);
        if (domain is null)
        {
            return RouteDecision.Reject(SmtpReply.Of(550, "5.1.1", "No such recipient here"));
        }
        switch (domain.Kind)
        {
            case AcceptedDomainKind.ExternalRelay or AcceptedDomainKind.InternalRelay when domain.ForwardTo is { } host:
                trace?.Add($"route: {target.Domain} is an accepted domain of kind {Snake(domain.Kind)}: mail for it goes to {host}, address unchanged");
                return new RouteDecision(RouteAction.SendViaConnector, "accepted-domain " + domain.Domain, "host:" + host, surface, null);
            case AcceptedDomainKind.Authoritative when config.Directory.Count == 0:
                return Local(trace, $"{target.Domain} is authoritative and the directory is empty: every local part is accepted and delivered here");
            default:
                trace?.Add($"route: {target.Domain} is authoritative: every recipient is in the directory, and this one is not");
                return RouteDecision.Reject(SmtpReply.Of(550, "5.1.1", "No such recipient here"));
        }
    }

    /// <summary>An address outside the organization (or a one-off, or a contact's target): through an address space.</summary>
    private static RouteDecision Out(RoutingTable table, TypedAddress address, List<string>? trace)
    {
        var matches = new List<(RouteCandidate Route, int Specificity)>(4);
        table.Matching(address, matches);
        if (matches.Count == 0)
        {
            if (trace is not null)
            {
                var kinds = table.Routes.Select(r => r.Space.Type.Name).Distinct().Order(StringComparer.Ordinal).ToList();
                trace.Add($"route: no connector has an address space for {address.Type} addresses" + (address.Mailbox is { } mb ? $" in {mb.Domain}" : "")
                    + $" (address spaces exist for: {(kinds.Count == 0 ? "none" : string.Join(", ", kinds))})");
            }
            var text = address.Type.IsSmtp
                ? $"No route to {address.Mailbox!.Domain}: no connector's address space covers it"
                : $"No connector carries {address.Type} addresses; this address cannot be delivered";
            return RouteDecision.Reject(SmtpReply.Of(550, "5.4.4", text));
        }
        if (trace is not null)
        {
            // Sorted only to be read; the choice below does not depend on this order.
            matches.Sort(static (a, b) => a.Specificity != b.Specificity ? b.Specificity.CompareTo(a.Specificity)
                : a.Route.Cost != b.Route.Cost ? a.Route.Cost.CompareTo(b.Route.Cost)
                : a.Route.Connector.Name != b.Route.Connector.Name ? string.CompareOrdinal(a.Route.Connector.Name, b.Route.Connector.Name)
                : string.CompareOrdinal(a.Route.Server, b.Route.Server));
            foreach (var (r, sp) in matches)
            {
                trace.Add($"route: candidate {r.Connector.Name} {r.Space.Type}:{r.Space.Pattern} on {r.Server}, cost {r.Space.Cost}"
                    + (r.SitePath.Count > 0 ? $" + site path {string.Join(" > ", r.SitePath)} = {r.Cost}" : "")
                    + $", specificity {sp}" + (r.Unavailable is null ? "" : $": skipped, {r.Unavailable}"));
            }
        }
        var chosen = Choose(address, matches, out var ties);
        if (chosen is null)
        {
            trace?.Add("route: every matching connector is down or unreachable; the message waits until one is up");
            return new RouteDecision(RouteAction.Hold, null, null, address, null);
        }
        if (ties > 1) trace?.Add($"route: {ties} routes of equal cost share the load; this address goes to {chosen.Connector.Name} on {chosen.Server}");
        trace?.Add($"route: chosen {chosen.Connector.Name} on {chosen.Server}, total cost {chosen.Cost}");
        return Chosen(table, address, chosen, trace);
    }

    /// <summary>The usable route of highest specificity, then lowest cost; equal ones share the load by the address's stable hash.</summary>
    /// <remarks>One pass, no sorting on the usual path: this is most of the cost of a route decision.</remarks>
    private static RouteCandidate? Choose(TypedAddress address, List<(RouteCandidate Route, int Specificity)> matches, out int ties)
    {
        var best = -1;
        ties = 0;
        for (var k = 0; k < matches.Count; k++)
        {
            var m = matches[k];
            if (m.Route.Unavailable is not null) continue;
            var order = best < 0 ? -1
                : m.Specificity != matches[best].Specificity ? matches[best].Specificity.CompareTo(m.Specificity)
                : m.Route.Cost.CompareTo(matches[best].Route.Cost);
            if (order < 0)
            {
                best = k;
                ties = 1;
            }
            else if (order == 0)
            {
                ties++;
            }
        }
        if (best < 0) return null;
        if (ties == 1) return matches[best].Route;
        var top = matches[best];
        var equal = matches.Where(x => x.Route.Unavailable is null && x.Specificity == top.Specificity && x.Route.Cost == top.Route.Cost)
            .Select(x => x.Route).OrderBy(r => r.Connector.Name, StringComparer.Ordinal).ThenBy(r => r.Server, StringComparer.Ordinal).ToList();
        return equal[StableIndex(address, equal.Count)];
    }

    /// <summary>Where mail goes once a route is chosen: the connector here, or the server that runs it.</summary>
    private static RouteDecision Chosen(RoutingTable table, TypedAddress address, RouteCandidate chosen, List<string>? trace)
    {
        if (!chosen.Server.Equals(table.Server.Name, StringComparison.OrdinalIgnoreCase))
        {
            var target = table.FindServer(chosen.Server)!;
            if (target.Site.Equals(table.Server.Site, StringComparison.OrdinalIgnoreCase))
            {
                trace?.Add($"route: {chosen.Connector.Name} runs on {chosen.Server} in this site; next hop {chosen.Server}");
                return new RouteDecision(RouteAction.RelayToServer, chosen.Connector.Name, chosen.Server, address, null);
            }
            var path = table.PathToSite(target.Site)!;
            var hop = path.Bridgeheads[StableIndex(address, path.Bridgeheads.Count)];
            trace?.Add($"route: {chosen.Connector.Name} runs in site {target.Site}; next hop bridgehead {hop} over {path.Connectors[0].Name}");
            return new RouteDecision(RouteAction.RelayToServer, chosen.Connector.Name, hop, address, null);
        }
        return OnThisServer(chosen.Connector, address, trace);
    }

    /// <summary>An internet connector on this server: the address as it goes on the wire, and the host it goes to.</summary>
    private static RouteDecision OnThisServer(ConnectorConfig c, TypedAddress address, List<string>? trace)
    {
        var wire = address;
        if (!address.Type.IsSmtp)
        {
            if (!c.OutboundTypeMap.TryGetValue(address.Type.Name, out var to) || !to.IsSmtp
                || !TypedAddress.TryCreate(AddressType.Smtp, address.Value, out wire, out var why))
            {
                trace?.Add($"route: connector {c.Name} has no outbound type map that turns {address.Type} into SMTP, or the value is not an SMTP address");
                return RouteDecision.Reject(SmtpReply.Of(550, "5.4.4", $"No proxy for recipient: connector {c.Name} cannot send {address.Type} addresses as SMTP"));
            }
            trace?.Add($"route: outbound type map of {c.Name}: {address} leaves as {wire}");
        }
        var domain = wire.Mailbox!.Domain;
        var forward = c.ForwardDomains.FirstOrDefault(f => string.Equals(f.Domain, domain, StringComparison.OrdinalIgnoreCase));
        string hop;
        if (forward is not null)
        {
            hop = "host:" + forward.Host;
            trace?.Add($"route: {c.Name} forwards all mail for {domain} to {forward.Host}");
        }
        else if (c.SmartHost is { } smart)
        {
            hop = "host:" + smart;
            trace?.Add($"route: {c.Name} forwards all mail to smart host {smart}");
        }
        else
        {
            hop = "mx:" + domain;
            trace?.Add($"route: {c.Name} delivers by DNS: the MX records of {domain}");
        }
        return new RouteDecision(RouteAction.SendViaConnector, c.Name, hop, wire, null);
    }

    /// <summary>FNV-1a of the address key: the same share of equal-cost routes in every process (the CLI and the server agree).</summary>
    private static int StableIndex(TypedAddress address, int count)
    {
        if (count <= 1) return 0;
        var key = address.Key;
        var h = 2166136261u;
        foreach (var ch in key)
        {
            h = (h ^ ch) * 16777619u;
        }
        return (int)(h % (uint)count);
    }

    private static string Snake(AcceptedDomainKind k) => k switch
    {
        AcceptedDomainKind.InternalRelay => "internal_relay",
        AcceptedDomainKind.ExternalRelay => "external_relay",
        _ => "authoritative",
    };

    private static string Printable(string s)
    {
        var chars = s.Where(c => c is >= ' ' and <= '~').Take(400).ToArray();
        return new string(chars);
    }
}
