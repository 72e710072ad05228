using System.Net;
using Gatehouse.Core.Addresses;
using Gatehouse.Core.Directory;

namespace Gatehouse.Core.Configuration;

/// <summary>The role of an SMTP listener.</summary>
public enum ListenerRole
{
    /// <summary>Port 25 style: mail from other MTAs; STARTTLS and AUTH optional.</summary>
    Inbound,

    /// <summary>Port 587 style (RFC 6409): AUTH, and so STARTTLS, required before MAIL.</summary>
    Submission,

    /// <summary>Port 465 style (RFC 8314): TLS from the first byte, AUTH required before MAIL.</summary>
    ImplicitTls,
}

/// <summary>What to do with a bare CR or LF in message content (see the smuggling notes in docs/configuration.md).</summary>
public enum BareLineEndings
{
    Reject,
    Normalize,
}

/// <summary>How the spool makes a message durable before 250.</summary>
public enum SpoolSync
{
    Syncfs,
    Fsync,
}

/// <summary>One SMTP listener: where it binds and what it is for.</summary>
public sealed record ListenerConfig(string Name, IPAddress Address, int Port, ListenerRole Role, int Line);

/// <summary>TLS certificate and key files (PEM); absent means a generated self-signed certificate.</summary>
public sealed record TlsConfig(string? CertificateFile, string? KeyFile);

/// <summary>The admin HTTP endpoint (metrics, health, queue, reload); null when disabled.</summary>
/// <param name="Token">Bearer token every request except /healthz must carry; null: none needed.</param>
/// <param name="AllowRemote">Accept requests from addresses other than loopback.</param>
public sealed record AdminConfig(IPAddress Address, int Port, string? Token = null, bool AllowRemote = false);

/// <summary>One server of the organization.</summary>
public sealed record ServerConfig(
    string Name,
    string Hostname,
    string DataDirectory,
    IReadOnlyList<ListenerConfig> Listeners,
    TlsConfig Tls,
    AdminConfig? Admin)
{
    /// <summary>The site the server belongs to.</summary>
    public string Site { get; init; } = "default";

    /// <summary>The configured local address of outbound connections, or null.</summary>
    public IPAddress? SourceAddress { get; init; }

    /// <summary>The address outbound connections come from: <see cref="SourceAddress"/>, else the first inbound listener's address unless it is a wildcard.</summary>
    public IPAddress? OutboundAddress => SourceAddress ?? Listeners.Where(l => l.Role == ListenerRole.Inbound).Select(l => l.Address)
        .FirstOrDefault(a => !a.Equals(IPAddress.Any) && !a.Equals(IPAddress.IPv6Any));

    /// <summary>Where the other servers of the organization send this server mail: its first inbound listener.</summary>
    public ListenerConfig? InboundListener => Listeners.FirstOrDefault(l => l.Role == ListenerRole.Inbound);
}

/// <summary>An SMTP AUTH user and the salted hash of their password.</summary>
public sealed record UserConfig(string Name, string PasswordHash);

/// <summary>Protocol limits that protect the server from clients, shared by every listener.</summary>
public sealed record SmtpLimits(
    long MaxMessageSize,
    int MaxRecipients,
    int LineLength,
    TimeSpan CommandTimeout,
    TimeSpan DataTimeout,
    int MaxConnections,
    int MaxConnectionsPerClient,
    int MaxErrors,
    BareLineEndings BareLineEndings,
    TimeSpan ShutdownGrace);

/// <summary>Logging destination settings.</summary>
public sealed record LoggingConfig(string Level, string Format);

/// <summary>The whole configuration: an immutable snapshot, validated before anyone sees it.</summary>
public sealed record GatehouseConfig(
    string OrganizationName,
    IReadOnlyList<string> AcceptedDomains,
    IReadOnlyList<ServerConfig> Servers,
    IReadOnlyList<UserConfig> Users,
    SmtpLimits Limits,
    SpoolSync SpoolSync,
    LoggingConfig Logging,
    string? SourceFile)
{
    /// <summary>The organization's recipients (empty: every local part of an accepted domain is accepted).</summary>
    public RecipientDirectory Directory { get; init; } = RecipientDirectory.Empty;

    /// <summary>Which sender-specified routing forms are honoured (all off by default).</summary>
    public SenderRoutingOptions SenderRouting { get; init; } = SenderRoutingOptions.Default;

    /// <summary>The sites of the organization (at least the one every server belongs to).</summary>
    public IReadOnlyList<SiteConfig> Sites { get; init; } = [new SiteConfig("default")];

    /// <summary>Accepted domains with their kinds; <see cref="AcceptedDomains"/> lists their names.</summary>
    public IReadOnlyList<AcceptedDomain> Domains { get; init; } = [];

    /// <summary>Internet and site connectors with their address spaces.</summary>
    public IReadOnlyList<ConnectorConfig> Connectors { get; init; } = [];

    /// <summary>How the queue delivers mail.</summary>
    public DeliveryConfig Delivery { get; init; } = DeliveryConfig.Default;

    /// <summary>Who may relay; closed by default.</summary>
    public RelayPermissions Relay { get; init; } = RelayPermissions.Closed;

    /// <summary>The tracking log of every server (on by default).</summary>
    public TrackingConfig Tracking { get; init; } = TrackingConfig.Default;

    /// <summary>The accepted domain that holds <paramref name="domain"/>: an exact entry, else the longest one whose subdomains are included.</summary>
    public AcceptedDomain? FindAcceptedDomain(string domain)
    {
        AcceptedDomain? best = null;
        foreach (var d in Domains)
        {
            if (d.Domain == domain) return d;
            if (d.Matches(domain) && (best is null || d.Domain.Length > best.Domain.Length)) best = d;
        }
        return best;
    }

    /// <summary>Things worth an administrator's attention that do not make the configuration unusable (a generated address that got a number).</summary>
    public IReadOnlyList<string> Notices { get; init; } = [];

    /// <summary>Picks the server this process is; with one server the name may be omitted.</summary>
    public ServerConfig? FindServer(string? name) =>
        name is null ? (Servers.Count == 1 ? Servers[0] : null) : Servers.FirstOrDefault(s => s.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
}
