using System.Net;
using Gatehouse.Core.Configuration;

namespace Gatehouse.Server.Delivery.Smtp;

/// <summary>A user name and password for SMTP AUTH (RFC 4954) at a smart host.</summary>
public sealed record ClientCredentials(string User, string Password)
{
    // The password never reaches a log line through ToString.
    public override string ToString() => $"ClientCredentials {{ User = {User} }}";
}

/// <summary>How long the client waits at each stage of a session (RFC 5321 §4.5.3.2).</summary>
/// <param name="Connect">TCP connect.</param>
/// <param name="Greeting">The 220 greeting.</param>
/// <param name="Ehlo">EHLO/LHLO/HELO, STARTTLS with its handshake, AUTH, RSET and QUIT.</param>
/// <param name="DataBlock">Each write of message content.</param>
/// <param name="DataEnd">The reply (each reply under LMTP) after the final dot.</param>
public sealed record SmtpClientTimeouts(TimeSpan Connect, TimeSpan Greeting, TimeSpan Ehlo, TimeSpan Mail, TimeSpan Rcpt, TimeSpan DataInit, TimeSpan DataBlock, TimeSpan DataEnd)
{
    /// <summary>RFC 5321 §4.5.3.2: 5 minutes for the greeting, MAIL and RCPT, 2 for DATA, 3 per data block, 10 after the dot; 30 s to connect, 5 minutes for EHLO.</summary>
    public static SmtpClientTimeouts Rfc5321 { get; } = new(
        Connect: TimeSpan.FromSeconds(30),
        Greeting: TimeSpan.FromMinutes(5),
        Ehlo: TimeSpan.FromMinutes(5),
        Mail: TimeSpan.FromMinutes(5),
        Rcpt: TimeSpan.FromMinutes(5),
        DataInit: TimeSpan.FromMinutes(2),
        DataBlock: TimeSpan.FromMinutes(3),
        DataEnd: TimeSpan.FromMinutes(10));
}

/// <summary>How <see cref="SmtpClientConnection"/> talks to one next hop.</summary>
/// <param name="HeloName">Our name in EHLO/LHLO/HELO.</param>
/// <param name="TlsServerName">The name to send in SNI and to check the certificate against; the host name connected to when null.</param>
/// <param name="Credentials">AUTH PLAIN (else LOGIN) after TLS when set; never sent without TLS.</param>
/// <param name="Lmtp">Speak LMTP (RFC 2033): LHLO, and one reply per recipient after the dot.</param>
/// <param name="LocalAddress">The address to connect from; the kernel's choice when null.</param>
/// <param name="Timeouts"><see cref="SmtpClientTimeouts.Rfc5321"/> when null.</param>
public sealed record SmtpClientOptions(
    string HeloName,
    OutboundTls Tls = OutboundTls.Opportunistic,
    OutboundTlsVerify Verify = OutboundTlsVerify.None,
    string? TlsServerName = null,
    ClientCredentials? Credentials = null,
    bool Lmtp = false,
    IPAddress? LocalAddress = null,
    SmtpClientTimeouts? Timeouts = null);
