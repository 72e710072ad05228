using System.Globalization;
using System.Net;
using YamlDotNet.RepresentationModel;

namespace Gatehouse.Server.Configuration;

/// <summary>Reads one YAML mapping through <see cref="ConfigKey"/> declarations, collecting errors with line numbers.</summary>
/// <remarks>
/// Every read names the key it wants; <see cref="CheckUnknown"/> then reports any key of the
/// mapping that no declaration names, so a misspelt key is an error, never silently ignored.
/// </remarks>
internal sealed class YamlSection
{
    private readonly YamlMappingNode _node;
    private readonly List<ConfigError> _errors;

    public YamlSection(YamlMappingNode node, string schemaPath, string displayPath, string file, List<ConfigError> errors)
    {
        _node = node;
        SchemaPath = schemaPath;
        DisplayPath = displayPath;
        File = file;
        _errors = errors;
    }

    public string SchemaPath { get; }

    public string DisplayPath { get; }

    public string File { get; }

    public int Line => (int)_node.Start.Line;

    public void Error(int line, string key, string message) => _errors.Add(new ConfigError(File, line, key, message));

    public void Error(ConfigKey key, string message) => Error(LineOf(key), Display(key), message);

    public string Display(ConfigKey key) => DisplayPath.Length == 0 ? key.Name : DisplayPath + "." + key.Name;

    /// <summary>The line of the key itself (a list's items start on later lines), or of the mapping when the key is absent.</summary>
    public int LineOf(ConfigKey key)
    {
        foreach (var (k, _) in _node.Children)
        {
            if (k is YamlScalarNode s && s.Value == key.Name) return (int)k.Start.Line;
        }
        return Line;
    }

    public bool Has(ConfigKey key) => Find(key) is not null;

    /// <summary>True when the key is absent or is an empty list (<c>[]</c>): a required list that lists nothing.</summary>
    public bool IsMissingOrEmptyList(ConfigKey key) => Find(key) is null or YamlSequenceNode { Children.Count: 0 };

    private YamlNode? Find(ConfigKey key) => Find(key.Name);

    private YamlNode? Find(string name)
    {
        foreach (var (k, v) in _node.Children)
        {
            if (k is YamlScalarNode s && s.Value == name) return v;
        }
        return null;
    }

    /// <summary>Reports every key of this mapping that no declaration under <see cref="SchemaPath"/> names.</summary>
    public void CheckUnknown()
    {
        var prefix = SchemaPath.Length == 0 ? "" : SchemaPath + ".";
        foreach (var (k, _) in _node.Children)
        {
            var name = (k as YamlScalarNode)?.Value ?? "";
            var path = prefix + name;
            var known = ConfigKeys.All.Any(c => c.Path == path || c.Path.StartsWith(path + ".", StringComparison.Ordinal));
            if (!known)
            {
                var candidates = ConfigKeys.All.Where(c => c.Path.StartsWith(prefix, StringComparison.Ordinal))
                    .Select(c => c.Path[prefix.Length..].Split('.')[0]).Distinct().Order(StringComparer.Ordinal);
                Error((int)k.Start.Line, DisplayPath.Length == 0 ? name : DisplayPath + "." + name,
                    $"unknown key (known here: {string.Join(", ", candidates)})");
            }
        }
    }

    public string? String(ConfigKey key)
    {
        var n = Find(key);
        if (n is null) return null;
        if (n is YamlScalarNode s && s.Value is { } v)
        {
            if (v.Length == 0 && s.Style == YamlDotNet.Core.ScalarStyle.Plain) return null;
            return v;
        }
        Error(key, "must be a single value");
        return null;
    }

