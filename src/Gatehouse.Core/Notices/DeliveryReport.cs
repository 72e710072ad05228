namespace Gatehouse.Core.Notices;

/// <summary>What happened to one recipient, as RFC 3464 §2.3.3 names it in the Action field.</summary>
public enum DsnAction
{
    Failed,
    Delayed,
    Delivered,
    Relayed,
    Expanded,
}

/// <summary>The outcome for one recipient that a delivery status notification reports.</summary>
/// <param name="FinalRecipient">The address as it was last tried, without a type: <c>user@example.com</c>.</param>
/// <param name="OriginalRecipient">ORCPT as received (<c>rfc822;user@example.com</c>), or null.</param>
/// <param name="Status">The RFC 3463 code, such as <c>5.1.1</c>.</param>
/// <param name="RemoteMta">Host name of the server whose reply decided the outcome; null when Gatehouse decided.</param>
/// <param name="DiagnosticCode">The remote reply text as received (<c>550 5.1.1 ... no such user</c>); null when Gatehouse decided.</param>
/// <param name="Explanation">Gatehouse's own words for the outcome; empty to let <see cref="StatusText"/> describe the status.</param>
/// <param name="WillRetryUntil">When a delayed recipient will be given up.</param>
public sealed record RecipientReport(
    string FinalRecipient,
    string? OriginalRecipient,
    DsnAction Action,
    string Status,
    string? RemoteMta,
    string? DiagnosticCode,
    string Explanation,
    DateTimeOffset? LastAttempt,
    DateTimeOffset? WillRetryUntil);

/// <summary>The facts one delivery status notification reports: who reports, about which message, for which recipients.</summary>
/// <param name="ReportingMta">Gatehouse's host name.</param>
/// <param name="ReceivedFromMta">The HELO name of the client that handed the message over, or null.</param>
/// <param name="EnvelopeId">ENVID as received (RFC 3461 §4.4), or null.</param>
public sealed record DeliveryReport(
    string ReportingMta,
    string? ReceivedFromMta,
    DateTimeOffset ArrivalDate,
    string? EnvelopeId,
    IReadOnlyList<RecipientReport> Recipients);

/// <summary>A composed notice and what its envelope must say for it to arrive as written.</summary>
/// <param name="Octets">The whole message, header section and body, with CRLF lines.</param>
/// <param name="Global">An RFC 6533 global report (message/global-delivery-status), not a classic RFC 3464 one.</param>
/// <param name="EightBit">Some octet is outside ASCII: the notice is sent with BODY=8BITMIME.</param>
/// <param name="RequiresSmtpUtf8">Some header field holds UTF-8 (the notice's own, the report's, or the returned message's): the notice is an SMTPUTF8 message (RFC 6531), refused with 5.6.7 by a next hop without SMTPUTF8 rather than sent to it.</param>
public sealed record DsnMessage(byte[] Octets, bool Global, bool EightBit, bool RequiresSmtpUtf8);
