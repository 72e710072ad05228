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

        var domains = new List<string>();
        if (top.Has(ConfigKeys.AcceptedDomains))
        {
            foreach (var (d, line) in top.Strings(ConfigKeys.AcceptedDomains))
            {
                var lower = d.Trim().ToLowerInvariant();
                if (!SmtpPathParser.IsAsciiDomain(lower, out var why)) errors.Add(new ConfigError(file, line, "accepted_domains", $"'{d}' is not a domain: {why}"));
                else if (domains.Contains(lower)) errors.Add(new ConfigError(file, line, "accepted_domains", $"'{d}' is listed twice"));
                else domains.Add(lower);
            }
        }
        else
        {
            domains.Add("localhost");
        }

        var servers = new List<ServerConfig>();
        if (top.Has(ConfigKeys.Servers))
        {
            foreach (var s in top.Sections(ConfigKeys.Servers)) servers.Add(ReadServer(s, baseDirectory));
            if (servers.Count == 0) top.Error(ConfigKeys.Servers, "must list at least one server");
            foreach (var dup in servers.GroupBy(s => s.Name, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
            {
                top.Error(ConfigKeys.Servers, $"server name '{dup.Key}' is used more than once");
            }
        }
        else
        {
            servers.Add(DefaultServer(baseDirectory));
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
        var (directory, routing) = ReadDirectory(top, servers, domains, errors, notices);

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
        };
    }

    private static (RecipientDirectory, SenderRoutingOptions) ReadDirectory(YamlSection top, List<ServerConfig> servers, List<string> domains, List<ConfigError> errors, List<string> notices)
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

        var templates = new List<AddressTemplate>();
        foreach (var (text, line) in d.Strings(ConfigKeys.AddressTemplates))
        {
            if (!AddressTemplate.TryParse(text, out var t, out var why)) errors.Add(new ConfigError(d.File, line, "directory.address_templates", $"'{text}': {why}"));
            else if (!domains.Contains(t.Domain)) errors.Add(new ConfigError(d.File, line, "directory.address_templates", $"'{text}': {t.Domain} is not one of accepted_domains"));
            else templates.Add(t);
        }

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
                recipients.Add(new ContactRecipient(alias, c.String(ConfigKeys.ContactDisplayName) ?? alias, Proxies(c, ConfigKeys.ContactProxies), target, c.String(ConfigKeys.ContactHomeSite)));
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
            foreach (var p in r.ProxyAddresses.Where(p => p.Address.Mailbox is { } mb && !domains.Contains(mb.Domain)))
            {
                var (s, _) = lines.GetValueOrDefault(r.Alias);
                errors.Add(new ConfigError(d.File, s?.Line ?? d.Line, s?.DisplayPath ?? "directory", $"{p.Address} is not at one of accepted_domains; the SMTP addresses of recipients, contacts included, must be ours (a contact's outside address is its target)"));
            }
        }

        var directory = RecipientDirectory.Build(recipients.Where(r => r.Alias.Length > 0), templates, out var problems);
        foreach (var problem in problems.Where(p => p.IsError))
        {
            var (s, key) = lines.GetValueOrDefault(problem.Alias);
            errors.Add(new ConfigError(d.File, s?.LineOf(key) ?? d.Line, s?.DisplayPath ?? "directory", $"'{problem.Alias}' {problem.Message}"));
        }
        notices.AddRange(problems.Where(p => !p.IsError).Select(p => $"directory: '{p.Alias}' {p.Message}"));
        return (directory, routing);
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

    private static ServerConfig ReadServer(YamlSection s, string baseDirectory)
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
                var addrText = l.String(ConfigKeys.ListenerAddress) ?? "127.0.0.1";
                if (!IPAddress.TryParse(addrText, out var addr))
                {
                    l.Error(ConfigKeys.ListenerAddress, $"'{addrText}' is not an IPv4 or IPv6 address");
                    addr = IPAddress.Loopback;
                }
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
            var addrText = adminSection.String(ConfigKeys.AdminAddress) ?? "127.0.0.1";
            if (!IPAddress.TryParse(addrText, out var addr))
            {
                adminSection.Error(ConfigKeys.AdminAddress, $"'{addrText}' is not an IPv4 or IPv6 address");
                addr = IPAddress.Loopback;
            }
            if (!adminSection.Has(ConfigKeys.AdminPort)) adminSection.Error(adminSection.Line, adminSection.Display(ConfigKeys.AdminPort), "is required");
            var port = adminSection.Int(ConfigKeys.AdminPort, 0, 1, 65535);
            admin = new AdminConfig(addr, port);
        }

        return new ServerConfig(name, hostname, data, listeners, new TlsConfig(cert, key), admin);
    }
}
