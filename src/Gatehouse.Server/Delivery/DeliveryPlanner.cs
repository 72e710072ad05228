using Gatehouse.Core.Addresses;
using Gatehouse.Core.Configuration;
using Gatehouse.Core.Directory;
using Gatehouse.Core.Envelope;
using Gatehouse.Core.Protocol;
using Gatehouse.Core.Routing;
using Gatehouse.Server.Smtp;
using Gatehouse.Spool;

namespace Gatehouse.Server.Delivery;

/// <summary>Turns the pending recipients of a message into delivery jobs, one per next hop: the router decides, the planner only groups.</summary>
/// <remarks>
/// <para>Each pending recipient goes through <see cref="RecipientRouter.Route"/> again with the
/// routing table in force now — which carries what is down — so that a message deferred for a
/// dead server is sent the next-cheapest way at its next attempt (seed Q152919). The relay facts are
/// those of the client that handed the message over, as stored in the spool; a message Gatehouse
/// made itself (a DSN) is internal.</para>
/// <para>A list is expanded here: its members become recipients of the message (kept in the queue
/// state), and the list's own recipient is done (DSN action "expanded"). A refusal now (the
/// configuration changed since the message was accepted) fails the recipient with the reason.</para>
/// <para>It does no I/O and decides nothing about delivery itself.</para>
/// </remarks>
internal static class DeliveryPlanner
{
    /// <summary>The listener name of messages Gatehouse composed itself (DSNs): such a client is internal.</summary>
    public const string InternalListener = "(gatehouse)";

    /// <param name="tracker">Told every decision when tracking is on (the route is then decided with its trace).</param>
    public static (List<DeliveryJob> Jobs, List<RecipientResult> Decided) Plan(QueueEntry entry, ServerSnapshot snapshot, DeliveryTracker? tracker = null)
    {
        var explain = tracker?.On == true;
        var table = snapshot.Routing;
        var config = snapshot.Config;
        var envelope = entry.Envelope;
        var c = envelope.Client;
        var facts = table.Facts(c.RemoteAddress, c.LocalAddress, c.AuthenticatedUser);
        if (c.Listener == InternalListener) facts = facts with { Internal = true };
        var decided = new List<RecipientResult>();
        var groups = new Dictionary<(Destination, string), List<JobRecipient>>();
        entry.Destinations.Clear();
        entry.WireAddresses.Clear();
        for (var i = 0; i < entry.Recipients.Count; i++)
        {
            var r = entry.Recipients[i];
            if (r.Status != RecipientStatus.Pending) continue;
            var verdict = RecipientRouter.Route(table, r.Address, facts, explain: explain, sender: envelope.ReversePath);
            var route = verdict.Route;
            switch (route.Action)
            {
                case RouteAction.Reject:
                    tracker?.Planned(entry, r, verdict, null);
                    decided.Add(RecipientResult.Ours(i, ResultKind.Failed, route.Refusal!));
                    continue;
                case RouteAction.Hold:
                    var why = route.NextHop is { } server ? $"server {server} is down" : "every route for it is down";
                    decided.Add(RecipientResult.Ours(i, ResultKind.Deferred, SmtpReply.Of(451, "4.4.1", $"No route available now: {why}; the message waits")));
                    entry.Destinations[i] = route.NextHop is null ? "(no route)" : "server:" + route.NextHop;
                    tracker?.Planned(entry, r, verdict, entry.Destinations[i]);
                    continue;
                case RouteAction.Expand:
                    tracker?.Planned(entry, r, verdict, "expand");
                    var members = Expand(entry, i, (DistributionListRecipient)verdict.Destination.Recipient!, config, decided);
                    tracker?.Expanded(entry, r, members);
                    continue;
            }
            Destination destination;
            string wire;
            string? mailbox = null;
            if (route.Action == RouteAction.DeliverLocal)
            {
                destination = config.Delivery.Local == LocalDeliveryKind.Lmtp
                    ? new Destination(DestinationKind.Lmtp, config.Delivery.LmtpHost!, null, null)
                    : new Destination(DestinationKind.Maildir, "local", null, null);
                mailbox = verdict.Destination.Recipient?.Alias ?? (verdict.Destination.Kind == Core.Resolution.DestinationKind.Postmaster ? "postmaster" : r.Address.ToWire());
                // LMTP takes the mailbox's own primary address; a Maildir is named by the mailbox.
                wire = verdict.Destination.Recipient?.PrimaryAddress(AddressType.Smtp)?.Mailbox?.ToWire() ?? r.Address.ToWire();
            }
            else
            {
                destination = Destination.ForRoute(route.NextHop!, route.Action == RouteAction.SendViaConnector ? route.Connector : null, config);
                if (!TryWire(route.WireAddress!, config, out wire))
                {
                    decided.Add(RecipientResult.Ours(i, ResultKind.Failed, SmtpReply.Of(550, "5.1.3", $"{route.WireAddress} cannot be written as an SMTP address for {destination.Name}")));
                    continue;
                }
            }
            var reversePath = (route.ReversePath ?? envelope.ReversePath)?.ToWire() ?? "";
            // RFC 3461 §4.2: pass on the address the message was first sent to, so that a DSN from further on names it.
            var orcpt = r.OriginalRecipient ?? (r.ExpandedFrom is null ? "rfc822;" + r.Address.ToWire() : null);
            var key = (destination, reversePath);
            if (!groups.TryGetValue(key, out var list)) groups[key] = list = [];
            list.Add(new JobRecipient(i, wire, r.Notify, orcpt, mailbox));
            if (mailbox is null && !string.Equals(wire, r.Address.ToWire(), StringComparison.OrdinalIgnoreCase)) entry.WireAddresses[i] = wire;
            entry.Destinations[i] = destination.Key;
            tracker?.Planned(entry, r, verdict, destination.Key);
        }
        var jobs = new List<DeliveryJob>();
        var max = config.Delivery.MaxRecipientsPerTransaction;
        foreach (var ((destination, reversePath), list) in groups)
        {
            for (var k = 0; k < list.Count; k += max)
            {
                jobs.Add(new DeliveryJob(entry, destination, reversePath, list.GetRange(k, Math.Min(max, list.Count - k))));
            }
        }
        return (jobs, decided);
    }

