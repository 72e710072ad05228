using Gatehouse.Core.Policy;
using Gatehouse.Core.Protocol;
using Gatehouse.Core.Resolution;

namespace Gatehouse.Core.Routing;

/// <summary>Everything decided about one recipient: where it resolved, whether relaying was needed and allowed, the route, and the trace.</summary>
/// <param name="Relay">Null when the destination stays in the organization (no relay permission needed).</param>
/// <param name="Trace">One line per step, for <c>gatehouse route</c>, logs and tracking.</param>
public sealed record RecipientVerdict(Destination Destination, RelayVerdict? Relay, RouteDecision Route, IReadOnlyList<string> Trace)
{
    /// <summary>The RCPT reply: null to accept (250), else the refusal.</summary>
    public SmtpReply? Refusal => Route.Refusal;

    public bool Accepted => Route.Action != RouteAction.Reject;
}
