namespace Gatehouse.Core.Protocol;

/// <summary>The server's fixed replies, each with its RFC 5321 code and RFC 3463 enhanced status.</summary>
/// <remarks>One place for reply text so that every path that refuses the same thing says the same words.</remarks>
public static class Replies
{
    public static readonly SmtpReply Ok = SmtpReply.Of(250, "2.0.0", "OK");
    public static readonly SmtpReply SenderOk = SmtpReply.Of(250, "2.1.0", "Sender OK");
    public static readonly SmtpReply RecipientOk = SmtpReply.Of(250, "2.1.5", "Recipient OK");
    public static readonly SmtpReply ResetOk = SmtpReply.Of(250, "2.0.0", "Reset state");
    public static readonly SmtpReply StartData = new(354, null, "End data with <CR><LF>.<CR><LF>");
    public static readonly SmtpReply CannotVerify = SmtpReply.Of(252, "2.5.0", "Cannot VRFY user, but will accept message and attempt delivery");
    public static readonly SmtpReply ReadyToStartTls = SmtpReply.Of(220, "2.0.0", "Ready to start TLS");
    public static readonly SmtpReply AuthSucceeded = SmtpReply.Of(235, "2.7.0", "Authentication successful");

    public static readonly SmtpReply CommandUnrecognized = SmtpReply.Of(500, "5.5.2", "Command unrecognized");
    public static readonly SmtpReply LineTooLong = SmtpReply.Of(500, "5.5.2", "Line too long");
    public static readonly SmtpReply NotImplemented = SmtpReply.Of(502, "5.5.1", "Command not implemented");
    public static readonly SmtpReply SendHeloFirst = SmtpReply.Of(503, "5.5.1", "Send EHLO or HELO first");
    public static readonly SmtpReply NestedMail = SmtpReply.Of(503, "5.5.1", "Sender already specified");
    public static readonly SmtpReply NeedMail = SmtpReply.Of(503, "5.5.1", "Send MAIL first");
    public static readonly SmtpReply NeedRcpt = SmtpReply.Of(503, "5.5.1", "Send RCPT first");
    public static readonly SmtpReply NoValidRecipients = SmtpReply.Of(554, "5.5.1", "No valid recipients");
    public static readonly SmtpReply DataAfterBdat = SmtpReply.Of(503, "5.5.1", "DATA not allowed after BDAT");
    public static readonly SmtpReply AlreadyTls = SmtpReply.Of(503, "5.5.1", "TLS already active");
    public static readonly SmtpReply AlreadyAuthenticated = SmtpReply.Of(503, "5.5.1", "Already authenticated");
    public static readonly SmtpReply AuthInTransaction = SmtpReply.Of(503, "5.5.1", "AUTH not allowed during a mail transaction");
    public static readonly SmtpReply TlsNotAvailable = SmtpReply.Of(454, "4.7.0", "TLS not available");
    public static readonly SmtpReply MustStartTls = SmtpReply.Of(530, "5.7.0", "Must issue a STARTTLS command first");
    public static readonly SmtpReply AuthRequired = SmtpReply.Of(530, "5.7.0", "Authentication required");
    public static readonly SmtpReply AuthFailed = SmtpReply.Of(535, "5.7.8", "Authentication credentials invalid");
    public static readonly SmtpReply AuthCancelled = SmtpReply.Of(501, "5.0.0", "Authentication cancelled");
    public static readonly SmtpReply AuthMechanismUnknown = SmtpReply.Of(504, "5.5.4", "Unrecognized authentication mechanism");
    public static readonly SmtpReply AuthSyntax = SmtpReply.Of(501, "5.5.2", "Cannot decode authentication response");
    public static readonly SmtpReply RelayDenied = SmtpReply.Of(550, "5.7.1", "Relaying denied");
    public static readonly SmtpReply TooManyRecipients = SmtpReply.Of(452, "4.5.3", "Too many recipients");
    public static readonly SmtpReply MessageTooBig = SmtpReply.Of(552, "5.3.4", "Message size exceeds fixed maximum message size");
    public static readonly SmtpReply NonAsciiWithoutSmtpUtf8 = SmtpReply.Of(553, "5.6.7", "Non-ASCII address requires SMTPUTF8");
    public static readonly SmtpReply BareLineEnding = SmtpReply.Of(550, "5.6.11", "Message contains bare CR or bare LF; use CRLF line endings");
    public static readonly SmtpReply DataLineTooLong = SmtpReply.Of(550, "5.6.0", "Message contains a line that is too long");
    public static readonly SmtpReply StorageFailed = SmtpReply.Of(451, "4.3.0", "Local error in processing, message not accepted; try again later");

    public static readonly SmtpReply Timeout = SmtpReply.Of(421, "4.4.2", "Timeout waiting for client input, closing connection");
    public static readonly SmtpReply TooManyErrors = SmtpReply.Of(421, "4.7.0", "Too many errors, closing connection");
    public static readonly SmtpReply TooManyConnections = SmtpReply.Of(421, "4.7.0", "Too many connections, try again later");
    public static readonly SmtpReply TooManyConnectionsFromHost = SmtpReply.Of(421, "4.7.0", "Too many connections from your host, try again later");
    public static readonly SmtpReply ShuttingDown = SmtpReply.Of(421, "4.3.2", "Service shutting down, closing connection");

    public static SmtpReply Syntax(string what) => SmtpReply.Of(501, "5.5.4", what);

    public static SmtpReply BadAddress(string why) => SmtpReply.Of(501, "5.1.3", why);

    public static SmtpReply Closing(string host) => SmtpReply.Of(221, "2.0.0", $"{host} closing connection");

    public static SmtpReply Queued(string queueId) => SmtpReply.Of(250, "2.0.0", $"OK queued as {queueId}");

    public static SmtpReply ChunkOk(long octets) => SmtpReply.Of(250, "2.0.0", $"{octets} octets received");
}
