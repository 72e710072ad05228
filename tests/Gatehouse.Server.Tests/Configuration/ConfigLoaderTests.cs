using System.Text.RegularExpressions;
using Gatehouse.Core.Configuration;
using Gatehouse.Server.Configuration;

namespace Gatehouse.Server.Tests.Configuration;

public partial class ConfigLoaderTests
{
    private static readonly string Dir = Path.GetTempPath();

    private static ConfigError[] Errors(string yaml)
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(yaml, "org.yaml", Dir));
        return [.. e.Errors];
    }

    [Fact]
    public void Built_in_default_is_one_inbound_listener_on_2525_for_localhost()
    {
        var c = ConfigLoader.Default("/srv");
        var s = Assert.Single(c.Servers);
        var l = Assert.Single(s.Listeners);
        Assert.Equal("127.0.0.1:2525", $"{l.Address}:{l.Port}");
        Assert.Equal(ListenerRole.Inbound, l.Role);
        Assert.Equal(["localhost"], c.AcceptedDomains);
        Assert.Equal("/srv/data", s.DataDirectory);
        Assert.Same(s, c.FindServer(null));
    }

    [Theory]
    [InlineData("smtp:\n  max_recipent: 5\n", 2, "smtp.max_recipent", "unknown key")]
    [InlineData("smtp:\n  max_recipients: lots\n", 2, "smtp.max_recipients", "whole number")]
    [InlineData("smtp:\n  max_message_size: 12XB\n", 2, "smtp.max_message_size", "size")]
    [InlineData("smtp:\n  command_timeout: soon\n", 2, "smtp.command_timeout", "duration")]
    [InlineData("smtp:\n  bare_line_endings: allow\n", 2, "smtp.bare_line_endings", "reject, normalize")]
    [InlineData("accepted_domains:\n  - good.com\n  - bad..com\n", 3, "accepted_domains", "not a domain")]
    [InlineData("servers:\n  - name: a\n    listeners:\n      - port: 99999\n", 4, "servers[0].listeners[0].port", "1 to 65535")]
    [InlineData("servers:\n  - name: a\n    listeners:\n      - port: 25\n        address: nowhere\n", 5, "servers[0].listeners[0].address", "not an IPv4")]
    [InlineData("servers:\n  - name: a\n    listeners:\n      - port: 25\n        role: relay\n", 5, "servers[0].listeners[0].role", "inbound, submission, implicit_tls")]
    [InlineData("servers:\n  - name: a\n    listeners:\n      - port: 25\n      - port: 25\n", 5, "servers[0].listeners[1].port", "already used")]
    [InlineData("servers:\n  - name: a\n  - name: A\n", 1, "servers", "more than once")]
    [InlineData("servers:\n  - hostname: x.com\n", 2, "servers[0].name", "required")]
    [InlineData("users:\n  - name: bob\n    password_hash: hunter2\n", 3, "users[0].password_hash", "hash-password")]
    [InlineData("servers:\n  - name: a\n    tls:\n      certificate: /nonexistent.pem\n      key: /nonexistent.key\n", 4, "servers[0].tls.certificate", "does not exist")]
    [InlineData("logging:\n  level: loud\n", 2, "logging.level", "must be one of")]
    [InlineData("smtp: [1, 2]\n", 1, "smtp", "mapping")]
    public void Errors_name_line_and_key(string yaml, int line, string key, string fragment)
    {
        var err = Assert.Single(Errors(yaml), e => e.Key == key);
        Assert.Equal(line, err.Line);
        Assert.Contains(fragment, err.Message);
        Assert.StartsWith($"org.yaml:{line}: {key}: ", err.ToString());
    }

    [Fact]
    public void Yaml_syntax_error_names_the_line()
    {
        var err = Assert.Single(Errors("smtp:\n  max_recipients: 5\n bad indent: [\n"));
        Assert.True(err.Line >= 3, err.ToString());
    }

    [Fact]
    public void Every_error_is_reported_not_just_the_first()
    {
        Assert.Equal(3, Errors("smtp:\n  max_recipients: x\n  max_errors: y\nbogus: 1\n").Length);
    }

    [Fact]
    public void Several_servers_need_a_name_to_pick_one()
    {
        var c = ConfigLoader.Parse("servers:\n  - name: a\n  - name: b\n    listeners:\n      - port: 2526\n", "org.yaml", Dir);
        Assert.Null(c.FindServer(null));
        Assert.Equal("b", c.FindServer("B")!.Name);
        Assert.Equal(2526, c.FindServer("b")!.Listeners[0].Port);
    }

    [Fact]
    public void Values_are_parsed_with_units()
    {
        var c = ConfigLoader.Parse("smtp:\n  max_message_size: 10MiB\n  command_timeout: 90s\n  data_timeout: 2m\n  bare_line_endings: normalize\nspool:\n  sync: fsync\n", "org.yaml", Dir);
        Assert.Equal(10L << 20, c.Limits.MaxMessageSize);
        Assert.Equal(TimeSpan.FromSeconds(90), c.Limits.CommandTimeout);
        Assert.Equal(TimeSpan.FromMinutes(2), c.Limits.DataTimeout);
        Assert.Equal(BareLineEndings.Normalize, c.Limits.BareLineEndings);
        Assert.Equal(SpoolSync.Fsync, c.SpoolSync);
    }

    [Fact]
    public void Documentation_lists_every_key()
    {
        var doc = File.ReadAllText(DocPath());
        foreach (var key in ConfigKeys.All) Assert.Contains($"| `{key.Path}` |", doc);
    }

    [Fact]
    public void Documentation_mentions_no_key_that_does_not_exist()
    {
        var doc = File.ReadAllText(DocPath());
        var known = ConfigKeys.All.Select(k => k.Path).ToHashSet();
        foreach (Match m in TableKey().Matches(doc)) Assert.Contains(m.Groups[1].Value, known);
    }

    [Fact]
    public void Documentation_example_is_a_valid_configuration()
    {
        var doc = File.ReadAllText(DocPath());
        var yaml = YamlBlock().Match(doc).Groups[1].Value;
        var c = ConfigLoader.Parse(yaml, "configuration.md", Dir);
        Assert.Equal(3, c.Servers[0].Listeners.Count);
        Assert.Equal("alice", c.Users[0].Name);
        // The example shows the whole organization model: sites, both connector types, every accepted domain kind, relay permissions.
        Assert.Equal(["hq", "eu"], c.Sites.Select(s => s.Name));
        Assert.Contains(c.Connectors, x => x.Kind == ConnectorKind.Site);
        Assert.Contains(c.Connectors, x => x.Kind == ConnectorKind.Internet && x.AddressSpaces.Count > 1 && x.OutboundTypeMap.Count > 0);
        Assert.Equal([AcceptedDomainKind.Authoritative, AcceptedDomainKind.InternalRelay, AcceptedDomainKind.ExternalRelay], c.Domains.Select(d => d.Kind));
        Assert.True(c.Relay.AllowAuthenticated && c.Relay.AllowClients.Count > 0 && c.Relay.DenyClients.Count > 0);
    }

    private static string DocPath()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d is not null && !File.Exists(Path.Combine(d.FullName, "docs", "configuration.md"))) d = d.Parent;
        return Path.Combine(d?.FullName ?? throw new FileNotFoundException("docs/configuration.md"), "docs", "configuration.md");
    }

    [GeneratedRegex(@"^\| `([a-z_.]+)` \|", RegexOptions.Multiline)]
    private static partial Regex TableKey();

    [GeneratedRegex(@"```yaml\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex YamlBlock();
}
