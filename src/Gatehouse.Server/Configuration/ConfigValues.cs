using System.Globalization;
using System.Text;

namespace Gatehouse.Server.Configuration;

/// <summary>Parses the value syntaxes of the configuration: sizes ("35MiB") and durations ("5m").</summary>
public static class ConfigValues
{
    public static bool TryParseSize(string s, out long value)
    {
        value = 0;
        s = s.Trim();
        var i = 0;
        while (i < s.Length && char.IsAsciiDigit(s[i])) i++;
        if (i == 0 || i > 15 || !long.TryParse(s.AsSpan(0, i), NumberStyles.None, CultureInfo.InvariantCulture, out var n)) return false;
        long unit = s[i..].Trim().ToUpperInvariant() switch
        {
            "" or "B" => 1,
            "KB" or "K" => 1000,
            "MB" or "M" => 1000_000,
            "GB" or "G" => 1000_000_000,
            "KIB" => 1L << 10,
            "MIB" => 1L << 20,
            "GIB" => 1L << 30,
            _ => 0,
        };
        if (unit == 0) return false;
        value = n * unit;
        return true;
    }

    public static bool TryParseDuration(string s, out TimeSpan value)
    {
        value = default;
        s = s.Trim();
        var i = 0;
        while (i < s.Length && char.IsAsciiDigit(s[i])) i++;
        if (i == 0 || i > 9 || !long.TryParse(s.AsSpan(0, i), NumberStyles.None, CultureInfo.InvariantCulture, out var n)) return false;
        var unit = s[i..].Trim();
        value = unit switch
        {
            "" or "s" => TimeSpan.FromSeconds(n),
            "ms" => TimeSpan.FromMilliseconds(n),
            "m" => TimeSpan.FromMinutes(n),
            "h" => TimeSpan.FromHours(n),
            "d" => TimeSpan.FromDays(n),
            _ => TimeSpan.MinValue,
        };
        return value != TimeSpan.MinValue;
    }

    public static string Format(TimeSpan t) =>
        t.TotalSeconds < 1 ? $"{t.TotalMilliseconds:0}ms" :
        t.TotalMinutes < 1 ? $"{t.TotalSeconds:0}s" :
        t.TotalHours < 1 ? $"{t.TotalMinutes:0}m" :
        t.TotalDays < 1 ? $"{t.TotalHours:0}h" : $"{t.TotalDays:0}d";

    /// <summary>"ImplicitTls" → "implicit_tls".</summary>
    public static string SnakeCase(string pascal)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < pascal.Length; i++)
        {
            if (char.IsUpper(pascal[i]) && i > 0) sb.Append('_');
            sb.Append(char.ToLowerInvariant(pascal[i]));
        }
        return sb.ToString();
    }
}
