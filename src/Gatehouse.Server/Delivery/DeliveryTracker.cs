using Gatehouse.Core.Routing;
using Gatehouse.Core.Tracking;
using Gatehouse.Server.Smtp;
using Gatehouse.Spool;

namespace Gatehouse.Server.Delivery;

/// <summary>Turns what the scheduler learns into tracking events: RECEIVE, RESOLVE, EXPAND, ROUTE, TRANSFER, DELIVER, DEFER, FAIL, DSN, ADMIN.</summary>
/// <remarks>
/// RECEIVE is recorded when the scheduler first reads the message, not in the SMTP session: the
/// envelope in the spool has every fact of the client, and the Message-ID needs the header, which
/// the session never parses. So the receive path does no tracking work at all.
/// </remarks>
internal sealed class DeliveryTracker(SmtpServices services)
{
    /// <summary>True when events are recorded, so that callers skip building them (and the route trace) otherwise.</summary>
    public bool On => services.Tracking is not NoTracking;

    private void Record(QueueEntry e, TrackingEventType type, string? recipient, Dictionary<string, string> facts, DateTimeOffset? time = null) =>
        services.Tracking.Record(new TrackingEvent(time ?? services.Time.GetUtcNow(), services.Current.Server.Name, type, e.Id, MessageId(e),
            e.Envelope.ReversePath?.ToWire() ?? "", recipient, facts));

    /// <summary>The Message-ID without its angle brackets, or null.</summary>
    public static string? MessageId(QueueEntry e) => e.Headers?.Get("Message-ID")?.Trim().TrimStart('<').TrimEnd('>') is { Length: > 0 } id ? id : null;

    public void Receive(QueueEntry e)
    {
        if (!On) return;
        var c = e.Envelope.Client;
        var facts = new Dictionary<string, string>
        {
            ["client_ip"] = c.RemoteAddress.ToString(),
            ["helo"] = c.Helo,
            ["listener"] = c.Listener,
            ["tls"] = c.TlsProtocol ?? "no",
            ["auth"] = c.AuthenticatedUser ?? "-",
            ["size"] = e.Message.BodyLength.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["recipients"] = string.Join(", ", e.Envelope.Recipients.Select(r => r.Address.ToWire())),
        };
        if (e.Headers?.Get("Subject") is { } subject) facts["subject"] = subject;
        Record(e, TrackingEventType.Receive, null, facts, e.Envelope.ReceivedAt);
    }

    /// <summary>RESOLVE when the address was rewritten on the way, EXPAND for a list, and the ROUTE chosen.</summary>
    public void Planned(QueueEntry e, RecipientState r, RecipientVerdict v, string? destination)
    {
        if (!On) return;
        var address = r.Address.ToWire();
        var d = v.Destination;
        if (d.Chain.Count > 0)
        {
            Record(e, TrackingEventType.Resolve, address, new Dictionary<string, string>
            {
                ["before"] = address,
                ["after"] = d.Address?.ToString() ?? d.Kind.ToString(),
                ["rule"] = string.Join(", ", d.Chain.Select(s => s.Rule)),
                ["detail"] = string.Join("; ", d.Chain.Select(s => $"{s.From} -> {s.To} ({s.Detail})")),
            });
        }
        var route = v.Route;
        var facts = new Dictionary<string, string>
        {
            ["action"] = route.Action.ToString(),
            ["destination"] = d.Kind.ToString().ToLowerInvariant() + (d.Address is null ? "" : " " + d.Address),
            ["trace"] = string.Join(" | ", v.Trace.Where(t => t.StartsWith("route:", StringComparison.Ordinal) || t.StartsWith("relay:", StringComparison.Ordinal)).Select(t => t[(t.IndexOf(':', StringComparison.Ordinal) + 2)..])),
        };
        if (route.Connector is { } connector) facts["connector"] = connector;
        if (destination is not null) facts["next_hop"] = destination;
        if (route.WireAddress is { } wire) facts["address"] = wire.ToString();
        if (route.Refusal is { } refusal) facts["reply"] = refusal.ToString();
        Record(e, TrackingEventType.Route, address, facts);
    }

    public void Expanded(QueueEntry e, RecipientState list, int members)
    {
        if (!On) return;
        Record(e, TrackingEventType.Expand, list.Address.ToWire(), new Dictionary<string, string> { ["members"] = members.ToString(System.Globalization.CultureInfo.InvariantCulture) });
    }

    public void Result(QueueEntry e, RecipientState r, RecipientResult result, DateTimeOffset? nextRetry)
    {
        if (!On || result.Expanded) return;
        var facts = new Dictionary<string, string> { ["reply"] = result.Reply.ToString() };
        if (result.Hop is { } hop) facts["next_hop"] = hop;
        if (result.RemoteMta is { } host) facts["host"] = host;
        // The hop after this one knows the recipient only by the address it was sent as: say which.
        if (e.WireAddresses.TryGetValue(result.Index, out var wire)) facts["address"] = wire;
        var type = result.Kind switch
        {
            ResultKind.Delivered when result.Hop is "local" || result.Hop?.StartsWith("lmtp:", StringComparison.Ordinal) == true => TrackingEventType.Deliver,
            ResultKind.Delivered => TrackingEventType.Transfer,
            ResultKind.Failed => TrackingEventType.Fail,
            _ => TrackingEventType.Defer,
        };
        if (type == TrackingEventType.Fail) facts["status"] = result.Reply.Status?.ToString() ?? "5.0.0";
        if (type is TrackingEventType.Fail or TrackingEventType.Defer) facts["reason"] = result.Explanation;
        if (type == TrackingEventType.Defer && nextRetry is { } next) facts["next_retry"] = next.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        Record(e, type, r.Address.ToWire(), facts);
    }

    public void Dsn(QueueEntry e, string dsnQueueId, IEnumerable<(string Recipient, string Action)> reports)
    {
        if (!On) return;
        var list = reports.ToList();
        Record(e, TrackingEventType.Dsn, null, new Dictionary<string, string>
        {
            ["dsn_queue_id"] = dsnQueueId,
            ["to"] = e.Envelope.ReversePathText,
            ["recipients"] = string.Join(", ", list.Select(x => $"{x.Recipient} ({x.Action})")),
        });
    }

    public void Admin(QueueEntry e, string who, string action)
    {
        if (!On) return;
        Record(e, TrackingEventType.Admin, null, new Dictionary<string, string> { ["who"] = who, ["action"] = action });
    }
}
