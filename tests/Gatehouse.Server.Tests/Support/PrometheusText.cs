using System.Globalization;
using System.Text;

namespace Gatehouse.Server.Tests.Support;

/// <summary>One sample line: the sample's name (with <c>_bucket</c>, <c>_sum</c>, <c>_count</c> for a histogram), its labels and value.</summary>
public sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>A metric family: its HELP text, its TYPE and its samples in the order given.</summary>
public sealed record PrometheusFamily(string Name, string Type, string Help, IReadOnlyList<PrometheusSample> Samples)
{
    /// <summary>The value of the sample named <paramref name="sample"/> (default: the family's own) with exactly these labels, or null.</summary>
    public double? Value(string? sample = null, params (string Name, string Value)[] labels) =>
        Samples.FirstOrDefault(s => s.Name == (sample ?? Name) && s.Labels.Count == labels.Length && labels.All(l => s.Labels.GetValueOrDefault(l.Name) == l.Value))?.Value;
}

/// <summary>A strict reader of the Prometheus text exposition format 0.0.4: anything the format does not allow, or that our exporter must not write, fails the test.</summary>
/// <remarks>
/// Checks, beyond the grammar of each line: every family has one HELP and one TYPE, both before its
/// first sample; a family's samples are contiguous; no series appears twice; sample names belong to
/// their family (histograms: <c>_bucket</c>, <c>_sum</c>, <c>_count</c>); label values use only the
/// escapes \\, \" and \n; counters are not negative; and per histogram series the <c>le</c> bounds
/// increase, the cumulative counts never fall, the last bucket is <c>+Inf</c> and equals
/// <c>_count</c>, and <c>_sum</c> is there. Timestamps and free comments are refused (we write neither).
/// </remarks>
public static class PrometheusText
{
    private static readonly string[] Types = ["counter", "gauge", "histogram", "summary", "untyped"];

