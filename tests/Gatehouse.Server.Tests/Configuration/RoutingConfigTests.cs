using System.Net;
using Gatehouse.Core.Addresses;
using Gatehouse.Core.Configuration;
using Gatehouse.Server.Configuration;

namespace Gatehouse.Server.Tests.Configuration;

/// <summary>Sites, connectors, address spaces, accepted domain kinds and relay permissions: every key read into the model, every mistake refused at its line and key.</summary>
public class RoutingConfigTests
{
    private const string Org = """
        accepted_domains:
          - contoso.com
          - domain: shared.contoso.com
            type: internal_relay
            forward_to: legacy.contoso.com:2525
            verify_recipients: true
          - domain: microsoft-europe.example
            type: external_relay
            forward_to: "[2001:db8::25]"
            include_subdomains: true
        sites:
          - name: hq
          - name: eu
        servers:
          - name: hq1
            site: hq
          - name: hq2
            site: HQ
          - name: eu1
            site: eu
        connectors:
          - name: internet-hq
            type: internet
            servers: [hq1, HQ2]
            smart_host: 192.0.2.25:587
            forward_domains:
              - domain: Partner.Example
                host: mx.partner.example
            outbound_type_map: {smtpout: SMTP}
            site_domain: HQ.Contoso.com
            address_spaces:
              - type: SMTP
                pattern: "*.Example.COM"
                cost: 5
                scope: site
              - pattern: "*"
              - type: SMTPOUT
                pattern: "internal*"
                cost: 100
          - name: hq-to-eu
            type: site
            source_site: hq
            target_site: eu
            servers: [hq2]
            cost: 10
            bridgeheads: [EU1]
        relay:
          allow_authenticated: yes
          allow_clients: [10.0.0.0/8, 192.0.2.7, "2001:db8::/32"]
          allow_local_addresses: [127.0.0.5, "::1"]
          deny_clients: [10.66.0.0/16]
        """;

    /// <summary>Two sites and two servers: the frame most error cases hang their connector on (4 lines).</summary>
    private const string TwoSites = "sites: [{name: hq}, {name: eu}]\nservers:\n  - {name: hq1, site: hq}\n  - {name: eu1, site: eu}\n";

    /// <summary>A valid internet connector up to its name and type (lines 5-7 after <see cref="TwoSites"/>).</summary>
    private const string Internet = TwoSites + "connectors:\n  - name: i\n    type: internet\n";

    /// <summary>A valid site connector up to its sites (lines 5-9 after <see cref="TwoSites"/>).</summary>
    private const string Site = TwoSites + "connectors:\n  - name: s\n    type: site\n    source_site: hq\n    target_site: eu\n";

    private static ConfigError[] Errors(string yaml) =>
        [.. Assert.Throws<ConfigException>(() => ConfigLoader.Parse(yaml, "org.yaml", Path.GetTempPath())).Errors];

