namespace Gatehouse.Server.Configuration;

/// <summary>One configuration key: its path, its default as written in YAML, and what it means.</summary>
/// <remarks>Declared once here; the loader reads keys through these declarations and docs/configuration.md is checked against them.</remarks>
public sealed record ConfigKey(string Path, string Default, string Description)
{
    /// <summary>The key's own name: the last segment of <see cref="Path"/>.</summary>
    public string Name => Path[(Path.LastIndexOf('.') + 1)..];
}

/// <summary>Every configuration key Gatehouse knows.</summary>
public static class ConfigKeys
{
    public static readonly ConfigKey OrganizationName = new("organization.name", "Gatehouse", "Name of the organization, shown in reports.");
    public static readonly ConfigKey AcceptedDomains = new("accepted_domains", "[localhost]", "Domains this organization receives mail for: a name (authoritative) or a mapping with the keys below.");
    public static readonly ConfigKey AcceptedDomainName = new("accepted_domains.domain", "(required)", "The domain.");
    public static readonly ConfigKey AcceptedDomainType = new("accepted_domains.type", "authoritative", "authoritative, internal_relay or external_relay.");
    public static readonly ConfigKey AcceptedDomainForwardTo = new("accepted_domains.forward_to", "(none)", "Host for internal_relay and external_relay domains.");
    public static readonly ConfigKey AcceptedDomainSubdomains = new("accepted_domains.include_subdomains", "false", "Accept every subdomain too.");
    public static readonly ConfigKey AcceptedDomainVerifyRecipients = new("accepted_domains.verify_recipients", "false", "For internal_relay and external_relay domains: ask the forward_to host at RCPT time whether it takes the recipient (MAIL FROM:<>, RCPT TO, RSET), and refuse there what it refuses, instead of accepting and bouncing later (backscatter). Answers are cached: accepted for a day, refused for ten minutes.");
    public static readonly ConfigKey Sites = new("sites", "one site named 'default'", "The sites of the organization.");
    public static readonly ConfigKey SiteName = new("sites.name", "(required)", "Unique name of the site.");
    public static readonly ConfigKey SiteAddressTemplates = new("sites.address_templates", "[] (the organization's directory.address_templates)", "Site addressing: templates for mailboxes homed on this site's servers, instead of the organization-wide ones.");
    public static readonly ConfigKey ServerSite = new("servers.site", "default (or required when sites are listed)", "The site the server belongs to.");
    public static readonly ConfigKey Connectors = new("connectors", "[]", "Internet and site connectors.");
    public static readonly ConfigKey ConnectorName = new("connectors.name", "(required)", "Unique name of the connector.");
    public static readonly ConfigKey ConnectorType = new("connectors.type", "(required)", "internet or site.");
    public static readonly ConfigKey ConnectorServers = new("connectors.servers", "(required for internet)", "Internet: servers that run it. Site: servers of the source site that send over it (empty: any).");
    public static readonly ConfigKey ConnectorSmartHost = new("connectors.smart_host", "(none: DNS MX)", "Internet: forward all mail to this host[:port] instead of looking up MX records.");
    public static readonly ConfigKey ConnectorForwardDomains = new("connectors.forward_domains", "[]", "Internet: forward all messages for a domain to a host.");
    public static readonly ConfigKey ForwardDomain = new("connectors.forward_domains.domain", "(required)", "The domain.");
    public static readonly ConfigKey ForwardHost = new("connectors.forward_domains.host", "(required)", "The host[:port].");
    public static readonly ConfigKey ConnectorTypeMap = new("connectors.outbound_type_map", "{}", "Internet: address types sent as SMTP, e.g. SMTPOUT: SMTP.");
    public static readonly ConfigKey ConnectorSiteDomain = new("connectors.site_domain", "(none)", "Internet: domain at which non-SMTP senders are IMCEA-encapsulated.");
    public static readonly ConfigKey AddressSpaces = new("connectors.address_spaces", "(required for internet)", "What the connector carries.");
    public static readonly ConfigKey SpaceType = new("connectors.address_spaces.type", "SMTP", "Address type.");
    public static readonly ConfigKey SpacePattern = new("connectors.address_spaces.pattern", "(required)", "Pattern.");
    public static readonly ConfigKey SpaceCost = new("connectors.address_spaces.cost", "1", "Cost 1-100.");
    public static readonly ConfigKey SpaceScope = new("connectors.address_spaces.scope", "organization", "organization or site.");
    public static readonly ConfigKey ConnectorSourceSite = new("connectors.source_site", "(required for site)", "Site: the site it leaves from.");
    public static readonly ConfigKey ConnectorTargetSite = new("connectors.target_site", "(required for site)", "Site: the site it goes to.");
    public static readonly ConfigKey ConnectorCost = new("connectors.cost", "1", "Site: cost of the hop, 1-100.");
    public static readonly ConfigKey ConnectorBridgeheads = new("connectors.bridgeheads", "(required for site)", "Site: servers of the target site that receive its mail.");
    public static readonly ConfigKey ConnectorTls = new("connectors.tls", "delivery.tls", "Internet: STARTTLS to the hosts it sends to: none, opportunistic or required.");
    public static readonly ConfigKey ConnectorTlsVerify = new("connectors.tls_verify", "delivery.tls_verify", "Internet: certificate check when TLS is used: none, chain or name.");
    public static readonly ConfigKey ConnectorPort = new("connectors.port", "delivery.smtp_port", "Internet: port of the MX hosts it sends to (a smart host or forwarding host may give its own :port).");
    public static readonly ConfigKey ConnectorAuthUser = new("connectors.auth_user", "(none)", "Internet: SMTP AUTH user for the smart host; sent only over TLS.");
    public static readonly ConfigKey ConnectorAuthPassword = new("connectors.auth_password", "(none)", "Internet: the password for auth_user, in clear text: keep the file readable by Gatehouse only.");
    public static readonly ConfigKey RelayAuthenticated = new("relay.allow_authenticated", "false", "Authenticated clients may relay.");
    public static readonly ConfigKey RelayClients = new("relay.allow_clients", "[]", "Client ranges (CIDR) that may relay.");
    public static readonly ConfigKey RelayLocalAddresses = new("relay.allow_local_addresses", "[]", "Connections arriving on these local addresses may relay.");
    public static readonly ConfigKey RelayDeny = new("relay.deny_clients", "[]", "Client ranges that may never relay; overrides every allow rule.");

