using Gatehouse.Core.Addresses;
using Gatehouse.Core.Protocol;

namespace Gatehouse.Smtp.Server;

/// <summary>What a listener offers and enforces; fixed for the life of a session.</summary>
public sealed record ServerSessionOptions
{
    /// <summary>Our name in the greeting, EHLO reply and Received header.</summary>
    public required string Hostname { get; init; }

    public long MaxMessageSize { get; init; } = 36_700_160;

    public int MaxRecipients { get; init; } = 1000;

    /// <summary>STARTTLS is offered (a certificate is configured and TLS is not yet active).</summary>
    public bool TlsAvailable { get; init; }

    /// <summary>AUTH is offered once TLS is active (there are users to authenticate).</summary>
    public bool AuthAvailable { get; init; }

    /// <summary>Submission role (RFC 6409): MAIL is refused until the client has authenticated.</summary>
    public bool RequireAuth { get; init; }

    /// <summary>Accepts or refuses a recipient: null accepts, a reply refuses.</summary>
    public required Func<Mailbox, SmtpReply?> CheckRecipient { get; init; }

    /// <summary>Verifies a user name and password; true when they match.</summary>
    public Func<string, string, bool> VerifyCredentials { get; init; } = static (_, _) => false;
}