    [Fact]
    public void Every_routing_key_is_read_into_the_model()
    {
        var c = ConfigLoader.Parse(Org, "org.yaml", Path.GetTempPath());

        Assert.Equal(["contoso.com", "shared.contoso.com", "microsoft-europe.example"], c.AcceptedDomains);
        Assert.Equal(new AcceptedDomain("contoso.com", AcceptedDomainKind.Authoritative, null, false), c.Domains[0]);
        Assert.Equal(new AcceptedDomain("shared.contoso.com", AcceptedDomainKind.InternalRelay, "legacy.contoso.com:2525", false) { VerifyRecipients = true }, c.Domains[1]);
        Assert.Equal(new AcceptedDomain("microsoft-europe.example", AcceptedDomainKind.ExternalRelay, "[2001:db8::25]", true), c.Domains[2]);
        Assert.Same(c.Domains[2], c.FindAcceptedDomain("africa.microsoft-europe.example"));

        Assert.Equal(["hq", "eu"], c.Sites.Select(s => s.Name));
        Assert.Equal(["hq", "hq", "eu"], c.Servers.Select(s => s.Site)); // "HQ" is the site hq, spelt as declared

        Assert.Equal(2, c.Connectors.Count);
        var inet = c.Connectors[0];
        Assert.Equal(("internet-hq", ConnectorKind.Internet), (inet.Name, inet.Kind));
        Assert.Equal(["hq1", "hq2"], inet.Servers);
        Assert.Equal("192.0.2.25:587", inet.SmartHost);
        Assert.Equal([new DomainForward("partner.example", "mx.partner.example")], inet.ForwardDomains);
        Assert.Equal(AddressType.Smtp, inet.OutboundTypeMap["SMTPOUT"]);
        Assert.Equal("hq.contoso.com", inet.SiteDomain);
        Assert.Equal(
            [
                new AddressSpace(AddressType.Smtp, "*.example.com", 5, AddressSpaceScope.Site),
                new AddressSpace(AddressType.Smtp, "*", 1, AddressSpaceScope.Organization), // type SMTP, cost 1, scope organization by default
                new AddressSpace(AddressType.Parse("SMTPOUT"), "internal*", 100, AddressSpaceScope.Organization),
            ],
            inet.AddressSpaces);
        Assert.Null(inet.SourceSite);
        Assert.Null(inet.TargetSite);
        Assert.Empty(inet.Bridgeheads);

        var site = c.Connectors[1];
        Assert.Equal(("hq-to-eu", ConnectorKind.Site, "hq", "eu", 10), (site.Name, site.Kind, site.SourceSite, site.TargetSite, site.Cost));
        Assert.Equal(["hq2"], site.Servers);
        Assert.Equal(["eu1"], site.Bridgeheads);
        Assert.Empty(site.AddressSpaces);

        Assert.True(c.Relay.AllowAuthenticated);
        Assert.Equal([IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("192.0.2.7/32"), IPNetwork.Parse("2001:db8::/32")], c.Relay.AllowClients);
        Assert.Equal([IPAddress.Parse("127.0.0.5"), IPAddress.IPv6Loopback], c.Relay.AllowLocalAddresses);
        Assert.Equal([IPNetwork.Parse("10.66.0.0/16")], c.Relay.DenyClients);
    }

    [Fact]
    public void Without_routing_keys_there_is_one_site_no_connector_and_relaying_is_closed()
    {
        var c = ConfigLoader.Parse("accepted_domains: [example.com]\n", "org.yaml", Path.GetTempPath());
        Assert.Equal("default", Assert.Single(c.Sites).Name);
        Assert.Equal("default", Assert.Single(c.Servers).Site);
        Assert.Empty(c.Connectors);
        Assert.Equal(RelayPermissions.Closed, c.Relay);
        Assert.Equal(AcceptedDomainKind.Authoritative, Assert.Single(c.Domains).Kind);
    }

    [Fact]
    public void The_built_in_server_joins_the_first_listed_site()
    {
        var c = ConfigLoader.Parse("sites: [{name: hq}, {name: eu}]\n", "org.yaml", Path.GetTempPath());
        Assert.Equal("hq", Assert.Single(c.Servers).Site);
    }

