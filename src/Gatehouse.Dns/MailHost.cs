using System.Net;

namespace Gatehouse.Dns;

/// <summary>What a mail host lookup found, and so what the delivery agent does with the message.</summary>
public enum MailHostStatus
{
    /// <summary>Hosts to try, in order.</summary>
    Ok,

    /// <summary>The domain publishes a null MX (RFC 7505): it accepts no mail; bounce with 5.1.10.</summary>
    NullMx,

    /// <summary>The domain does not exist (NXDOMAIN) or the name is not a valid domain: bounce with 5.1.2.</summary>
    NoSuchDomain,

    /// <summary>DNS failed or no host has an address: defer with 4.4.3 and try again later.</summary>
    TemporaryFailure,
}

/// <summary>One host to connect to: an MX exchange (or the domain itself as implicit MX) with its addresses.</summary>
/// <param name="Name">The host name in normal form (lower case, no trailing dot), or the address of an address literal.</param>
/// <param name="Addresses">IPv4 first, then IPv6, each in the order DNS gave them; never empty.</param>
public sealed record MailHost(string Name, int Preference, IReadOnlyList<IPAddress> Addresses);

/// <summary>The outcome of <see cref="MailHostResolver"/>: a status, the hosts in the order to try them, and a detail for logs and DSNs.</summary>
/// <param name="Hosts">Empty unless <paramref name="Status"/> is <see cref="MailHostStatus.Ok"/>.</param>
/// <param name="Detail">What failed and how ("MX lookup for example.com: server 127.0.0.1:53 timed out"), or the hosts skipped; "" when there is nothing to say.</param>
public sealed record MailHostResult(MailHostStatus Status, IReadOnlyList<MailHost> Hosts, string Detail)
{
    /// <summary>A result with hosts to try.</summary>
    public static MailHostResult Found(IReadOnlyList<MailHost> hosts, string detail = "") => new(MailHostStatus.Ok, hosts, detail);

    /// <summary>A result without hosts.</summary>
    public static MailHostResult Failed(MailHostStatus status, string detail) => new(status, [], detail);
}