    /// <summary>An address for the SMTP envelope: an SMTP address as it is; another type encapsulated (IMCEA) at our first accepted domain, which the next server of the organization decapsulates.</summary>
    private static bool TryWire(TypedAddress address, GatehouseConfig config, out string wire)
    {
        wire = "";
        if (address.Mailbox is { } m)
        {
            wire = m.ToWire();
            return true;
        }
        if (EncapsulationDomain(config) is not { } domain || !Imcea.TryEncapsulate(address, domain, out var encapsulated, out _)) return false;
        wire = encapsulated.ToWire();
        return true;
    }

    /// <summary>Where a non-SMTP address is encapsulated to cross SMTP inside the organization: the first authoritative domain, which every server decapsulates.</summary>
    private static string? EncapsulationDomain(GatehouseConfig config) =>
        config.Domains.FirstOrDefault(d => d.Kind == AcceptedDomainKind.Authoritative)?.Domain ?? config.AcceptedDomains.FirstOrDefault();

    private static int Expand(QueueEntry entry, int index, DistributionListRecipient list, GatehouseConfig config, List<RecipientResult> decided)
    {
        var parent = entry.Recipients[index];
        var members = config.Directory.Expand(list).Members;
        var known = entry.Recipients.Select(r => r.Address).ToHashSet();
        var added = 0;
        foreach (var m in members)
        {
            if (MemberAddress(m, config) is not { } address || !known.Add(address)) continue;
            // RFC 3461 §6.2.7.3: members do not inherit a request for success notices; the list's "expanded" answers it.
            // Unspecified stays unspecified (failures and delays are reported); NOTIFY=SUCCESS alone leaves nothing to report.
            var notify = parent.Notify == DsnNotify.Unspecified ? DsnNotify.Unspecified : parent.Notify & ~DsnNotify.Success;
            if (parent.Notify != DsnNotify.Unspecified && notify == DsnNotify.Unspecified) notify = DsnNotify.Never;
            entry.Recipients.Add(new RecipientState(address, notify, null, RecipientStatus.Pending, list.Alias));
            added++;
        }
        decided.Add(new RecipientResult(index, ResultKind.Delivered, SmtpReply.Of(250, "2.0.0", $"list {list.Alias} expanded to {added} recipients"), null,
            $"expanded to {added} recipients", Expanded: true));
        return added;
    }

    /// <summary>The address a list member is routed by: its primary SMTP address, else (a contact) its target, encapsulated when not SMTP.</summary>
    private static Mailbox? MemberAddress(DirectoryRecipient member, GatehouseConfig config)
    {
        if (member.PrimaryAddress(AddressType.Smtp)?.Mailbox is { } primary) return primary;
        if (member is ContactRecipient contact)
        {
            if (contact.Target.Mailbox is { } target) return target;
            if (EncapsulationDomain(config) is { } domain && Imcea.TryEncapsulate(contact.Target, domain, out var encapsulated, out _)) return encapsulated;
        }
        return null;
    }
}
