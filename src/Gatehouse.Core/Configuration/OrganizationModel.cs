using System.Net;
using Gatehouse.Core.Addresses;

namespace Gatehouse.Core.Configuration;

/// <summary>How the organization holds an accepted domain (Exchange's accepted domain types).</summary>
public enum AcceptedDomainKind
{
    /// <summary>Every recipient of the domain is in our directory; an unknown one is refused with 550 5.1.1.</summary>
    Authoritative,

    /// <summary>Shared with another system: known recipients are ours, unknown ones go to <see cref="AcceptedDomain.ForwardTo"/>.</summary>
    InternalRelay,

    /// <summary>All mail for the domain goes to <see cref="AcceptedDomain.ForwardTo"/>, address unchanged (seed Q201127).</summary>
    ExternalRelay,
}

/// <summary>A domain this organization receives mail for, and what it does with it.</summary>
/// <param name="ForwardTo">Host (name or IP, optional :port) for the relay kinds; null for authoritative.</param>
/// <param name="IncludeSubdomains">True when <c>*.domain</c> is accepted too.</param>
public sealed record AcceptedDomain(string Domain, AcceptedDomainKind Kind, string? ForwardTo, bool IncludeSubdomains)
{
    /// <summary>Ask <see cref="ForwardTo"/> at RCPT time whether it takes an address that would be forwarded to it, and refuse what it refuses.</summary>
    public bool VerifyRecipients { get; init; }

    public bool Matches(string domain) =>
        domain == Domain || (IncludeSubdomains && domain.Length > Domain.Length + 1 && domain.EndsWith(Domain, StringComparison.Ordinal) && domain[^(Domain.Length + 1)] == '.');
}

/// <summary>A site: a group of well-connected servers (Exchange's site).</summary>
public sealed record SiteConfig(string Name)
{
    /// <summary>Site addressing: templates for the mailboxes homed in this site; when empty, the organization's templates apply.</summary>
    public IReadOnlyList<Directory.AddressTemplate> AddressTemplates { get; init; } = [];
}

/// <summary>Where an address space is visible: the whole organization, or only the connector's own site.</summary>
public enum AddressSpaceScope
{
    Organization,
    Site,
}

/// <summary>One address space of a connector: the addresses it carries and at what cost (Exchange's address space).</summary>
/// <param name="Pattern">SMTP: <c>example.com</c>, <c>*.example.com</c> or <c>*</c>; X400: attributes that must match (<c>c=US;p=Org</c>); other types: a value prefix ending in <c>*</c>, an exact value, or <c>*</c>.</param>
/// <param name="Cost">1 (preferred) to 100.</param>
public sealed record AddressSpace(AddressType Type, string Pattern, int Cost, AddressSpaceScope Scope);

/// <summary>What a connector connects to.</summary>
public enum ConnectorKind
{
    /// <summary>Delivers to the Internet (Exchange's Internet Mail Service): by DNS MX, through a smart host, or per domain to a host.</summary>
    Internet,

    /// <summary>Carries mail from one site to another site's bridgehead servers.</summary>
    Site,
}

/// <summary>Per-domain forwarding on an internet connector: "forward all messages for this domain to host" (seed Q201127).</summary>
public sealed record DomainForward(string Domain, string Host);

/// <summary>A connector and its address spaces.</summary>
/// <param name="Servers">Internet connector: the servers that run it. Site connector: the servers of the source site that send over it (empty: any).</param>
/// <param name="SmartHost">Internet connector: forward all mail to this host instead of looking up MX records.</param>
/// <param name="OutboundTypeMap">Internet connector: address types sent as SMTP (seed Q183801's OverrideProxyOut: SMTPOUT → SMTP).</param>
/// <param name="SiteDomain">Internet connector: the domain at which non-SMTP senders are IMCEA-encapsulated (seed Q183801's SiteDomain).</param>
/// <param name="SourceSite">Site connector: the site it leaves from.</param>
/// <param name="TargetSite">Site connector: the site it goes to.</param>
/// <param name="Cost">Site connector: the cost of the hop, 1–100.</param>
/// <param name="Bridgeheads">Site connector: the target site's servers that receive its mail.</param>
public sealed record ConnectorConfig(
    string Name,
    ConnectorKind Kind,
    IReadOnlyList<string> Servers,
    IReadOnlyList<AddressSpace> AddressSpaces,
    string? SmartHost,
    IReadOnlyList<DomainForward> ForwardDomains,
    IReadOnlyDictionary<string, AddressType> OutboundTypeMap,
    string? SiteDomain,
    string? SourceSite,
    string? TargetSite,
    int Cost,
    IReadOnlyList<string> Bridgeheads)
{
    /// <summary>Internet connector: TLS, port and credentials for the hosts it sends to.</summary>
    public ConnectorTransport Transport { get; init; } = ConnectorTransport.Defaults;
}

/// <summary>Who may relay: send through this organization to destinations outside it. Closed unless something here opens it.</summary>
/// <param name="AllowAuthenticated">Clients that authenticated with SMTP AUTH may relay.</param>
/// <param name="AllowClients">Client address ranges that may relay.</param>
/// <param name="AllowLocalAddresses">Connections arriving on these local addresses may relay (an internal-facing listener).</param>
/// <param name="DenyClients">Client ranges that may never relay, whatever else allows it.</param>
public sealed record RelayPermissions(
    bool AllowAuthenticated,
    IReadOnlyList<IPNetwork> AllowClients,
    IReadOnlyList<IPAddress> AllowLocalAddresses,
    IReadOnlyList<IPNetwork> DenyClients)
{
    public static readonly RelayPermissions Closed = new(false, [], [], []);
}
