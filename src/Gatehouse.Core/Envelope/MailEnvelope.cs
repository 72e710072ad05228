using System.Net;
using Gatehouse.Core.Addresses;

namespace Gatehouse.Core.Envelope;

/// <summary>RFC 3461 NOTIFY values; <see cref="Unspecified"/> means the client gave none.</summary>
[Flags]
public enum DsnNotify
{
    Unspecified = 0,
    Never = 1,
    Success = 2,
    Failure = 4,
    Delay = 8,
}

/// <summary>RFC 3461 RET: how much of the message a DSN returns.</summary>
public enum DsnReturn
{
    Unspecified,
    Full,
    Headers,
}

/// <summary>RFC 6152 / RFC 3030 BODY parameter.</summary>
public enum BodyType
{
    Unspecified,
    SevenBit,
    EightBitMime,
    BinaryMime,
}

/// <summary>One envelope recipient with its RFC 3461 parameters.</summary>
/// <param name="Address">The forward-path as the client gave it (parsed, not yet resolved).</param>
/// <param name="Notify">NOTIFY, or <see cref="DsnNotify.Unspecified"/>.</param>
/// <param name="OriginalRecipient">ORCPT as "addr-type;xtext-decoded address", or null.</param>
public sealed record EnvelopeRecipient(Mailbox Address, DsnNotify Notify = DsnNotify.Unspecified, string? OriginalRecipient = null);

/// <summary>What is known about the client that handed us the message; written into the spool and the Received header.</summary>
public sealed record ClientInfo(
    IPAddress RemoteAddress,
    int RemotePort,
    IPAddress LocalAddress,
    int LocalPort,
    string Listener,
    string Helo,
    bool Esmtp,
    string? TlsProtocol,
    string? TlsCipher,
    string? AuthenticatedUser);

/// <summary>The SMTP envelope of one message: reverse-path, recipients and the RFC 3461/6152/6531 parameters.</summary>
public sealed record MailEnvelope(
    Mailbox? ReversePath,
    IReadOnlyList<EnvelopeRecipient> Recipients,
    DsnReturn Ret,
    string? EnvelopeId,
    BodyType Body,
    bool SmtpUtf8,
    long? DeclaredSize,
    ClientInfo Client,
    DateTimeOffset ReceivedAt)
{
    /// <summary>The reverse-path as written on the wire: <c>&lt;&gt;</c> for the null sender.</summary>
    public string ReversePathText => ReversePath is null ? "<>" : "<" + ReversePath.ToWire() + ">";
}