    [Theory]
    // sites and servers.site
    [InlineData("sites:\n  - name: hq\n  - name: HQ\n", 3, "sites[1].name", "listed twice")]
    [InlineData("sites:\n  - {}\n", 2, "sites[0].name", "is required")]
    [InlineData("sites: [{name: hq}]\nservers:\n  - name: a\n    site: mars\n", 4, "servers[0].site", "'mars' is not one of the sites (hq)")]
    [InlineData("servers:\n  - name: a\n    site: hq\n", 3, "servers[0].site", "not one of the sites (default)")]
    [InlineData("sites: [{name: hq}, {name: eu}]\nservers:\n  - name: a\n    hostname: a.example\n", 3, "servers[0].site", "required when sites are listed (hq, eu)")]
    [InlineData("sites: [{name: hq, colour: red}]\n", 1, "sites[0].colour", "unknown key")]
    // accepted domain kinds
    [InlineData("accepted_domains:\n  - domain: a.example\n    type: external_relay\n", 2, "accepted_domains[0].forward_to", "required for a domain of type external_relay")]
    [InlineData("accepted_domains:\n  - domain: a.example\n    type: internal_relay\n", 2, "accepted_domains[0].forward_to", "required for a domain of type internal_relay")]
    [InlineData("accepted_domains:\n  - domain: a.example\n    forward_to: b.example\n", 3, "accepted_domains[0].forward_to", "only internal_relay and external_relay")]
    [InlineData("accepted_domains:\n  - domain: a.example\n    verify_recipients: true\n", 3, "accepted_domains[0].verify_recipients", "only internal_relay and external_relay domains have a host to ask")]
    [InlineData("accepted_domains:\n  - domain: a.example\n    type: external_relay\n    forward_to: b.example\n    verify_recipients: maybe\n", 5, "accepted_domains[0].verify_recipients", "true or false")]
    [InlineData("accepted_domains:\n  - domain: a.example\n    type: relay\n", 3, "accepted_domains[0].type", "authoritative, internal_relay, external_relay")]
    [InlineData("accepted_domains:\n  - type: authoritative\n", 2, "accepted_domains[0].domain", "is required")]
    [InlineData("accepted_domains:\n  - type: authoritative\n    domain: bad..example\n", 3, "accepted_domains[0].domain", "not a domain")]
    [InlineData("accepted_domains:\n  - a.example\n  - type: authoritative\n    domain: A.example\n", 4, "accepted_domains[1].domain", "listed twice")]
    [InlineData("accepted_domains:\n  - domain: a.example\n    include_subdomains: sometimes\n", 3, "accepted_domains[0].include_subdomains", "true or false")]
    [InlineData("accepted_domains:\n  - domain: a.example\n    type: external_relay\n    forward_to: mail host\n", 4, "accepted_domains[0].forward_to", "not a host name")]
    [InlineData("accepted_domains:\n  - domain: a.example\n    type: external_relay\n    forward_to: 2001:db8::1\n", 4, "accepted_domains[0].forward_to", "in brackets")]
    [InlineData("accepted_domains:\n  - domain: a.example\n    type: external_relay\n    forward_to: b.example:0\n", 4, "accepted_domains[0].forward_to", "1 to 65535")]
    [InlineData("accepted_domains:\n  - domain: a.example\n    subdomains: true\n", 3, "accepted_domains[0].subdomains", "unknown key")]
    // every connector
    [InlineData(TwoSites + "connectors:\n  - name: i\n", 6, "connectors[0].type", "is required: internet or site")]
    [InlineData(TwoSites + "connectors:\n  - name: i\n    type: x400\n", 7, "connectors[0].type", "internet, site")]
    [InlineData(TwoSites + "connectors:\n  - type: site\n    source_site: hq\n    target_site: eu\n    bridgeheads: [eu1]\n", 6, "connectors[0].name", "is required")]
    [InlineData(Internet + "    servers: [hq1]\n    address_spaces: [{pattern: \"*\"}]\n  - name: I\n    type: site\n    source_site: hq\n    target_site: eu\n    bridgeheads: [eu1]\n", 10, "connectors[1].name", "'I' is used twice")]
    [InlineData(Internet + "    servers: [hq1]\n    address_spaces: [{pattern: \"*\"}]\n    smarthost: x.example\n", 10, "connectors[0].smarthost", "unknown key")]
    [InlineData(TwoSites + "connectors: {name: i}\n", 5, "connectors", "must be a list")]
    // internet connectors
    [InlineData(Internet + "    address_spaces: [{pattern: \"*\"}]\n", 6, "connectors[0].servers", "required for an internet connector")]
    [InlineData(Internet + "    servers: []\n    address_spaces: [{pattern: \"*\"}]\n", 8, "connectors[0].servers", "required for an internet connector")]
    [InlineData(Internet + "    servers:\n      - hq1\n      - ghost\n    address_spaces: [{pattern: \"*\"}]\n", 10, "connectors[0].servers", "'ghost' is not one of the servers (hq1, eu1)")]
    [InlineData(Internet + "    servers: [hq1]\n", 6, "connectors[0].address_spaces", "required for an internet connector")]
    [InlineData(Internet + "    servers: [hq1]\n    address_spaces: []\n", 9, "connectors[0].address_spaces", "required for an internet connector")]
    [InlineData(Internet + "    servers: [hq1]\n    address_spaces:\n      - type: SMTPOUT\n        pattern: \"*\"\n", 10, "connectors[0].address_spaces[0].type", "add outbound_type_map {SMTPOUT: SMTP}")]
    [InlineData(Internet + "    servers: [hq1]\n    address_spaces:\n      - type: SMTP-OUT\n        pattern: \"*\"\n", 10, "connectors[0].address_spaces[0].type", "only ASCII letters and digits")]
    [InlineData(Internet + "    servers: [hq1]\n    address_spaces:\n      - type: SMTP\n", 10, "connectors[0].address_spaces[0].pattern", "is required")]
    [InlineData(Internet + "    servers: [hq1]\n    address_spaces:\n      - type: SMTP\n        pattern: exa mple.com\n", 11, "connectors[0].address_spaces[0].pattern", "an SMTP address space is a domain, *.domain or *")]
    [InlineData(Internet + "    servers: [hq1]\n    address_spaces:\n      - pattern: \"*.\"\n", 10, "connectors[0].address_spaces[0].pattern", "an SMTP address space")]
    [InlineData(Internet + "    servers: [hq1]\n    outbound_type_map: {X400: SMTP}\n    address_spaces:\n      - type: X400\n        pattern: hello\n", 12, "connectors[0].address_spaces[0].pattern", "c=US;p=Org;o=Site")]
    [InlineData(Internet + "    servers: [hq1]\n    address_spaces:\n      - pattern: \"*\"\n        cost: 0\n", 11, "connectors[0].address_spaces[0].cost", "1 to 100")]
    [InlineData(Internet + "    servers: [hq1]\n    address_spaces:\n      - pattern: \"*\"\n        cost: 101\n", 11, "connectors[0].address_spaces[0].cost", "1 to 100")]
    [InlineData(Internet + "    servers: [hq1]\n    address_spaces:\n      - pattern: \"*\"\n        scope: world\n", 11, "connectors[0].address_spaces[0].scope", "organization, site")]
    [InlineData(Internet + "    servers: [hq1]\n    address_spaces:\n      - pattern: \"*\"\n        weight: 3\n", 11, "connectors[0].address_spaces[0].weight", "unknown key")]
    [InlineData(Internet + "    servers: [hq1]\n    outbound_type_map: {SMTPOUT: X400}\n    address_spaces: [{pattern: \"*\"}]\n", 9, "connectors[0].outbound_type_map", "may only be mapped to SMTP")]
    [InlineData(Internet + "    servers: [hq1]\n    outbound_type_map: {SMTP-OUT: SMTP}\n    address_spaces: [{pattern: \"*\"}]\n", 9, "connectors[0].outbound_type_map", "only ASCII letters and digits")]
    [InlineData(Internet + "    servers: [hq1]\n    outbound_type_map: [SMTPOUT]\n    address_spaces: [{pattern: \"*\"}]\n", 9, "connectors[0].outbound_type_map", "mapping such as SMTPOUT: SMTP")]
    [InlineData(Internet + "    servers: [hq1]\n    site_domain: bad..example\n    address_spaces: [{pattern: \"*\"}]\n", 9, "connectors[0].site_domain", "malformed domain")]
    [InlineData(Internet + "    servers: [hq1]\n    smart_host: relay.example:smtp\n    address_spaces: [{pattern: \"*\"}]\n", 9, "connectors[0].smart_host", "1 to 65535")]
    [InlineData(Internet + "    servers: [hq1]\n    smart_host: \"[2001:db8::1\"\n    address_spaces: [{pattern: \"*\"}]\n", 9, "connectors[0].smart_host", "in brackets")]
    [InlineData(Internet + "    servers: [hq1]\n    address_spaces: [{pattern: \"*\"}]\n    forward_domains:\n      - host: h.example\n", 11, "connectors[0].forward_domains[0].domain", "is required")]
    [InlineData(Internet + "    servers: [hq1]\n    address_spaces: [{pattern: \"*\"}]\n    forward_domains:\n      - host: h.example\n        domain: bad..example\n", 12, "connectors[0].forward_domains[0].domain", "not a domain")]
    [InlineData(Internet + "    servers: [hq1]\n    address_spaces: [{pattern: \"*\"}]\n    forward_domains:\n      - domain: d.example\n", 11, "connectors[0].forward_domains[0].host", "is required")]
    [InlineData(Internet + "    servers: [hq1]\n    address_spaces: [{pattern: \"*\"}]\n    forward_domains:\n      - domain: d.example\n        host: h_1.example\n", 12, "connectors[0].forward_domains[0].host", "not a host name")]
    [InlineData(Internet + "    servers: [hq1]\n    address_spaces: [{pattern: \"*\"}]\n    forward_domains:\n      - {domain: d.example, host: a.example}\n      - {domain: D.example, host: b.example}\n", 12, "connectors[0].forward_domains[1].domain", "forwarded twice")]
    [InlineData(Internet + "    servers: [hq1]\n    address_spaces: [{pattern: \"*\"}]\n    cost: 5\n", 10, "connectors[0].cost", "site connectors only")]
    [InlineData(Internet + "    servers: [hq1]\n    address_spaces: [{pattern: \"*\"}]\n    source_site: hq\n", 10, "connectors[0].source_site", "site connectors only")]
    [InlineData(Internet + "    servers: [hq1]\n    address_spaces: [{pattern: \"*\"}]\n    target_site: eu\n", 10, "connectors[0].target_site", "site connectors only")]
    [InlineData(Internet + "    servers: [hq1]\n    address_spaces: [{pattern: \"*\"}]\n    bridgeheads: [eu1]\n", 10, "connectors[0].bridgeheads", "site connectors only")]
    // site connectors
    [InlineData(Site, 6, "connectors[0].bridgeheads", "required for a site connector")]
    [InlineData(Site + "    bridgeheads: []\n", 10, "connectors[0].bridgeheads", "required for a site connector")]
    [InlineData(Site + "    bridgeheads: [hq1]\n", 10, "connectors[0].bridgeheads", "'hq1' is in site hq, not in the target site eu")]
    [InlineData(Site + "    bridgeheads:\n      - eu1\n      - ghost\n", 12, "connectors[0].bridgeheads", "'ghost' is not one of the servers")]
    [InlineData(Site + "    bridgeheads: [eu1]\n    servers: [eu1]\n", 11, "connectors[0].servers", "'eu1' is not in the source site hq")]
    [InlineData(Site + "    bridgeheads: [eu1]\n    cost: 101\n", 11, "connectors[0].cost", "1 to 100")]
    [InlineData(Site + "    bridgeheads: [eu1]\n    address_spaces: [{pattern: \"*\"}]\n", 11, "connectors[0].address_spaces", "no address spaces")]
    [InlineData(Site + "    bridgeheads: [eu1]\n    smart_host: relay.example\n", 11, "connectors[0].smart_host", "internet connectors only")]
    [InlineData(Site + "    bridgeheads: [eu1]\n    forward_domains: [{domain: d.example, host: h.example}]\n", 11, "connectors[0].forward_domains", "internet connectors only")]
    [InlineData(Site + "    bridgeheads: [eu1]\n    outbound_type_map: {SMTPOUT: SMTP}\n", 11, "connectors[0].outbound_type_map", "internet connectors only")]
    [InlineData(Site + "    bridgeheads: [eu1]\n    site_domain: hq.example\n", 11, "connectors[0].site_domain", "internet connectors only")]
    [InlineData(TwoSites + "connectors:\n  - name: s\n    type: site\n    target_site: eu\n    bridgeheads: [eu1]\n", 6, "connectors[0].source_site", "required for a site connector")]
    [InlineData(TwoSites + "connectors:\n  - name: s\n    type: site\n    source_site: hq\n    bridgeheads: [hq1]\n", 6, "connectors[0].target_site", "required for a site connector")]
    [InlineData(TwoSites + "connectors:\n  - name: s\n    type: site\n    source_site: mars\n    target_site: eu\n    bridgeheads: [eu1]\n", 8, "connectors[0].source_site", "'mars' is not one of the sites (hq, eu)")]
    [InlineData(TwoSites + "connectors:\n  - name: s\n    type: site\n    source_site: hq\n    target_site: mars\n", 9, "connectors[0].target_site", "'mars' is not one of the sites")]
    [InlineData(TwoSites + "connectors:\n  - name: s\n    type: site\n    source_site: hq\n    target_site: HQ\n    bridgeheads: [hq1]\n", 9, "connectors[0].target_site", "two different sites")]
    // relay
    [InlineData("relay:\n  allow_clients: [10.0.0.1/8]\n", 2, "relay.allow_clients", "'10.0.0.1/8' is not an address range")]
    [InlineData("relay:\n  allow_clients:\n    - 10.0.0.0/8\n    - 10.0.0.0/33\n", 4, "relay.allow_clients", "'10.0.0.0/33' is not an address range")]
    [InlineData("relay:\n  allow_clients: [intranet]\n", 2, "relay.allow_clients", "host bits must be zero")]
    [InlineData("relay:\n  allow_clients: 10.0.0.0/8\n", 2, "relay.allow_clients", "must be a list")]
    [InlineData("relay:\n  deny_clients: [\"2001:db8::1/32\"]\n", 2, "relay.deny_clients", "not an address range")]
    [InlineData("relay:\n  allow_local_addresses: [10.0.0.0/8]\n", 2, "relay.allow_local_addresses", "'10.0.0.0/8' is not an IP address")]
    [InlineData("relay:\n  allow_authenticated: maybe\n", 2, "relay.allow_authenticated", "true or false")]
    [InlineData("relay:\n  reroute: true\n", 2, "relay.reroute", "unknown key (known here: allow_authenticated, allow_clients, allow_local_addresses, deny_clients)")]
    [InlineData("relay: [10.0.0.0/8]\n", 1, "relay", "must be a mapping")]
    public void Routing_errors_name_line_and_key(string yaml, int line, string key, string fragment)
    {
        // Filtered by key: a missing or wrong connector type also brings the internet connector's own checks.
        var err = Assert.Single(Errors(yaml), e => e.Key == key);
        Assert.Equal((line, key), (err.Line, err.Key));
        Assert.Contains(fragment, err.Message, StringComparison.Ordinal);
        Assert.StartsWith($"org.yaml:{line}: {key}: ", err.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("mx.example")]
    [InlineData("mx.example:2525")]
    [InlineData("192.0.2.1")]
    [InlineData("192.0.2.1:25")]
    [InlineData("[2001:db8::1]")]
    [InlineData("[2001:db8::1]:25")]
    [InlineData("localhost")]
    public void Next_hops_may_be_names_or_addresses_with_a_port(string host)
    {
        var c = ConfigLoader.Parse($"accepted_domains:\n  - domain: a.example\n    type: external_relay\n    forward_to: \"{host}\"\n", "org.yaml", Path.GetTempPath());
        Assert.Equal(host, c.Domains[0].ForwardTo);
    }
}