    public int Int(ConfigKey key, int fallback, int min, int max)
    {
        var s = String(key);
        if (s is null) return fallback;
        if (!int.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) || v < min || v > max)
        {
            Error(key, $"must be a whole number from {min} to {max}, not '{s}'");
            return fallback;
        }
        return v;
    }

    public long Size(ConfigKey key, long fallback, long min, long max)
    {
        var s = String(key);
        if (s is null) return fallback;
        if (!ConfigValues.TryParseSize(s, out var v) || v < min || v > max)
        {
            Error(key, $"must be a size in octets from {min} to {max} (suffixes KB, MB, GB, KiB, MiB, GiB), not '{s}'");
            return fallback;
        }
        return v;
    }

    public TimeSpan Duration(ConfigKey key, TimeSpan fallback, TimeSpan min, TimeSpan max)
    {
        var s = String(key);
        if (s is null) return fallback;
        if (!ConfigValues.TryParseDuration(s, out var v) || v < min || v > max)
        {
            Error(key, $"must be a duration from {ConfigValues.Format(min)} to {ConfigValues.Format(max)} (a number with s, m, h or d), not '{s}'");
            return fallback;
        }
        return v;
    }

    public IPAddress Address(ConfigKey key, IPAddress fallback)
    {
        var s = String(key);
        if (s is null) return fallback;
        if (IPAddress.TryParse(s, out var a)) return a;
        Error(key, $"'{s}' is not an IPv4 or IPv6 address");
        return fallback;
    }

    public bool Bool(ConfigKey key, bool fallback)
    {
        var s = String(key);
        if (s is null) return fallback;
        switch (s)
        {
            case "true" or "yes" or "on":
                return true;
            case "false" or "no" or "off":
                return false;
            default:
                Error(key, $"must be true or false, not '{s}'");
                return fallback;
        }
    }

    public T Enum<T>(ConfigKey key, T fallback) where T : struct, Enum
    {
        var s = String(key);
        if (s is null) return fallback;
        foreach (var value in System.Enum.GetValues<T>())
        {
            if (ConfigValues.SnakeCase(value.ToString()) == s) return value;
        }
        Error(key, $"must be one of {string.Join(", ", System.Enum.GetValues<T>().Select(v => ConfigValues.SnakeCase(v.ToString())))}, not '{s}'");
        return fallback;
    }

    /// <summary>A list of scalars with their lines.</summary>
    public IReadOnlyList<(string Value, int Line)> Strings(ConfigKey key)
    {
        var n = Find(key);
        if (n is null) return [];
        if (n is YamlSequenceNode seq)
        {
            var list = new List<(string, int)>();
            foreach (var item in seq)
            {
                if (item is YamlScalarNode s && !string.IsNullOrEmpty(s.Value)) list.Add((s.Value, (int)s.Start.Line));
                else Error((int)item.Start.Line, Display(key), "each item must be a single value");
            }
            return list;
        }
        Error(key, "must be a list");
        return [];
    }

    /// <summary>A list whose items are single values or mappings (<c>- example.com</c> or <c>- domain: example.com</c>).</summary>
    public IReadOnlyList<(string? Value, YamlSection? Map, int Line)> Items(ConfigKey key)
    {
        var n = Find(key);
        if (n is null) return [];
        if (n is not YamlSequenceNode seq)
        {
            Error(key, "must be a list");
            return [];
        }
        var list = new List<(string?, YamlSection?, int)>();
        var i = 0;
        foreach (var item in seq)
        {
            var display = $"{Display(key)}[{i++}]";
            if (item is YamlScalarNode { Value: { Length: > 0 } v }) list.Add((v, null, (int)item.Start.Line));
            else if (item is YamlMappingNode m) list.Add((null, new YamlSection(m, key.Path, display, File, _errors), (int)item.Start.Line));
            else Error((int)item.Start.Line, display, "must be a value or a mapping");
        }
        return list;
    }

    /// <summary>A mapping of scalar keys to scalar values (such as outbound_type_map).</summary>
    public IReadOnlyList<(string Key, string Value, int Line)> Pairs(ConfigKey key)
    {
        var n = Find(key);
        if (n is null) return [];
        if (n is not YamlMappingNode map)
        {
            Error(key, "must be a mapping such as SMTPOUT: SMTP");
            return [];
        }
        var list = new List<(string, string, int)>();
        foreach (var (k, v) in map.Children)
        {
            if (k is YamlScalarNode { Value: { } ks } && v is YamlScalarNode { Value: { } vs }) list.Add((ks, vs, (int)k.Start.Line));
            else Error((int)k.Start.Line, Display(key), "each entry must be NAME: VALUE");
        }
        return list;
    }

    /// <summary>A mapping of scalar keys to a value or a list of values (such as delivery.hosts).</summary>
    public IReadOnlyList<(string Key, IReadOnlyList<string> Values, int Line)> MultiPairs(ConfigKey key)
    {
        var n = Find(key);
        if (n is null) return [];
        if (n is not YamlMappingNode map)
        {
            Error(key, "must be a mapping such as mail.example.com: [192.0.2.25]");
            return [];
        }
        var list = new List<(string, IReadOnlyList<string>, int)>();
        foreach (var (k, v) in map.Children)
        {
            var line = (int)k.Start.Line;
            if (k is not YamlScalarNode { Value: { } ks }) Error(line, Display(key), "each entry must be NAME: VALUE or NAME: [VALUES]");
            else if (v is YamlScalarNode { Value: { } vs }) list.Add((ks, [vs], line));
            else if (v is YamlSequenceNode seq && seq.Children.All(c => c is YamlScalarNode { Value: not null })) list.Add((ks, seq.Children.Select(c => ((YamlScalarNode)c).Value!).ToArray(), line));
            else Error(line, Display(key), $"'{ks}' must have a value or a list of values");
        }
        return list;
    }

    /// <summary>A list of mappings.</summary>
    public IReadOnlyList<YamlSection> Sections(ConfigKey key)
    {
        var n = Find(key);
        if (n is null) return [];
        if (n is not YamlSequenceNode seq)
        {
            Error(key, "must be a list");
            return [];
        }
        var list = new List<YamlSection>();
        var i = 0;
        foreach (var item in seq)
        {
            var display = $"{Display(key)}[{i++}]";
            if (item is YamlMappingNode m) list.Add(new YamlSection(m, key.Path, display, File, _errors));
            else Error((int)item.Start.Line, display, "must be a mapping of keys to values");
        }
        return list;
    }

    /// <summary>A nested mapping named by the first segment after this section's path, e.g. "smtp".</summary>
    public YamlSection? Map(string name)
    {
        var n = Find(name);
        if (n is null) return null;
        var schema = SchemaPath.Length == 0 ? name : SchemaPath + "." + name;
        var display = DisplayPath.Length == 0 ? name : DisplayPath + "." + name;
        if (n is YamlMappingNode m) return new YamlSection(m, schema, display, File, _errors);
        if (n is YamlScalarNode { Value: null or "" }) return null;
        Error((int)n.Start.Line, display, "must be a mapping of keys to values");
        return null;
    }
}
