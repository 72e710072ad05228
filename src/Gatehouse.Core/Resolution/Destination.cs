using Gatehouse.Core.Addresses;
using Gatehouse.Core.Directory;

namespace Gatehouse.Core.Resolution;

/// <summary>What an address turned out to be.</summary>
public enum DestinationKind
{
    /// <summary>A mailbox, or a contact whose target is outside (then <see cref="Destination.Address"/> is the target; a target inside is resolved on).</summary>
    Recipient,

    /// <summary>A distribution list of the directory, to be expanded.</summary>
    List,

    /// <summary>The postmaster of one of our domains (RFC 5321 §4.5.1), not otherwise in the directory.</summary>
    Postmaster,

    /// <summary>An address of a non-SMTP type that the directory does not hold (<c>[SMTPOUT:user@host]</c>); routing decides whether any connector carries it.</summary>
    OneOff,

    /// <summary>An SMTP address at a domain that is not ours: mail to it leaves the organization.</summary>
    Outside,

    /// <summary>An address at one of our domains (or of an internal type) that no recipient holds.</summary>
    UnknownLocal,

    /// <summary>Sender-specified routing that is not honoured (percent hack, bang path, a quoted address); never delivered to its hidden address.</summary>
    SenderRouted,

    /// <summary>An address that cannot be read (a broken IMCEA encoding, a rewrite loop).</summary>
    Invalid,
}

/// <summary>One rewrite on the way from the surface address to the destination, for traces and tracking.</summary>
/// <param name="Rule">Stable short name: <c>directory</c>, <c>contact-target</c>, <c>decapsulate</c>, <c>percent-hack</c>, <c>bang-path</c>, <c>source-route</c>, <c>one-off</c>.</param>
public sealed record ResolutionStep(string Rule, string From, string To, string Detail);

/// <summary>The canonical destination of one address, with the chain of rewrites that led to it.</summary>
/// <param name="Kind">What the address is.</param>
/// <param name="Address">The final typed address: the recipient's address that matched, a contact's target, the outside or one-off address, or the hidden address of a sender-routed form.</param>
/// <param name="Recipient">The directory recipient, for <see cref="DestinationKind.Recipient"/> and <see cref="DestinationKind.List"/>.</param>
/// <param name="Chain">Every rewrite, in order.</param>
/// <param name="Reason">A sentence that says why, for traces and refusals.</param>
public sealed record Destination(DestinationKind Kind, TypedAddress? Address, DirectoryRecipient? Recipient, IReadOnlyList<ResolutionStep> Chain, string Reason)
{
    /// <summary>True when delivering to this destination takes mail out of the organization (so the relay decision must allow it).</summary>
    public bool LeavesOrganization => Kind is DestinationKind.Outside or DestinationKind.OneOff
        || (Kind == DestinationKind.Recipient && Recipient is ContactRecipient);
}