    public static readonly ConfigKey Servers = new("servers", "one server named 'gatehouse'", "The servers of the organization; `serve --server NAME` picks one.");
    public static readonly ConfigKey ServerName = new("servers.name", "(required)", "Unique name of the server, used by `--server`.");
    public static readonly ConfigKey ServerHostname = new("servers.hostname", "the machine's host name", "Name in the SMTP greeting, EHLO reply and Received header.");
    public static readonly ConfigKey ServerDataDirectory = new("servers.data_directory", "./data", "Where the spool, TLS material and logs of this server live; relative paths are relative to the configuration file.");
    public static readonly ConfigKey ServerSourceAddress = new("servers.source_address", "the first inbound listener's address, unless it is a wildcard", "Local address of the server's outbound connections. The other servers of the organization recognise mail from this server by it (and by its listener addresses) and let it relay.");
    public static readonly ConfigKey Listeners = new("servers.listeners", "inbound on 127.0.0.1:2525", "SMTP listeners of the server.");
    public static readonly ConfigKey ListenerName = new("servers.listeners.name", "the role", "Name of the listener, shown in logs and the spool.");
    public static readonly ConfigKey ListenerAddress = new("servers.listeners.address", "127.0.0.1", "IPv4 or IPv6 address to bind (0.0.0.0 or :: for all).");
    public static readonly ConfigKey ListenerPort = new("servers.listeners.port", "(required)", "TCP port, 1-65535.");
    public static readonly ConfigKey ListenerRole = new("servers.listeners.role", "inbound", "inbound (port 25 style), submission (587 style: AUTH required before MAIL) or implicit_tls (465 style: TLS from the first byte, AUTH required).");
    public static readonly ConfigKey TlsCertificate = new("servers.tls.certificate", "(generated)", "PEM certificate chain file. Without it a self-signed certificate is generated once and kept in the data directory.");
    public static readonly ConfigKey TlsKey = new("servers.tls.key", "(generated)", "PEM private key file for the certificate.");
    public static readonly ConfigKey AdminAddress = new("servers.admin.address", "127.0.0.1", "Address of the admin HTTP endpoint (/healthz, /metrics).");
    public static readonly ConfigKey AdminPort = new("servers.admin.port", "(none: admin endpoint off)", "Port of the admin HTTP endpoint.");
    public static readonly ConfigKey AdminToken = new("servers.admin.token", "(none)", "Bearer token that every admin request except /healthz must carry (Authorization: Bearer TOKEN); the CLI reads it from this file.");
    public static readonly ConfigKey AdminAllowRemote = new("servers.admin.allow_remote", "false", "Accept admin requests from addresses other than loopback; off, they get 403.");