    public static IReadOnlyDictionary<string, PrometheusFamily> Parse(string text)
    {
        Check(text.Length == 0 || text.EndsWith('\n'), "the text must end with a line feed");
        Check(!text.Contains('\r', StringComparison.Ordinal), "lines end with \\n alone");
        var help = new Dictionary<string, string>(StringComparer.Ordinal);
        var type = new Dictionary<string, string>(StringComparer.Ordinal);
        var samples = new Dictionary<string, List<PrometheusSample>>(StringComparer.Ordinal);
        var series = new HashSet<string>(StringComparer.Ordinal);
        var finished = new HashSet<string>(StringComparer.Ordinal);
        string? current = null;
        var lineNo = 0;
        foreach (var line in text.Split('\n')[..^1])
        {
            lineNo++;
            var where = $"line {lineNo} '{line}'";
            Check(line.Length > 0, $"{where}: empty line");
            if (line.StartsWith('#'))
            {
                var parts = line.Split(' ', 4);
                Check(parts.Length >= 3 && parts[0] == "#" && parts[1] is "HELP" or "TYPE", $"{where}: only # HELP and # TYPE comments are written");
                var name = parts[2];
                Check(IsMetricName(name), $"{where}: bad metric name");
                Check(!samples.ContainsKey(name), $"{where}: {parts[1]} after the family's samples");
                Check(!finished.Contains(name), $"{where}: family {name} appears twice");
                if (current != name && current is not null) finished.Add(current);
                current = name;
                if (parts[1] == "HELP")
                {
                    Check(!help.ContainsKey(name), $"{where}: second HELP");
                    help[name] = Unescape(parts.Length > 3 ? parts[3] : "", quoteAllowed: false, where);
                }
                else
                {
                    Check(!type.ContainsKey(name), $"{where}: second TYPE");
                    Check(parts.Length == 4 && Types.Contains(parts[3]), $"{where}: unknown type");
                    type[name] = parts[3];
                }
                continue;
            }
            var (sampleName, labels, value) = Sample(line, where);
            var family = FamilyOf(sampleName, type);
            Check(family is not null, $"{where}: sample before its family's # TYPE");
            Check(help.ContainsKey(family!), $"{where}: sample before its family's # HELP");
            Check(family == current, $"{where}: samples of {family} are not contiguous");
            var key = sampleName + "{" + string.Join(",", labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => l.Key + "=" + l.Value)) + "}";
            Check(series.Add(key), $"{where}: series written twice");
            if (type[family!] == "counter") Check(value >= 0, $"{where}: negative counter");
            if (!samples.TryGetValue(family!, out var list)) samples[family!] = list = [];
            list.Add(new PrometheusSample(sampleName, labels, value));
        }
        foreach (var name in help.Keys.Concat(type.Keys)) Check(help.ContainsKey(name) && type.ContainsKey(name), $"family {name} needs both HELP and TYPE");
        var families = type.Keys.ToDictionary(n => n, n => new PrometheusFamily(n, type[n], help[n], samples.GetValueOrDefault(n) ?? []), StringComparer.Ordinal);
        foreach (var f in families.Values.Where(f => f.Type == "histogram")) CheckHistogram(f);
        return families;
    }

    private static string? FamilyOf(string sample, Dictionary<string, string> types)
    {
        if (types.TryGetValue(sample, out var t)) return t == "histogram" ? null : sample;
        foreach (var suffix in new[] { "_bucket", "_sum", "_count" })
        {
            if (sample.EndsWith(suffix, StringComparison.Ordinal) && types.TryGetValue(sample[..^suffix.Length], out var ht) && ht == "histogram") return sample[..^suffix.Length];
        }
        return null;
    }

    private static void CheckHistogram(PrometheusFamily f)
    {
        foreach (var group in f.Samples.GroupBy(s => string.Join(",", s.Labels.Where(l => l.Key != "le").OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => l.Key + "=" + l.Value))))
        {
            var what = $"histogram {f.Name}{{{group.Key}}}";
            var buckets = group.Where(s => s.Name == f.Name + "_bucket").ToList();
            Check(buckets.Count > 0, $"{what}: no buckets");
            Check(buckets.All(b => b.Labels.ContainsKey("le")), $"{what}: a bucket without le");
            var bounds = buckets.Select(b => ParseValue(b.Labels["le"], what)).ToList();
            for (var i = 1; i < buckets.Count; i++)
            {
                Check(bounds[i] > bounds[i - 1], $"{what}: le bounds do not increase");
                Check(buckets[i].Value >= buckets[i - 1].Value, $"{what}: cumulative counts fall at le={buckets[i].Labels["le"]}");
            }
            Check(buckets[^1].Labels["le"] == "+Inf", $"{what}: the last bucket is not +Inf");
            var count = group.SingleOrDefault(s => s.Name == f.Name + "_count");
            Check(count is not null, $"{what}: no _count");
            Check(buckets[^1].Value == count!.Value, $"{what}: +Inf bucket {buckets[^1].Value} is not _count {count.Value}");
            Check(group.Count(s => s.Name == f.Name + "_sum") == 1, $"{what}: no _sum");
            Check(group.Where(s => s.Name != f.Name + "_bucket").All(s => !s.Labels.ContainsKey("le")), $"{what}: le on _sum or _count");
        }
    }

    private static (string Name, Dictionary<string, string> Labels, double Value) Sample(string line, string where)
    {
        var i = 0;
        while (i < line.Length && line[i] is not ('{' or ' ')) i++;
        var name = line[..i];
        Check(IsMetricName(name), $"{where}: bad metric name");
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (true)
            {
                Check(i < line.Length, $"{where}: unterminated labels");
                if (line[i] == '}')
                {
                    i++;
                    break;
                }
                var start = i;
                while (i < line.Length && line[i] != '=') i++;
                var label = line[start..i];
                Check(IsLabelName(label), $"{where}: bad label name '{label}'");
                Check(i + 1 < line.Length && line[i + 1] == '"', $"{where}: label value not quoted");
                i += 2;
                var value = new StringBuilder();
                while (true)
                {
                    Check(i < line.Length, $"{where}: unterminated label value");
                    var c = line[i++];
                    if (c == '"') break;
                    if (c == '\\')
                    {
                        Check(i < line.Length, $"{where}: dangling backslash");
                        var e = line[i++];
                        value.Append(e switch
                        {
                            '\\' => '\\',
                            '"' => '"',
                            'n' => '\n',
                            _ => throw new Xunit.Sdk.XunitException($"{where}: bad escape \\{e} in a label value"),
                        });
                    }
                    else value.Append(c);
                }
                Check(labels.TryAdd(label, value.ToString()), $"{where}: label {label} twice");
                Check(i < line.Length && line[i] is ',' or '}', $"{where}: expected , or }} after a label");
                if (line[i] == ',') i++;
            }
        }
        Check(i < line.Length && line[i] == ' ', $"{where}: no space before the value");
        var rest = line[(i + 1)..];
        Check(!rest.Contains(' ', StringComparison.Ordinal), $"{where}: a timestamp or trailing text");
        return (name, labels, ParseValue(rest, where));
    }

    private static double ParseValue(string text, string where) => text switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ when double.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var v) => v,
        _ => throw new Xunit.Sdk.XunitException($"{where}: '{text}' is not a float"),
    };

    private static string Unescape(string text, bool quoteAllowed, string where)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '\\')
            {
                sb.Append(text[i]);
                continue;
            }
            Check(i + 1 < text.Length, $"{where}: dangling backslash");
            var e = text[++i];
            Check(e is '\\' or 'n' || (quoteAllowed && e == '"'), $"{where}: bad escape \\{e}");
            sb.Append(e == 'n' ? '\n' : e);
        }
        return sb.ToString();
    }

    private static bool IsMetricName(string s) =>
        s.Length > 0 && (char.IsAsciiLetter(s[0]) || s[0] is '_' or ':') && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or ':');

    private static bool IsLabelName(string s) =>
        s.Length > 0 && (char.IsAsciiLetter(s[0]) || s[0] == '_') && s.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') && !s.StartsWith("__", StringComparison.Ordinal);

    private static void Check(bool ok, string what)
    {
        if (!ok) throw new Xunit.Sdk.XunitException("not Prometheus text 0.0.4: " + what);
    }
}
