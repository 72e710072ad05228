using Gatehouse.Core.Envelope;
using Gatehouse.Core.Protocol;

namespace Gatehouse.Server.Delivery;

/// <summary>What became of one recipient in one delivery attempt.</summary>
public enum ResultKind
{
    /// <summary>Accepted by the next hop (or stored in the mailbox).</summary>
    Delivered,

    /// <summary>Refused for good: the recipient fails and the sender may get a DSN.</summary>
    Failed,

    /// <summary>Not this time: the recipient stays in the queue for the next attempt.</summary>
    Deferred,
}

/// <summary>The outcome of one recipient in one attempt, with what the DSN and the queue listing need.</summary>
/// <param name="Index">The recipient's place in the entry's recipient list.</param>
/// <param name="Reply">The reply that decided it: the remote server's when <paramref name="RemoteMta"/> is set, else ours.</param>
/// <param name="RemoteMta">The host that replied, or null when Gatehouse decided.</param>
/// <param name="Explanation">Plain words for the sender and the administrator.</param>
/// <param name="PassedDsn">The next hop took the DSN parameters (RFC 3461), so it, not we, reports success.</param>
/// <param name="Hop">The next hop tried, for tracking and health (null when none was tried).</param>
/// <param name="Expanded">A list recipient whose members were added to the message (DSN action "expanded").</param>
public sealed record RecipientResult(int Index, ResultKind Kind, SmtpReply Reply, string? RemoteMta, string Explanation, bool PassedDsn = false, string? Hop = null, bool Expanded = false)
{
    public static RecipientResult Ours(int index, ResultKind kind, SmtpReply reply, string? explanation = null, string? hop = null) =>
        new(index, kind, reply, null, explanation ?? reply.Text, Hop: hop);
}

/// <summary>One recipient as a delivery agent sends it.</summary>
/// <param name="Address">The address on the wire (after contact targets, type maps, encapsulation).</param>
/// <param name="Mailbox">For local delivery: the mailbox folder name (the alias); null otherwise.</param>
public sealed record JobRecipient(int Index, string Address, DsnNotify Notify, string? OriginalRecipient, string? Mailbox = null);

/// <summary>Some recipients of one message for one next hop: one SMTP transaction, or one local delivery each.</summary>
/// <param name="Destination">The key of the destination queue (next hop and how it is reached).</param>
/// <param name="ReversePath">MAIL FROM as sent, without brackets; empty for the null sender.</param>
internal sealed record DeliveryJob(QueueEntry Entry, Destination Destination, string ReversePath, IReadOnlyList<JobRecipient> Recipients);