    public static readonly ConfigKey Users = new("users", "[]", "SMTP AUTH users. AUTH is offered only under TLS and only when there are users.");
    public static readonly ConfigKey UserName = new("users.name", "(required)", "Login name.");
    public static readonly ConfigKey UserPasswordHash = new("users.password_hash", "(required)", "Salted hash made by `gatehouse hash-password`; never a clear-text password.");

    public static readonly ConfigKey AddressTemplates = new("directory.address_templates", "[]", "Exchange site-addressing templates such as %g.%s@example.com: each mailbox without a primary SMTP address at the template's domain gets one (%g given name, %s surname, %i initials, %m alias, %d display name, %Ng first N characters, %rxy replace x by y).");
    public static readonly ConfigKey Mailboxes = new("directory.mailboxes", "[]", "Mailboxes of the organization.");
    public static readonly ConfigKey MailboxAlias = new("directory.mailboxes.alias", "(required)", "Unique alias (case-insensitive) of the recipient.");
    public static readonly ConfigKey MailboxDisplayName = new("directory.mailboxes.display_name", "the alias", "Display name.");
    public static readonly ConfigKey MailboxGivenName = new("directory.mailboxes.given_name", "(none)", "Given name, for address templates (%g).");
    public static readonly ConfigKey MailboxSurname = new("directory.mailboxes.surname", "(none)", "Surname, for address templates (%s).");
    public static readonly ConfigKey MailboxInitials = new("directory.mailboxes.initials", "(none)", "Initials, for address templates (%i).");
    public static readonly ConfigKey MailboxHomeServer = new("directory.mailboxes.home_server", "the only server", "Server that holds the mailbox; must be one of servers[].name.");
    public static readonly ConfigKey MailboxProxies = new("directory.mailboxes.proxy_addresses", "[]", "Addresses of the mailbox as TYPE:value; an upper-case type is the primary address of that type, lower case a secondary one.");
    public static readonly ConfigKey Contacts = new("directory.contacts", "[]", "Contacts (custom recipients): mail to their addresses goes to their target.");
    public static readonly ConfigKey ContactAlias = new("directory.contacts.alias", "(required)", "Unique alias of the contact.");
    public static readonly ConfigKey ContactDisplayName = new("directory.contacts.display_name", "the alias", "Display name.");
    public static readonly ConfigKey ContactTarget = new("directory.contacts.target", "(required)", "Where the contact's mail goes, as TYPE:value (SMTP:someone@partner.example, X400:..., SMTPOUT:...).");
    public static readonly ConfigKey ContactHomeSite = new("directory.contacts.home_site", "(none)", "Site where the contact was created; administrative only: a contact's mail is never sent to its home site first.");
    public static readonly ConfigKey ContactProxies = new("directory.contacts.proxy_addresses", "[]", "Addresses of the contact in our domains, as TYPE:value.");
    public static readonly ConfigKey Lists = new("directory.lists", "[]", "Distribution lists.");
    public static readonly ConfigKey ListAlias = new("directory.lists.alias", "(required)", "Unique alias of the list.");
    public static readonly ConfigKey ListDisplayName = new("directory.lists.display_name", "the alias", "Display name.");
    public static readonly ConfigKey ListMembers = new("directory.lists.members", "[]", "Aliases of the members: mailboxes, contacts or other lists (cycles are detected).");
    public static readonly ConfigKey ListExpansionServer = new("directory.lists.expansion_server", "(the first server that sees the message)", "Server that expands the list; must be one of servers[].name.");
    public static readonly ConfigKey ListAcceptFrom = new("directory.lists.accept_from", "[] (anyone)", "Aliases of the only recipients allowed to send to the list.");
    public static readonly ConfigKey ListProxies = new("directory.lists.proxy_addresses", "[]", "Addresses of the list, as TYPE:value.");
    public static readonly ConfigKey AllowPercentHack = new("sender_routing.allow_percent_hack", "false", "Honour user%ext@ourdomain as user@ext (Postfix allow_percent_hack). Off: such an address is sender-specified routing and refused with 550 5.7.1.");
    public static readonly ConfigKey SwapBangPath = new("sender_routing.swap_bangpath", "false", "Honour ext!user@ourdomain as user@ext (Postfix swap_bangpath). Off: refused with 550 5.7.1.");

