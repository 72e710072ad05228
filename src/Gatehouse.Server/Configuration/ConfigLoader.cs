using System.Net;
using Gatehouse.Core.Addresses;
using Gatehouse.Core.Configuration;
using Gatehouse.Core.Directory;
using Gatehouse.Core.Security;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Gatehouse.Server.Configuration;

/// <summary>Turns a YAML file into a validated <see cref="GatehouseConfig"/> snapshot, or every error with its line.</summary>
/// <remarks>
/// It reads files and checks that files the configuration names exist; it never binds sockets or
/// opens the spool. A configuration is all or nothing: any error means no snapshot, so a reload
/// that fails leaves the running configuration in place.
/// </remarks>
public static class ConfigLoader
{
    public const int DefaultPort = 2525;

    /// <summary>The built-in configuration of <c>gatehouse serve</c> without <c>--config</c>.</summary>
    public static GatehouseConfig Default(string workingDirectory) => Parse("{}", "(built-in default)", workingDirectory);

    public static GatehouseConfig LoadFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException([new ConfigError(path, 0, "(file)", e.Message)]);
        }
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        return Parse(text, path, dir) with { SourceFile = Path.GetFullPath(path) };
    }

    public static GatehouseConfig Parse(string text, string file, string baseDirectory)
    {
        var errors = new List<ConfigError>();
        YamlMappingNode root;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
            {
                root = new YamlMappingNode();
            }
            else if (stream.Documents.Count > 1)
            {
                throw new ConfigException([new ConfigError(file, (int)stream.Documents[1].RootNode.Start.Line, "(file)", "only one YAML document is allowed")]);
            }
            else if (stream.Documents[0].RootNode is YamlMappingNode m)
            {
                root = m;
            }
            else
            {
                throw new ConfigException([new ConfigError(file, (int)stream.Documents[0].RootNode.Start.Line, "(file)", "the top level must be a mapping of keys to values")]);
            }
        }
        catch (YamlException e)
        {
            throw new ConfigException([new ConfigError(file, (int)e.Start.Line, "(yaml)", e.InnerException?.Message ?? e.Message)]);
        }

        var top = new YamlSection(root, "", "", file, errors);
        top.CheckUnknown();

        var org = top.Map("organization");
        org?.CheckUnknown();
        var orgName = org?.String(ConfigKeys.OrganizationName) ?? "Gatehouse";

        var accepted = new List<AcceptedDomain>();
        if (top.Has(ConfigKeys.AcceptedDomains))
        {
            foreach (var (value, map, itemLine) in top.Items(ConfigKeys.AcceptedDomains))
            {
                var line = itemLine;
                var name = value;
                var kind = AcceptedDomainKind.Authoritative;
                string? forward = null;
                var subdomains = false;
                var verify = false;
                var keyName = "accepted_domains";
                if (map is not null)
                {
                    map.CheckUnknown();
                    keyName = map.DisplayPath;
                    name = map.String(ConfigKeys.AcceptedDomainName);
                    if (name is null) map.Error(map.Line, map.Display(ConfigKeys.AcceptedDomainName), "is required");
                    kind = map.Enum(ConfigKeys.AcceptedDomainType, AcceptedDomainKind.Authoritative);
                    forward = map.String(ConfigKeys.AcceptedDomainForwardTo);
                    subdomains = map.Bool(ConfigKeys.AcceptedDomainSubdomains, false);
                    verify = map.Bool(ConfigKeys.AcceptedDomainVerifyRecipients, false);
                    if (verify && kind == AcceptedDomainKind.Authoritative) map.Error(ConfigKeys.AcceptedDomainVerifyRecipients, "only internal_relay and external_relay domains have a host to ask");
                    if (kind != AcceptedDomainKind.Authoritative && forward is null) map.Error(map.Line, map.Display(ConfigKeys.AcceptedDomainForwardTo), $"is required for a domain of type {ConfigValues.SnakeCase(kind.ToString())}");
                    if (kind == AcceptedDomainKind.Authoritative && forward is not null) map.Error(ConfigKeys.AcceptedDomainForwardTo, "only internal_relay and external_relay domains are forwarded");
                }
                if (name is null) continue;
                if (forward is not null && !IsHost(forward, out var hostWhy)) map!.Error(ConfigKeys.AcceptedDomainForwardTo, hostWhy);
                // In the mapping form the fault is in the domain key, which need not be on the item's first line.
                if (map is not null)
                {
                    line = map.LineOf(ConfigKeys.AcceptedDomainName);
                    keyName = map.Display(ConfigKeys.AcceptedDomainName);
                }
                var lower = name.Trim().ToLowerInvariant();
                if (!SmtpPathParser.IsAsciiDomain(lower, out var why)) errors.Add(new ConfigError(file, line, keyName, $"'{name}' is not a domain: {why}"));
                else if (accepted.Any(a => a.Domain == lower)) errors.Add(new ConfigError(file, line, keyName, $"'{name}' is listed twice"));
                else accepted.Add(new AcceptedDomain(lower, kind, forward, subdomains) { VerifyRecipients = verify });
            }
        }
        else
        {
            accepted.Add(new AcceptedDomain("localhost", AcceptedDomainKind.Authoritative, null, false));
        }
        var domains = accepted.Select(a => a.Domain).ToList();

        var sites = new List<SiteConfig>();
        foreach (var site in top.Sections(ConfigKeys.Sites))
        {
            site.CheckUnknown();
            var name = site.String(ConfigKeys.SiteName);
            if (string.IsNullOrWhiteSpace(name)) site.Error(site.Line, site.Display(ConfigKeys.SiteName), "is required");
            else if (sites.Any(x => x.Name.Equals(name, StringComparison.OrdinalIgnoreCase))) site.Error(ConfigKeys.SiteName, $"site '{name}' is listed twice");
            else sites.Add(new SiteConfig(name) { AddressTemplates = Templates(site, ConfigKeys.SiteAddressTemplates, accepted) });
        }
        var sitesListed = sites.Count > 0;
        if (!sitesListed) sites.Add(new SiteConfig("default"));

        var servers = new List<ServerConfig>();
        if (top.Has(ConfigKeys.Servers))
        {
            foreach (var s in top.Sections(ConfigKeys.Servers)) servers.Add(ReadServer(s, baseDirectory, sites, sitesListed));
            if (servers.Count == 0) top.Error(ConfigKeys.Servers, "must list at least one server");
            foreach (var dup in servers.GroupBy(s => s.Name, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
            {
                top.Error(ConfigKeys.Servers, $"server name '{dup.Key}' is used more than once");
            }
        }
        else
        {
            // Listed sites replace the built-in site "default", so the built-in server joins the first of them.
            servers.Add(DefaultServer(baseDirectory) with { Site = sites[0].Name });
        }

        var users = new List<UserConfig>();
        foreach (var u in top.Sections(ConfigKeys.Users))
        {
            u.CheckUnknown();
            var name = u.String(ConfigKeys.UserName);
            var hash = u.String(ConfigKeys.UserPasswordHash);
            if (string.IsNullOrWhiteSpace(name)) u.Error(u.Line, u.Display(ConfigKeys.UserName), "is required");
            if (hash is null) u.Error(u.Line, u.Display(ConfigKeys.UserPasswordHash), "is required");
            else if (!PasswordHash.IsWellFormed(hash, out var why)) u.Error(ConfigKeys.UserPasswordHash, why);
            if (name is not null && users.Any(x => x.Name == name)) u.Error(ConfigKeys.UserName, $"user '{name}' is listed twice");
            if (name is not null && hash is not null) users.Add(new UserConfig(name, hash));
        }

        var notices = new List<string>();
        var (directory, routing) = ReadDirectory(top, servers, sites, accepted, errors, notices);
        var connectors = ReadConnectors(top, servers, sites, errors);
        var relay = ReadRelay(top);

        var smtp = top.Map("smtp");
        smtp?.CheckUnknown();
        var limits = new SmtpLimits(
            MaxMessageSize: smtp?.Size(ConfigKeys.MaxMessageSize, 35L << 20, 1024, 1L << 40) ?? 35L << 20,
            MaxRecipients: smtp?.Int(ConfigKeys.MaxRecipients, 1000, 1, 100_000) ?? 1000,
            LineLength: smtp?.Int(ConfigKeys.LineLength, 2048, 1000, 1 << 20) ?? 2048,
            CommandTimeout: smtp?.Duration(ConfigKeys.CommandTimeout, TimeSpan.FromMinutes(5), TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(1)) ?? TimeSpan.FromMinutes(5),
            DataTimeout: smtp?.Duration(ConfigKeys.DataTimeout, TimeSpan.FromMinutes(5), TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(1)) ?? TimeSpan.FromMinutes(5),
            MaxConnections: smtp?.Int(ConfigKeys.MaxConnections, 1000, 1, 1_000_000) ?? 1000,
            MaxConnectionsPerClient: smtp?.Int(ConfigKeys.MaxConnectionsPerClient, 50, 1, 1_000_000) ?? 50,
            MaxErrors: smtp?.Int(ConfigKeys.MaxErrors, 20, 1, 10_000) ?? 20,
            BareLineEndings: smtp?.Enum(ConfigKeys.BareLineEndings, BareLineEndings.Reject) ?? BareLineEndings.Reject,
            ShutdownGrace: smtp?.Duration(ConfigKeys.ShutdownGrace, TimeSpan.FromSeconds(10), TimeSpan.Zero, TimeSpan.FromHours(1)) ?? TimeSpan.FromSeconds(10));

        var spool = top.Map("spool");
        spool?.CheckUnknown();
        var sync = spool?.Enum(ConfigKeys.SpoolSync, SpoolSync.Syncfs) ?? SpoolSync.Syncfs;

        var delivery = ReadDelivery(top);
        var tracking = ReadTracking(top);

        var logging = top.Map("logging");
        logging?.CheckUnknown();
        var level = logging?.String(ConfigKeys.LogLevel) ?? "information";
        if (logging is not null && !new[] { "trace", "debug", "information", "warning", "error", "critical" }.Contains(level))
        {
            logging.Error(ConfigKeys.LogLevel, $"must be one of trace, debug, information, warning, error, critical, not '{level}'");
        }
        var format = logging?.String(ConfigKeys.LogFormat) ?? "text";
        if (logging is not null && format is not ("text" or "json")) logging.Error(ConfigKeys.LogFormat, $"must be text or json, not '{format}'");

        if (errors.Count > 0) throw new ConfigException(errors.OrderBy(e => e.Line).ToArray());
        return new GatehouseConfig(orgName, domains, servers, users, limits, sync, new LoggingConfig(level, format), null)
        {
            Directory = directory,
            SenderRouting = routing,
            Notices = notices,
            Sites = sites,
            Domains = accepted,
            Connectors = connectors,
            Relay = relay,
            Delivery = delivery,
            Tracking = tracking,
        };
    }

    private static TrackingConfig ReadTracking(YamlSection top)
    {
        var t = top.Map("tracking");
        var def = TrackingConfig.Default;
        if (t is null) return def;
        t.CheckUnknown();
        return new TrackingConfig(
            t.Bool(ConfigKeys.TrackingEnabled, def.Enabled),
            t.Duration(ConfigKeys.TrackingRetention, def.Retention, TimeSpan.FromHours(1), TimeSpan.FromDays(3650)),
            t.Int(ConfigKeys.TrackingQueueSize, def.QueueSize, 100, 10_000_000));
    }

    private static DeliveryConfig ReadDelivery(YamlSection top)
    {
        var d = top.Map("delivery");
        var def = DeliveryConfig.Default;
        if (d is null) return def;
        d.CheckUnknown();
        var schedule = new List<TimeSpan>();
        foreach (var (text, line) in d.Strings(ConfigKeys.RetrySchedule))
        {
            if (ConfigValues.TryParseDuration(text, out var t) && t >= TimeSpan.FromMilliseconds(100) && t <= TimeSpan.FromDays(1)) schedule.Add(t);
            else d.Error(line, d.Display(ConfigKeys.RetrySchedule), $"'{text}' must be a duration from 100ms to 1d (a number with s, m, h or d)");
        }
        if (d.Has(ConfigKeys.RetrySchedule) && schedule.Count == 0 && d.IsMissingOrEmptyList(ConfigKeys.RetrySchedule)) d.Error(ConfigKeys.RetrySchedule, "must list at least one wait");
        var notice = d.Duration(ConfigKeys.DelayNoticeAfter, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.FromDays(30));
        var dns = new List<IPEndPoint>();
        foreach (var (text, line) in d.Strings(ConfigKeys.DnsServers))
        {
            if (IPEndPoint.TryParse(text, out var ep) && (ep.Port != 0 || !text.EndsWith(":0", StringComparison.Ordinal)))
            {
                dns.Add(ep.Port == 0 ? new IPEndPoint(ep.Address, 53) : ep);
            }
            else
            {
                d.Error(line, d.Display(ConfigKeys.DnsServers), $"'{text}' is not an address or address:port ([v6]:port)");
            }
        }
        var hosts = new Dictionary<string, IReadOnlyList<IPAddress>>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values, line) in d.MultiPairs(ConfigKeys.StaticHosts))
        {
            var key = name.TrimEnd('.').ToLowerInvariant();
            if (!SmtpPathParser.IsAsciiDomain(key, out var why)) d.Error(line, d.Display(ConfigKeys.StaticHosts), $"'{name}' is not a host name: {why}");
            var addresses = new List<IPAddress>();
            foreach (var v in values)
            {
                if (IPAddress.TryParse(v, out var a)) addresses.Add(a);
                else d.Error(line, d.Display(ConfigKeys.StaticHosts), $"'{v}' (for {name}) is not an IP address");
            }
            if (!hosts.TryAdd(key, addresses)) d.Error(line, d.Display(ConfigKeys.StaticHosts), $"'{name}' is listed twice");
        }
        var local = d.Enum(ConfigKeys.LocalDelivery, LocalDeliveryKind.Maildir);
        var lmtp = d.String(ConfigKeys.LmtpHost);
        if (local == LocalDeliveryKind.Lmtp && lmtp is null) d.Error(d.Line, d.Display(ConfigKeys.LmtpHost), "is required when delivery.local is lmtp");
        if (lmtp is not null && !IsHost(lmtp, out var lmtpWhy)) d.Error(ConfigKeys.LmtpHost, lmtpWhy);
        return new DeliveryConfig(
            schedule.Count > 0 ? schedule : def.RetrySchedule,
            d.Duration(ConfigKeys.ExpireAfter, def.ExpireAfter, TimeSpan.FromSeconds(1), TimeSpan.FromDays(60)),
            notice == TimeSpan.Zero ? null : notice,
            d.Int(ConfigKeys.DeliveryMaxConnections, def.MaxConnections, 1, 100_000),
            d.Int(ConfigKeys.DeliveryMaxPerDestination, def.MaxConnectionsPerDestination, 1, 10_000),
            d.Int(ConfigKeys.DeliveryMaxRecipients, def.MaxRecipientsPerTransaction, 1, 100_000),
            d.Int(ConfigKeys.HopLimit, def.HopLimit, 1, 1000),
            d.Int(ConfigKeys.MarkDownAfter, def.MarkDownAfter, 1, 1000),
            d.Duration(ConfigKeys.ProbeInterval, def.ProbeInterval, TimeSpan.FromMilliseconds(100), TimeSpan.FromDays(1)),
            d.Int(ConfigKeys.SmtpPort, def.SmtpPort, 1, 65535),
            d.Enum(ConfigKeys.DeliveryTls, def.Tls),
            d.Enum(ConfigKeys.DeliveryTlsVerify, def.TlsVerify),
            d.Duration(ConfigKeys.ConnectTimeout, def.ConnectTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(10)),
            dns,
            hosts,
            local,
            lmtp)
        {
            Enabled = d.Bool(ConfigKeys.DeliveryEnabled, true),
        };
    }

    private static (RecipientDirectory, SenderRoutingOptions) ReadDirectory(YamlSection top, List<ServerConfig> servers, List<SiteConfig> sites, List<AcceptedDomain> accepted, List<ConfigError> errors, List<string> notices)
    {
        var sr = top.Map("sender_routing");
        sr?.CheckUnknown();
        var routing = new SenderRoutingOptions
        {
            AllowPercentHack = sr?.Bool(ConfigKeys.AllowPercentHack, false) ?? false,
            SwapBangPath = sr?.Bool(ConfigKeys.SwapBangPath, false) ?? false,
        };

        var d = top.Map("directory");
        if (d is null) return (RecipientDirectory.Empty, routing);
        d.CheckUnknown();
        var recipients = new List<DirectoryRecipient>();
        var lines = new Dictionary<string, (YamlSection Section, ConfigKey Key)>(StringComparer.OrdinalIgnoreCase);

        var templates = Templates(d, ConfigKeys.AddressTemplates, accepted);

        string Alias(YamlSection s, ConfigKey key)
        {
            var alias = s.String(key);
            if (string.IsNullOrWhiteSpace(alias))
            {
                s.Error(s.Line, s.Display(key), "is required");
                return "";
            }
            lines[alias] = (s, key); // the last one: a duplicate is reported where it is repeated
            return alias;
        }

        IReadOnlyList<ProxyAddress> Proxies(YamlSection s, ConfigKey key)
        {
            var list = new List<ProxyAddress>();
            foreach (var (text, line) in s.Strings(key))
            {
                if (ProxyAddress.TryParse(text, out var p, out var why)) list.Add(p);
                else s.Error(line, s.Display(key), $"'{text}': {why}");
            }
            return list;
        }

        string? Server(YamlSection s, ConfigKey key, bool defaultToOnly)
        {
            var name = s.String(key);
            if (name is null) return defaultToOnly && servers.Count == 1 ? servers[0].Name : null;
            var match = servers.FirstOrDefault(x => x.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
            if (match is null) s.Error(key, $"'{name}' is not one of the servers ({string.Join(", ", servers.Select(x => x.Name))})");
            return match?.Name ?? name;
        }

        foreach (var m in d.Sections(ConfigKeys.Mailboxes))
        {
            m.CheckUnknown();
            var alias = Alias(m, ConfigKeys.MailboxAlias);
            var home = Server(m, ConfigKeys.MailboxHomeServer, defaultToOnly: true);
            if (home is null) m.Error(m.Line, m.Display(ConfigKeys.MailboxHomeServer), "is required when the organization has several servers");
            recipients.Add(new MailboxRecipient(alias, m.String(ConfigKeys.MailboxDisplayName) ?? alias, Proxies(m, ConfigKeys.MailboxProxies), home ?? "",
                m.String(ConfigKeys.MailboxGivenName), m.String(ConfigKeys.MailboxSurname), m.String(ConfigKeys.MailboxInitials)));
        }
        foreach (var c in d.Sections(ConfigKeys.Contacts))
        {
            c.CheckUnknown();
            var alias = Alias(c, ConfigKeys.ContactAlias);
            var targetText = c.String(ConfigKeys.ContactTarget);
            TypedAddress? target = null;
            if (targetText is null) c.Error(c.Line, c.Display(ConfigKeys.ContactTarget), "is required");
            else if (!TypedAddress.TryParse(targetText, out target, out var why)) c.Error(ConfigKeys.ContactTarget, $"'{targetText}': {why}");
            if (target is not null)
            {
                var homeSite = c.String(ConfigKeys.ContactHomeSite);
                if (homeSite is not null && !sites.Any(x => x.Name.Equals(homeSite, StringComparison.OrdinalIgnoreCase)))
                {
                    c.Error(ConfigKeys.ContactHomeSite, $"'{homeSite}' is not one of the sites ({string.Join(", ", sites.Select(x => x.Name))})");
                }
                recipients.Add(new ContactRecipient(alias, c.String(ConfigKeys.ContactDisplayName) ?? alias, Proxies(c, ConfigKeys.ContactProxies), target, homeSite));
            }
        }
        foreach (var l in d.Sections(ConfigKeys.Lists))
        {
            l.CheckUnknown();
            var alias = Alias(l, ConfigKeys.ListAlias);
            recipients.Add(new DistributionListRecipient(alias, l.String(ConfigKeys.ListDisplayName) ?? alias, Proxies(l, ConfigKeys.ListProxies),
                l.Strings(ConfigKeys.ListMembers).Select(x => x.Value).ToArray(), Server(l, ConfigKeys.ListExpansionServer, defaultToOnly: false),
                l.Strings(ConfigKeys.ListAcceptFrom).Select(x => x.Value).ToArray()));
        }

        foreach (var r in recipients)
        {
            foreach (var p in r.ProxyAddresses.Where(p => p.Address.Mailbox is { } mb && !accepted.Any(a => a.Matches(mb.Domain))))
            {
                var (s, _) = lines.GetValueOrDefault(r.Alias);
                errors.Add(new ConfigError(d.File, s?.Line ?? d.Line, s?.DisplayPath ?? "directory", $"{p.Address} is not at one of accepted_domains; the SMTP addresses of recipients, contacts included, must be ours (a contact's outside address is its target)"));
            }
        }

        // Site addressing: a mailbox gets its site's templates, or the organization's when its site has none.
        IReadOnlyList<AddressTemplate> TemplatesFor(MailboxRecipient m)
        {
            var site = servers.FirstOrDefault(x => x.Name == m.HomeServer)?.Site;
            var own = sites.FirstOrDefault(x => x.Name == site)?.AddressTemplates ?? [];
            return own.Count > 0 ? own : templates;
        }
        var directory = RecipientDirectory.Build(recipients.Where(r => r.Alias.Length > 0), TemplatesFor, out var problems);
        foreach (var problem in problems.Where(p => p.IsError))
        {
            var (s, key) = lines.GetValueOrDefault(problem.Alias);
            errors.Add(new ConfigError(d.File, s?.LineOf(key) ?? d.Line, s?.DisplayPath ?? "directory", $"'{problem.Alias}' {problem.Message}"));
        }
        notices.AddRange(problems.Where(p => !p.IsError).Select(p => $"directory: '{p.Alias}' {p.Message}"));
        return (directory, routing);
    }

    private static List<AddressTemplate> Templates(YamlSection s, ConfigKey key, List<AcceptedDomain> accepted)
    {
        var list = new List<AddressTemplate>();
        foreach (var (text, line) in s.Strings(key))
        {
            if (!AddressTemplate.TryParse(text, out var t, out var why)) s.Error(line, s.Display(key), $"'{text}': {why}");
            else if (!accepted.Any(a => a.Matches(t.Domain))) s.Error(line, s.Display(key), $"'{text}': {t.Domain} is not one of accepted_domains");
            else list.Add(t);
        }
        return list;
    }

    private static List<ConnectorConfig> ReadConnectors(YamlSection top, List<ServerConfig> servers, List<SiteConfig> sites, List<ConfigError> errors)
    {
        var list = new List<ConnectorConfig>();
        foreach (var c in top.Sections(ConfigKeys.Connectors))
        {
            c.CheckUnknown();
            var name = c.String(ConfigKeys.ConnectorName);
            if (string.IsNullOrWhiteSpace(name))
            {
                c.Error(c.Line, c.Display(ConfigKeys.ConnectorName), "is required");
                name = "?";
            }
            else if (list.Any(x => x.Name.Equals(name, StringComparison.OrdinalIgnoreCase)))
            {
                c.Error(ConfigKeys.ConnectorName, $"connector name '{name}' is used twice");
            }
            if (!c.Has(ConfigKeys.ConnectorType)) c.Error(c.Line, c.Display(ConfigKeys.ConnectorType), "is required: internet or site");
            var kind = c.Enum(ConfigKeys.ConnectorType, ConnectorKind.Internet);
            var serverNames = new List<string>();
            foreach (var (value, line) in c.Strings(ConfigKeys.ConnectorServers))
            {
                var known = servers.FirstOrDefault(x => x.Name.Equals(value, StringComparison.OrdinalIgnoreCase));
                if (known is null) c.Error(line, c.Display(ConfigKeys.ConnectorServers), $"'{value}' is not one of the servers ({string.Join(", ", servers.Select(x => x.Name))})");
                else serverNames.Add(known.Name);
            }
            var typeMap = new Dictionary<string, AddressType>(StringComparer.OrdinalIgnoreCase);
            foreach (var (from, to, line) in c.Pairs(ConfigKeys.ConnectorTypeMap))
            {
                if (!AddressType.TryParse(from, out var f, out var why) || !AddressType.TryParse(to, out var t, out why)) c.Error(line, c.Display(ConfigKeys.ConnectorTypeMap), why);
                else if (!t.IsSmtp) c.Error(line, c.Display(ConfigKeys.ConnectorTypeMap), $"{from} may only be mapped to SMTP: an internet connector sends SMTP");
                else typeMap[f.Name] = t;
            }
            var spaces = new List<AddressSpace>();
            foreach (var a in c.Sections(ConfigKeys.AddressSpaces))
            {
                a.CheckUnknown();
                var typeText = a.String(ConfigKeys.SpaceType) ?? "SMTP";
                if (!AddressType.TryParse(typeText, out var type, out var why))
                {
                    a.Error(ConfigKeys.SpaceType, why);
                    continue;
                }
                var pattern = a.String(ConfigKeys.SpacePattern);
                if (pattern is null)
                {
                    a.Error(a.Line, a.Display(ConfigKeys.SpacePattern), "is required (SMTP: example.com, *.example.com or *)");
                    continue;
                }
                if (!Core.Routing.AddressSpaceMatcher.IsValidPattern(type, pattern, out why)) a.Error(ConfigKeys.SpacePattern, why);
                if (kind == ConnectorKind.Internet && !type.IsSmtp && !typeMap.ContainsKey(type.Name))
                {
                    a.Error(ConfigKeys.SpaceType, $"an internet connector sends SMTP: add outbound_type_map {{{type.Name}: SMTP}} to carry {type.Name} addresses (seed Q183801's OverrideProxyOut)");
                }
                spaces.Add(new AddressSpace(type, type.IsSmtp ? pattern.ToLowerInvariant() : pattern, a.Int(ConfigKeys.SpaceCost, 1, 1, 100), a.Enum(ConfigKeys.SpaceScope, AddressSpaceScope.Organization)));
            }
            var forwards = new List<DomainForward>();
            foreach (var f in c.Sections(ConfigKeys.ConnectorForwardDomains))
            {
                f.CheckUnknown();
                var domain = f.String(ConfigKeys.ForwardDomain)?.ToLowerInvariant();
                var host = f.String(ConfigKeys.ForwardHost);
                if (domain is null) f.Error(f.Line, f.Display(ConfigKeys.ForwardDomain), "is required");
                else if (!SmtpPathParser.IsAsciiDomain(domain, out var why)) f.Error(ConfigKeys.ForwardDomain, $"'{domain}' is not a domain: {why}");
                else if (forwards.Any(x => x.Domain == domain)) f.Error(ConfigKeys.ForwardDomain, $"'{domain}' is forwarded twice by this connector");
                else if (host is null) f.Error(f.Line, f.Display(ConfigKeys.ForwardHost), "is required");
                else if (!IsHost(host, out why)) f.Error(ConfigKeys.ForwardHost, why);
                else forwards.Add(new DomainForward(domain, host));
            }
            string? source = null, target = null;
            var bridgeheads = new List<string>();
            var cost = c.Int(ConfigKeys.ConnectorCost, 1, 1, 100);
            string? Site(ConfigKey key)
            {
                var v = c.String(key);
                if (v is null)
                {
                    c.Error(c.Line, c.Display(key), "is required for a site connector");
                    return null;
                }
                var known = sites.FirstOrDefault(x => x.Name.Equals(v, StringComparison.OrdinalIgnoreCase));
                if (known is null) c.Error(key, $"'{v}' is not one of the sites ({string.Join(", ", sites.Select(x => x.Name))})");
                return known?.Name;
            }
            if (kind == ConnectorKind.Site)
            {
                source = Site(ConfigKeys.ConnectorSourceSite);
                target = Site(ConfigKeys.ConnectorTargetSite);
                if (source is not null && source == target) c.Error(ConfigKeys.ConnectorTargetSite, "a site connector joins two different sites");
                foreach (var (value, line) in c.Strings(ConfigKeys.ConnectorBridgeheads))
                {
                    var known = servers.FirstOrDefault(x => x.Name.Equals(value, StringComparison.OrdinalIgnoreCase));
                    if (known is null) c.Error(line, c.Display(ConfigKeys.ConnectorBridgeheads), $"'{value}' is not one of the servers");
                    else if (target is not null && known.Site != target) c.Error(line, c.Display(ConfigKeys.ConnectorBridgeheads), $"'{value}' is in site {known.Site}, not in the target site {target}");
                    else bridgeheads.Add(known.Name);
                }
                // An empty list is as wrong as a missing one; a list whose items were all wrong has been reported item by item.
                if (bridgeheads.Count == 0 && c.IsMissingOrEmptyList(ConfigKeys.ConnectorBridgeheads)) c.Error(ConfigKeys.ConnectorBridgeheads, "is required for a site connector");
                foreach (var sname in serverNames.Where(n => source is not null && servers.First(x => x.Name == n).Site != source))
                {
                    c.Error(ConfigKeys.ConnectorServers, $"'{sname}' is not in the source site {source}");
                }
                if (spaces.Count > 0) c.Error(ConfigKeys.AddressSpaces, "a site connector carries mail between sites by the directory; it has no address spaces");
                foreach (var key in new[] { ConfigKeys.ConnectorSmartHost, ConfigKeys.ConnectorForwardDomains, ConfigKeys.ConnectorTypeMap, ConfigKeys.ConnectorSiteDomain })
                {
                    // Ignoring them would let an administrator believe a site connector forwards or rewrites mail.
                    if (c.Has(key)) c.Error(key, "is for internet connectors only; a site connector passes mail unchanged to the target site's bridgeheads");
                }
            }
            else
            {
                if (serverNames.Count == 0 && c.IsMissingOrEmptyList(ConfigKeys.ConnectorServers)) c.Error(ConfigKeys.ConnectorServers, "is required for an internet connector: which servers run it");
                if (spaces.Count == 0 && c.IsMissingOrEmptyList(ConfigKeys.AddressSpaces)) c.Error(ConfigKeys.AddressSpaces, "is required for an internet connector (for all of the Internet: - type: SMTP, pattern: \"*\")");
                foreach (var key in new[] { ConfigKeys.ConnectorSourceSite, ConfigKeys.ConnectorTargetSite, ConfigKeys.ConnectorBridgeheads, ConfigKeys.ConnectorCost })
                {
                    if (c.Has(key)) c.Error(key, "is for site connectors only; an internet connector's costs are on its address spaces");
                }
            }
            var smartHost = c.String(ConfigKeys.ConnectorSmartHost);
            if (smartHost is not null && !IsHost(smartHost, out var shWhy)) c.Error(ConfigKeys.ConnectorSmartHost, shWhy);
            var siteDomain = c.String(ConfigKeys.ConnectorSiteDomain)?.ToLowerInvariant();
            if (siteDomain is not null && !SmtpPathParser.IsAsciiDomain(siteDomain, out var sdWhy)) c.Error(ConfigKeys.ConnectorSiteDomain, sdWhy);
            var transport = new ConnectorTransport(
                c.Has(ConfigKeys.ConnectorTls) ? c.Enum(ConfigKeys.ConnectorTls, OutboundTls.Opportunistic) : null,
                c.Has(ConfigKeys.ConnectorTlsVerify) ? c.Enum(ConfigKeys.ConnectorTlsVerify, OutboundTlsVerify.None) : null,
                c.Has(ConfigKeys.ConnectorPort) ? c.Int(ConfigKeys.ConnectorPort, 25, 1, 65535) : null,
                c.String(ConfigKeys.ConnectorAuthUser),
                c.String(ConfigKeys.ConnectorAuthPassword));
            if ((transport.AuthUser is null) != (transport.AuthPassword is null)) c.Error(transport.AuthUser is null ? ConfigKeys.ConnectorAuthPassword : ConfigKeys.ConnectorAuthUser, "auth_user and auth_password are given together");
            if (kind == ConnectorKind.Site)
            {
                foreach (var key in new[] { ConfigKeys.ConnectorTls, ConfigKeys.ConnectorTlsVerify, ConfigKeys.ConnectorPort, ConfigKeys.ConnectorAuthUser, ConfigKeys.ConnectorAuthPassword })
                {
                    if (c.Has(key)) c.Error(key, "is for internet connectors only; a site connector talks to the organization's own servers");
                }
            }
            list.Add(new ConnectorConfig(name, kind, serverNames, spaces, smartHost, forwards, typeMap, siteDomain, source, target, cost, bridgeheads) { Transport = transport });
        }
        return list;
    }

    private static RelayPermissions ReadRelay(YamlSection top)
    {
        var r = top.Map("relay");
        if (r is null) return RelayPermissions.Closed;
        r.CheckUnknown();
        List<IPNetwork> Networks(ConfigKey key)
        {
            var list = new List<IPNetwork>();
            foreach (var (text, line) in r.Strings(key))
            {
                var t = text.Contains('/', StringComparison.Ordinal) ? text : text + (text.Contains(':', StringComparison.Ordinal) ? "/128" : "/32");
                // IPNetwork.TryParse clears host bits silently (10.0.0.1/8 becomes 10.0.0.0/8): refuse them, as the
                // administrator may have meant one host and would otherwise open relaying to a whole range.
                if (IPNetwork.TryParse(t, out var n) && IPAddress.TryParse(t.AsSpan(0, t.IndexOf('/', StringComparison.Ordinal)), out var given) && n.BaseAddress.Equals(given)) list.Add(n);
                else r.Error(line, r.Display(key), $"'{text}' is not an address range such as 192.168.0.0/24 or 2001:db8::/32 (host bits must be zero)");
            }
            return list;
        }
        var locals = new List<IPAddress>();
        foreach (var (text, line) in r.Strings(ConfigKeys.RelayLocalAddresses))
        {
            if (IPAddress.TryParse(text, out var a)) locals.Add(a);
            else r.Error(line, r.Display(ConfigKeys.RelayLocalAddresses), $"'{text}' is not an IP address");
        }
        return new RelayPermissions(r.Bool(ConfigKeys.RelayAuthenticated, false), Networks(ConfigKeys.RelayClients), locals, Networks(ConfigKeys.RelayDeny));
    }

    /// <summary>A next hop as the configuration names it: a host name or IPv4 address, or an IPv6 address in brackets, each with an optional :port.</summary>
    /// <remarks>Checked here so that a typing error is refused at load time, not found when the first message waits for delivery.</remarks>
    private static bool IsHost(string text, out string error)
    {
        error = "";
        var host = text;
        string? port = null;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || !IPAddress.TryParse(text[1..close], out var v6) || v6.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
            {
                error = $"'{text}' is not a host: an IPv6 address is written in brackets, e.g. [2001:db8::25]:25";
                return false;
            }
            host = null;
            if (close + 1 < text.Length)
            {
                if (text[close + 1] != ':') error = $"'{text}' is not a host: only :port may follow the brackets";
                port = text[(close + 2)..];
            }
        }
        else
        {
            var colon = text.LastIndexOf(':');
            if (colon >= 0 && text.IndexOf(':', StringComparison.Ordinal) != colon)
            {
                error = $"'{text}' is not a host: write an IPv6 address in brackets, e.g. [{text}]";
                return false;
            }
            if (colon >= 0)
            {
                host = text[..colon];
                port = text[(colon + 1)..];
            }
        }
        if (error.Length > 0) return false;
        if (port is not null && (!int.TryParse(port, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var p) || p is < 1 or > 65535))
        {
            error = $"'{text}' is not a host: the port must be a number from 1 to 65535";
            return false;
        }
        if (host is not null && !SmtpPathParser.IsAsciiDomain(host.ToLowerInvariant(), out var why))
        {
            error = $"'{text}' is not a host name, IPv4 address or [IPv6] address with an optional :port: {why}";
            return false;
        }
        return true;
    }

    private static ServerConfig DefaultServer(string baseDirectory) => new(
        "gatehouse",
        DefaultHostname(),
        Path.GetFullPath(Path.Combine(baseDirectory, "data")),
        [new ListenerConfig("inbound", IPAddress.Loopback, DefaultPort, ListenerRole.Inbound, 0)],
        new TlsConfig(null, null),
        null);

    private static string DefaultHostname()
    {
        var h = System.Net.Dns.GetHostName().ToLowerInvariant();
        return SmtpPathParser.IsAsciiDomain(h, out _) ? h : "localhost";
    }

    private static ServerConfig ReadServer(YamlSection s, string baseDirectory, List<SiteConfig> sites, bool sitesListed)
    {
        s.CheckUnknown();
        var name = s.String(ConfigKeys.ServerName);
        if (string.IsNullOrWhiteSpace(name))
        {
            s.Error(s.Line, s.Display(ConfigKeys.ServerName), "is required");
            name = "?";
        }
        var hostname = s.String(ConfigKeys.ServerHostname)?.ToLowerInvariant() ?? DefaultHostname();
        if (!SmtpPathParser.IsAsciiDomain(hostname, out var why)) s.Error(ConfigKeys.ServerHostname, $"'{hostname}' is not a host name: {why}");
        var data = Path.GetFullPath(Path.Combine(baseDirectory, s.String(ConfigKeys.ServerDataDirectory) ?? "data"));

        var listeners = new List<ListenerConfig>();
        if (s.Has(ConfigKeys.Listeners))
        {
            foreach (var l in s.Sections(ConfigKeys.Listeners))
            {
                l.CheckUnknown();
                var role = l.Enum(ConfigKeys.ListenerRole, ListenerRole.Inbound);
                var addr = l.Address(ConfigKeys.ListenerAddress, IPAddress.Loopback);
                if (!l.Has(ConfigKeys.ListenerPort)) l.Error(l.Line, l.Display(ConfigKeys.ListenerPort), "is required");
                var port = l.Int(ConfigKeys.ListenerPort, 0, 1, 65535);
                var lname = l.String(ConfigKeys.ListenerName) ?? ConfigValues.SnakeCase(role.ToString());
                if (listeners.Any(x => x.Name == lname)) l.Error(ConfigKeys.ListenerName, $"listener name '{lname}' is used twice on this server");
                if (port != 0 && listeners.Any(x => x.Port == port && (x.Address.Equals(addr) || x.Address.Equals(IPAddress.Any) || addr.Equals(IPAddress.Any))))
                {
                    l.Error(ConfigKeys.ListenerPort, $"{addr}:{port} is already used by another listener of this server");
                }
                listeners.Add(new ListenerConfig(lname, addr, port, role, l.Line));
            }
            if (listeners.Count == 0) s.Error(ConfigKeys.Listeners, "must list at least one listener");
        }
        else
        {
            listeners.Add(new ListenerConfig("inbound", IPAddress.Loopback, DefaultPort, ListenerRole.Inbound, s.Line));
        }

        var tls = s.Map("tls");
        tls?.CheckUnknown();
        string? cert = null, key = null;
        if (tls is not null)
        {
            cert = tls.String(ConfigKeys.TlsCertificate);
            key = tls.String(ConfigKeys.TlsKey);
            if ((cert is null) != (key is null)) tls.Error(tls.Line, tls.DisplayPath, "certificate and key must be given together");
            if (cert is not null)
            {
                cert = Path.GetFullPath(Path.Combine(baseDirectory, cert));
                if (!File.Exists(cert)) tls.Error(ConfigKeys.TlsCertificate, $"file {cert} does not exist");
            }
            if (key is not null)
            {
                key = Path.GetFullPath(Path.Combine(baseDirectory, key));
                if (!File.Exists(key)) tls.Error(ConfigKeys.TlsKey, $"file {key} does not exist");
            }
        }

        AdminConfig? admin = null;
        var adminSection = s.Map("admin");
        if (adminSection is not null)
        {
            adminSection.CheckUnknown();
            var addr = adminSection.Address(ConfigKeys.AdminAddress, IPAddress.Loopback);
            if (!adminSection.Has(ConfigKeys.AdminPort)) adminSection.Error(adminSection.Line, adminSection.Display(ConfigKeys.AdminPort), "is required");
            var port = adminSection.Int(ConfigKeys.AdminPort, 0, 1, 65535);
            var token = adminSection.String(ConfigKeys.AdminToken);
            if (token is not null && token.Length < 16) adminSection.Error(ConfigKeys.AdminToken, "must be at least 16 characters (e.g. from `openssl rand -hex 24`)");
            admin = new AdminConfig(addr, port, token, adminSection.Bool(ConfigKeys.AdminAllowRemote, false));
        }

        var site = s.String(ConfigKeys.ServerSite);
        if (site is null)
        {
            if (sitesListed) s.Error(s.Line, s.Display(ConfigKeys.ServerSite), $"is required when sites are listed ({string.Join(", ", sites.Select(x => x.Name))})");
            site = sites[0].Name;
        }
        else if (sites.FirstOrDefault(x => x.Name.Equals(site, StringComparison.OrdinalIgnoreCase)) is { } known)
        {
            site = known.Name;
        }
        else
        {
            s.Error(ConfigKeys.ServerSite, $"'{site}' is not one of the sites ({string.Join(", ", sites.Select(x => x.Name))})");
        }
        IPAddress? source = null;
        if (s.Has(ConfigKeys.ServerSourceAddress)) source = s.Address(ConfigKeys.ServerSourceAddress, IPAddress.Any);
        return new ServerConfig(name, hostname, data, listeners, new TlsConfig(cert, key), admin) { Site = site, SourceAddress = source };
    }
}
