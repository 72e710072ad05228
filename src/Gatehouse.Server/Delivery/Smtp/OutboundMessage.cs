using Gatehouse.Core.Envelope;
using Gatehouse.Core.Protocol;

namespace Gatehouse.Server.Delivery.Smtp;

/// <summary>One recipient of an outbound transaction.</summary>
/// <param name="Address">The forward-path in wire form without angle brackets, quoted where RFC 5321 needs it.</param>
/// <param name="OriginalRecipient">RFC 3461 ORCPT as "addr-type;address", decoded; it is xtext-encoded on the wire.</param>
public sealed record OutboundRecipient(string Address, DsnNotify Notify = DsnNotify.Unspecified, string? OriginalRecipient = null);

/// <summary>One message to hand to a next hop in one transaction.</summary>
/// <param name="ReversePath">In wire form without angle brackets; "" for the null sender.</param>
/// <param name="EnvelopeId">RFC 3461 ENVID, decoded.</param>
/// <param name="Size">The content's length in octets, for SIZE (RFC 1870).</param>
/// <param name="OpenContent">Opens the whole message: CRLF lines, not dot-stuffed. Called at most once per send.</param>
public sealed record OutboundMessage(
    string ReversePath,
    IReadOnlyList<OutboundRecipient> Recipients,
    DsnReturn Ret,
    string? EnvelopeId,
    BodyType Body,
    bool SmtpUtf8,
    long Size,
    Func<Stream> OpenContent);

/// <summary>What became of one recipient.</summary>
/// <param name="FromRemote">True when <paramref name="Reply"/> came from the peer (a DSN's Diagnostic-Code and Remote-MTA); false when the client made it up (connection lost, conversion impossible).</param>
public sealed record RecipientOutcome(SmtpReply Reply, bool FromRemote);

/// <summary>The outcome of one transaction: one entry per recipient in the order given, and whether the connection can carry another.</summary>
public sealed record TransactionResult(IReadOnlyList<RecipientOutcome> Recipients, bool ConnectionUsable);

/// <summary>A connection-level failure: no connection, a refusing greeting, TLS or AUTH trouble, or a peer that broke the protocol.</summary>
/// <remarks>
/// <see cref="Reply"/> is the peer's own reply when <see cref="FromRemote"/> is true (a 554 greeting,
/// a 535 to AUTH), else one the client made up: 4.4.1 no connection, 4.4.2 lost or timed out,
/// 4.7.4 TLS required but not available, 4.7.5 TLS handshake failed, 4.7.0 credentials refused
/// without TLS or no common SASL mechanism, 4.5.0 protocol error.
/// </remarks>
public sealed class SmtpDeliveryException : Exception
{
    public SmtpDeliveryException(SmtpReply reply, bool fromRemote)
        : base(reply.ToString())
    {
        Reply = reply;
        FromRemote = fromRemote;
    }

    public SmtpDeliveryException(SmtpReply reply, bool fromRemote, Exception inner)
        : base(reply.ToString(), inner)
    {
        Reply = reply;
        FromRemote = fromRemote;
    }

    public SmtpReply Reply { get; }

    public bool FromRemote { get; }

    /// <summary>The TLS handshake failed: an opportunistic connection is retried in clear text.</summary>
    internal bool TlsHandshakeFailed { get; init; }
}
