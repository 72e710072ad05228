using Gatehouse.Core.Addresses;
using Gatehouse.Core.Protocol;

namespace Gatehouse.Core.Policy;

/// <summary>Decides at RCPT time whether a recipient is ours to accept.</summary>
/// <remarks>
/// Until the directory and the relay policy exist, a recipient is accepted only when it is the
/// bare <c>postmaster</c> (RFC 5321 §4.5.1 requires it), a postmaster or any local part at one of
/// the accepted domains. Everything else is refused with 550 5.7.1: this server is never a relay.
/// Domains compare case-insensitively; address literals are never ours.
/// </remarks>
public sealed class RecipientAcceptance
{
    private readonly HashSet<string> _domains;

    public RecipientAcceptance(IEnumerable<string> acceptedDomains)
    {
        _domains = new HashSet<string>(acceptedDomains.Select(d => d.ToLowerInvariant()), StringComparer.Ordinal);
    }

    /// <summary>Returns null when the recipient is accepted, else the refusal.</summary>
    public SmtpReply? Check(Mailbox recipient)
    {
        if (recipient.Domain.Length == 0)
        {
            return recipient.LocalPart.Equals("postmaster", StringComparison.OrdinalIgnoreCase) ? null : Replies.RelayDenied;
        }
        if (recipient.Domain.StartsWith('[')) return Replies.RelayDenied;
        return _domains.Contains(recipient.Domain) ? null : Replies.RelayDenied;
    }
}
