using Gatehouse.Core.Addresses;
using Gatehouse.Core.Protocol;

namespace Gatehouse.Core.Routing;

/// <summary>What happens to one recipient next.</summary>
public enum RouteAction
{
    /// <summary>Deliver on this server (a mailbox homed here, the postmaster, an accepted domain without a directory).</summary>
    DeliverLocal,

    /// <summary>Expand the distribution list on this server.</summary>
    Expand,

    /// <summary>Pass to another server of the organization (a mailbox's home server, a connector's server, a bridgehead).</summary>
    RelayToServer,

    /// <summary>Send through a connector that runs on this server, to a host outside.</summary>
    SendViaConnector,

    /// <summary>Accept, but no route is usable now (servers or connectors down): the message waits in the queue.</summary>
    Hold,

    /// <summary>Refuse the recipient.</summary>
    Reject,
}

/// <summary>The route decision for one recipient: the action, where to, as what address, and the trace of how it was reached.</summary>
/// <param name="Connector">The connector used, if any.</param>
/// <param name="NextHop">A server name, <c>mx:DOMAIN</c> for DNS MX delivery, or <c>host:HOST</c> for a smart host or forwarding host; null when local or refused.</param>
/// <param name="WireAddress">The recipient address as it will be sent (after a contact's target, a type map); null when refused.</param>
/// <param name="Refusal">The reply for <see cref="RouteAction.Reject"/>.</param>
public sealed record RouteDecision(RouteAction Action, string? Connector, string? NextHop, TypedAddress? WireAddress, SmtpReply? Refusal)
{
    /// <summary>The reverse-path when the message leaves through an internet connector here and a sender was given; else null.</summary>
    public Mailbox? ReversePath { get; init; }

    public static RouteDecision Reject(SmtpReply reply) => new(RouteAction.Reject, null, null, null, reply);
}
