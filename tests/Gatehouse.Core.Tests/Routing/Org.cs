using System.Net;
using Gatehouse.Core.Addresses;
using Gatehouse.Core.Configuration;
using Gatehouse.Core.Directory;
using R = Gatehouse.Core.Tests.Directory.Recipients;

namespace Gatehouse.Core.Tests.Routing;

/// <summary>Short ways to write an organization in the routing tests, as the configuration loader would build it.</summary>
/// <remarks>Core tests cannot read YAML (the loader lives in the server); the seed examples themselves are tested in Gatehouse.Server.Tests/Routing.</remarks>
internal static class Org
{
    private static readonly SmtpLimits Limits = new(35L << 20, 1000, 2048, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(5), 1000, 50, 20, BareLineEndings.Reject, TimeSpan.FromSeconds(10));

    public static ServerConfig Server(string name, string site, string address = "127.0.0.2") =>
        new(name, name + ".example", "/nonexistent/" + name, [new ListenerConfig("inbound", IPAddress.Parse(address), 2525, ListenerRole.Inbound, 0)], new TlsConfig(null, null), null) { Site = site };

    public static AddressSpace Space(string type, string pattern, int cost = 1, AddressSpaceScope scope = AddressSpaceScope.Organization) =>
        new(AddressType.Parse(type), pattern, cost, scope);

    public static ConnectorConfig Internet(string name, string[] servers, AddressSpace[] spaces, string? smartHost = null, DomainForward[]? forwards = null, Dictionary<string, AddressType>? typeMap = null) =>
        new(name, ConnectorKind.Internet, servers, spaces, smartHost, forwards ?? [], typeMap ?? [], null, null, null, 1, []);

    public static ConnectorConfig SiteLink(string name, string from, string to, int cost, params string[] bridgeheads) =>
        new(name, ConnectorKind.Site, [], [], null, [], new Dictionary<string, AddressType>(), null, from, to, cost, bridgeheads);

    public static AcceptedDomain Authoritative(string domain, bool subdomains = false) => new(domain, AcceptedDomainKind.Authoritative, null, subdomains);

    public static AcceptedDomain ExternalRelay(string domain, string host) => new(domain, AcceptedDomainKind.ExternalRelay, host, false);

    public static AcceptedDomain InternalRelay(string domain, string host) => new(domain, AcceptedDomainKind.InternalRelay, host, false);

    public static RelayPermissions Relay(bool authenticated = false, string[]? allow = null, string[]? locals = null, string[]? deny = null) =>
        new(authenticated, [.. (allow ?? []).Select(IPNetwork.Parse)], [.. (locals ?? []).Select(IPAddress.Parse)], [.. (deny ?? []).Select(IPNetwork.Parse)]);

    public static GatehouseConfig Config(
        ServerConfig[] servers,
        ConnectorConfig[] connectors,
        AcceptedDomain[] domains,
        RecipientDirectory? directory = null,
        RelayPermissions? relay = null) =>
        new("Test", [.. domains.Select(d => d.Domain)], servers, [], Limits, SpoolSync.Fsync, new LoggingConfig("information", "text"), null)
        {
            Sites = [.. servers.Select(s => s.Site).Distinct().Select(s => new SiteConfig(s))],
            Domains = domains,
            Connectors = connectors,
            Directory = directory ?? RecipientDirectory.Empty,
            Relay = relay ?? RelayPermissions.Closed,
        };

    public static MailboxRecipient Box(string alias, string homeServer, params string[] proxies) =>
        new(alias, alias, R.Proxies(proxies), homeServer);

    public static ContactRecipient Contact(string alias, string target, string? homeSite, params string[] proxies) =>
        new(alias, alias, R.Proxies(proxies), R.Typed(target), homeSite);

    public static RecipientDirectory Dir(params DirectoryRecipient[] recipients) => R.Clean(recipients);

    public static TypedAddress Address(string text) => R.Typed(text);
}
