using System.Net;

namespace Gatehouse.Core.Configuration;

/// <summary>Whether outbound SMTP uses STARTTLS.</summary>
public enum OutboundTls
{
    /// <summary>Never, even when offered.</summary>
    None,

    /// <summary>When the next hop offers it (RFC 3207); plain text otherwise.</summary>
    Opportunistic,

    /// <summary>Always: a next hop that does not offer it, or whose handshake fails, is not sent mail (the message waits).</summary>
    Required,
}

/// <summary>How the next hop's certificate is checked when TLS is used.</summary>
public enum OutboundTlsVerify
{
    /// <summary>Any certificate: encryption against passive listeners only (what most MTAs do on port 25).</summary>
    None,

    /// <summary>A chain to a trusted root.</summary>
    Chain,

    /// <summary>A trusted chain whose name matches the host connected to.</summary>
    Name,
}

/// <summary>Where mail for mailboxes homed on this server goes.</summary>
public enum LocalDeliveryKind
{
    /// <summary>A Maildir per mailbox under the data directory.</summary>
    Maildir,

    /// <summary>LMTP (RFC 2033) to a mailbox server.</summary>
    Lmtp,
}

/// <summary>How the queue delivers: retries, expiry, notices, concurrency, loops, DNS and local delivery.</summary>
/// <param name="RetrySchedule">Waits between attempts; the last one repeats.</param>
/// <param name="DelayNoticeAfter">Send one delay notice when a message has waited this long; null: never.</param>
/// <param name="MarkDownAfter">Consecutive failed connections after which a server or smart host is marked down and routing fails over.</param>
/// <param name="ProbeInterval">How often a next hop marked down is tried again.</param>
/// <param name="DnsServers">Name servers; empty: those of /etc/resolv.conf.</param>
/// <param name="Hosts">Static host entries (name → addresses) that win over DNS, for MX domains and host names alike.</param>
public sealed record DeliveryConfig(
    IReadOnlyList<TimeSpan> RetrySchedule,
    TimeSpan ExpireAfter,
    TimeSpan? DelayNoticeAfter,
    int MaxConnections,
    int MaxConnectionsPerDestination,
    int MaxRecipientsPerTransaction,
    int HopLimit,
    int MarkDownAfter,
    TimeSpan ProbeInterval,
    int SmtpPort,
    OutboundTls Tls,
    OutboundTlsVerify TlsVerify,
    TimeSpan ConnectTimeout,
    IReadOnlyList<IPEndPoint> DnsServers,
    IReadOnlyDictionary<string, IReadOnlyList<IPAddress>> Hosts,
    LocalDeliveryKind Local,
    string? LmtpHost)
{
    /// <summary>False: messages are accepted and queued but not delivered (maintenance, or a receive-only test).</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>The IMS schedule (10, 10, 10, 15 minutes, then every 15), two days to expiry, no delay notice.</summary>
    public static DeliveryConfig Default { get; } = new(
        [TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(15)],
        TimeSpan.FromDays(2),
        null,
        100,
        20,
        100,
        30,
        1,
        TimeSpan.FromMinutes(1),
        25,
        OutboundTls.Opportunistic,
        OutboundTlsVerify.None,
        TimeSpan.FromSeconds(30),
        [],
        new Dictionary<string, IReadOnlyList<IPAddress>>(StringComparer.OrdinalIgnoreCase),
        LocalDeliveryKind.Maildir,
        null);

    /// <summary>The wait before attempt number <paramref name="failedAttempts"/> + 1.</summary>
    public TimeSpan RetryAfter(int failedAttempts) => RetrySchedule[Math.Clamp(failedAttempts - 1, 0, RetrySchedule.Count - 1)];
}

/// <summary>How an internet connector talks to the hosts it sends to; null members take the <see cref="DeliveryConfig"/> defaults.</summary>
/// <param name="Port">The port of MX hosts (a smart host or forwarding host may name its own).</param>
/// <param name="AuthPassword">Clear text, as the smart host needs it; the file holding it must be protected.</param>
public sealed record ConnectorTransport(OutboundTls? Tls, OutboundTlsVerify? TlsVerify, int? Port, string? AuthUser, string? AuthPassword)
{
    public static readonly ConnectorTransport Defaults = new(null, null, null, null, null);
}
