using System.Text;
using Gatehouse.Core.Addresses;
using Gatehouse.Core.Directory;
using Gatehouse.Core.Protocol;
using Gatehouse.Core.Resolution;

namespace Gatehouse.Core.Policy;

/// <summary>Decides at RCPT time whether a recipient is ours to accept, from its resolved destination.</summary>
/// <remarks>
/// <para>Every recipient goes through <see cref="AddressResolver"/> first, so the decision is made on
/// the final destination after decapsulation and every other rewrite (seeds Q237927, Q264330).</para>
/// <para>Accepted: directory recipients (mailboxes, contacts, lists) and the postmaster (RFC 5321
/// §4.5.1). An unknown address at one of our domains is refused with 550 5.1.1 — unless the
/// directory holds no recipients at all, in which case every local part of an accepted domain is
/// accepted, as Postfix does with an empty <c>local_recipient_maps</c>. Everything that would leave
/// the organization (an outside address, a one-off of another type, sender-specified routing) is
/// refused with 550 5.7.1 until relay permissions exist: this server is never a relay.</para>
/// </remarks>
public sealed class RecipientAcceptance
{
    private readonly HashSet<string> _domains;
    private readonly ResolverContext _context;

    /// <summary>Accepted domains only, no directory: every local part at those domains is accepted.</summary>
    public RecipientAcceptance(IEnumerable<string> acceptedDomains)
        : this(acceptedDomains, RecipientDirectory.Empty, SenderRoutingOptions.Default)
    {
    }

    public RecipientAcceptance(IEnumerable<string> acceptedDomains, RecipientDirectory directory, SenderRoutingOptions senderRouting)
    {
        // Address literals are never ours: a client that names our IP address is not naming a domain we hold.
        _domains = new HashSet<string>(acceptedDomains.Select(d => d.ToLowerInvariant()).Where(d => !d.StartsWith('[')), StringComparer.Ordinal);
        _context = new ResolverContext(_domains.Contains, directory, senderRouting);
    }

    /// <summary>Returns null when the recipient is accepted, else the refusal.</summary>
    public SmtpReply? Check(Mailbox recipient) => Decide(AddressResolver.Resolve(recipient, _context));

    /// <summary>The reply for a resolved destination: null to accept.</summary>
    public SmtpReply? Decide(Destination d) => d.Kind switch
    {
        DestinationKind.Recipient or DestinationKind.List or DestinationKind.Postmaster => null,
        DestinationKind.UnknownLocal when _context.Directory.Count == 0 && d.Address?.Mailbox is not null => null,
        DestinationKind.UnknownLocal => SmtpReply.Of(550, "5.1.1", "No such recipient here"),
        DestinationKind.SenderRouted => SmtpReply.Of(550, "5.7.1", "Sender-specified routing is not accepted; relaying denied"),
        DestinationKind.Invalid => SmtpReply.Of(550, "5.1.3", "Bad destination mailbox address: " + ForReply(d.Reason)),
        _ => Replies.RelayDenied,
    };

    /// <summary>The reason as reply text: printable ASCII (RFC 5321 4.2) and short enough for a 512-octet reply line (4.5.3.1.5).</summary>
    /// <remarks>A reason can quote what the client sent, decoded from IMCEA escapes, so it may hold any character and any length.</remarks>
    private static string ForReply(string reason)
    {
        const int MaxReasonLength = 400;
        var sb = new StringBuilder(Math.Min(reason.Length, MaxReasonLength + 3));
        foreach (var c in reason)
        {
            if (sb.Length == MaxReasonLength)
            {
                sb.Append("...");
                break;
            }
            sb.Append(c is >= ' ' and <= '~' ? c : '?');
        }
        return sb.ToString();
    }
}