    public static readonly ConfigKey MaxMessageSize = new("smtp.max_message_size", "35MiB", "Largest message accepted, in octets (suffixes KB, MB, KiB, MiB). Advertised in EHLO SIZE; larger is 552 5.3.4.");
    public static readonly ConfigKey MaxRecipients = new("smtp.max_recipients", "1000", "Recipients per message; more get 452 4.5.3.");
    public static readonly ConfigKey LineLength = new("smtp.line_length", "2048", "Longest command or content line, CRLF included. A longer command gets 500 5.5.2; a message with a longer line gets 550 5.6.0.");
    public static readonly ConfigKey CommandTimeout = new("smtp.command_timeout", "5m", "Time to wait for the next command (suffixes s, m, h).  Then 421 4.4.2 and close.");
    public static readonly ConfigKey DataTimeout = new("smtp.data_timeout", "5m", "Time to wait for the next block of message content. Then 421 4.4.2 and close; the partial message is dropped.");
    public static readonly ConfigKey MaxConnections = new("smtp.max_connections", "1000", "SMTP connections open at once, all listeners together; more get 421 4.7.0.");
    public static readonly ConfigKey MaxConnectionsPerClient = new("smtp.max_connections_per_client", "50", "Connections open at once from one client IP address; more get 421 4.7.0.");
    public static readonly ConfigKey MaxErrors = new("smtp.max_errors", "20", "Error replies (4xx and 5xx) in one session before the server says 421 4.7.0 and closes.");
    public static readonly ConfigKey BareLineEndings = new("smtp.bare_line_endings", "reject", "reject: a message containing a CR or LF that is not part of CRLF is refused with 550 5.6.11; normalize: each becomes CRLF. Either way only CRLF.CRLF ends DATA.");
    public static readonly ConfigKey ShutdownGrace = new("smtp.shutdown_grace", "10s", "On shutdown, how long sessions in the middle of a message may take to finish before they are cut.");

    public static readonly ConfigKey SpoolSync = new("spool.sync", "syncfs", "syncfs: group commit, one syncfs(2) for all messages finished together (Linux); fsync: fsync(2) of each file and the queue directory.");

    public static readonly ConfigKey DeliveryEnabled = new("delivery.enabled", "true", "false: mail is accepted and queued but not delivered until it is true again (maintenance; the queue commands still work).");
    public static readonly ConfigKey RetrySchedule = new("delivery.retry_schedule", "[10m, 10m, 10m, 15m]", "Waits between delivery attempts of a deferred message; the last one repeats (the IMS schedule).");
    public static readonly ConfigKey ExpireAfter = new("delivery.expire_after", "2d", "How long a message may wait; then its undelivered recipients fail with 5.4.7 and the sender gets a DSN.");
    public static readonly ConfigKey DelayNoticeAfter = new("delivery.delay_notice_after", "0 (never)", "Send the sender one delay notice (DSN action delayed) when a message has waited this long.");
    public static readonly ConfigKey DeliveryMaxConnections = new("delivery.max_connections", "100", "Outbound connections and local deliveries at once, all destinations together.");
    public static readonly ConfigKey DeliveryMaxPerDestination = new("delivery.max_connections_per_destination", "20", "Outbound connections at once to one next hop (a domain's MX, a smart host, a server).");
    public static readonly ConfigKey DeliveryMaxRecipients = new("delivery.max_recipients_per_transaction", "100", "Recipients sent in one SMTP transaction; more are split.");
    public static readonly ConfigKey HopLimit = new("delivery.hop_limit", "30", "A message with more Received headers than this is in a loop: it fails with 5.4.6.");
    public static readonly ConfigKey MarkDownAfter = new("delivery.mark_down_after", "1", "Consecutive failed connections to a server of the organization or a smart host after which it is marked down and routing fails over to the next-cheapest route.");
    public static readonly ConfigKey ProbeInterval = new("delivery.probe_interval", "1m", "How often a next hop marked down is tried again; when it answers it is marked up.");
    public static readonly ConfigKey SmtpPort = new("delivery.smtp_port", "25", "Port of MX hosts (per connector: connectors[].port).");
    public static readonly ConfigKey DeliveryTls = new("delivery.tls", "opportunistic", "Default STARTTLS use for outbound SMTP: none, opportunistic or required.");
    public static readonly ConfigKey DeliveryTlsVerify = new("delivery.tls_verify", "none", "Default certificate check for outbound TLS: none, chain or name.");
    public static readonly ConfigKey ConnectTimeout = new("delivery.connect_timeout", "30s", "Time to wait for a TCP connection to a next hop; the other SMTP timeouts are those of RFC 5321 4.5.3.2.");
    public static readonly ConfigKey DnsServers = new("delivery.dns_servers", "(those of /etc/resolv.conf)", "Name servers for MX, A and AAAA look-ups, as address or address:port ([v6]:port).");
    public static readonly ConfigKey StaticHosts = new("delivery.hosts", "{}", "Static host entries, name: [addresses]; they win over DNS for MX domains and host names alike (a hosts file).");
    public static readonly ConfigKey LocalDelivery = new("delivery.local", "maildir", "Mail for mailboxes homed on this server: maildir (DATA/mailboxes/ALIAS/) or lmtp (to delivery.lmtp_host).");
    public static readonly ConfigKey LmtpHost = new("delivery.lmtp_host", "(required for lmtp)", "The LMTP mailbox server, host:port.");

    public static readonly ConfigKey TrackingEnabled = new("tracking.enabled", "true", "Record every step of every message in the tracking log (DATA/tracking/tracking.db), searched with `gatehouse track`.");
    public static readonly ConfigKey TrackingRetention = new("tracking.retention", "30d", "How long tracking events are kept; older ones are deleted every hour.");
    public static readonly ConfigKey TrackingQueueSize = new("tracking.queue_size", "100000", "Events that may wait in memory to be written; when the log falls further behind, events are dropped and counted rather than slowing mail.");

    public static readonly ConfigKey LogLevel = new("logging.level", "information", "trace, debug, information, warning, error or critical.");
    public static readonly ConfigKey LogFormat = new("logging.format", "text", "text (one line per event) or json (one JSON object per line).");

    /// <summary>All keys, in the order of the documentation.</summary>
    public static IReadOnlyList<ConfigKey> All { get; } = typeof(ConfigKeys)
        .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
        .Where(f => f.FieldType == typeof(ConfigKey))
        .Select(f => (ConfigKey)f.GetValue(null)!)
        .ToArray();
}
