using Gatehouse.Core.Addresses;
using Gatehouse.Core.Configuration;

namespace Gatehouse.Core.Routing;

/// <summary>Says whether an address space covers an address, and how specifically.</summary>
/// <remarks>
/// Specificity orders matching address spaces: the most specific wins before cost is compared
/// (Exchange's GWART does the same). SMTP: an exact domain (1000 + its length) beats
/// <c>*.domain</c> (500 + its length; subdomains only, not the domain itself), which beats
/// <c>*</c> (0). X400: every attribute of the pattern must be in the address with the same value
/// (case-insensitive); specificity is the number of attributes. Other types: an exact value
/// (1000 + length), a prefix ending in <c>*</c> (its length), or <c>*</c> (0).
/// </remarks>
public static class AddressSpaceMatcher
{
    /// <summary>The specificity of the match, or -1 when <paramref name="space"/> does not cover <paramref name="address"/>.</summary>
    public static int Match(AddressSpace space, TypedAddress address)
    {
        if (space.Type != address.Type) return -1;
        var p = space.Pattern;
        if (p == "*") return 0;
        if (address.Mailbox is { } m)
        {
            var d = m.Domain;
            if (p.StartsWith("*.", StringComparison.Ordinal))
            {
                var suffix = p[1..];
                return d.Length > suffix.Length && d.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) ? 500 + p.Length : -1;
            }
            return string.Equals(d, p, StringComparison.OrdinalIgnoreCase) ? 1000 + p.Length : -1;
        }
        if (address.Type == AddressType.X400)
        {
            var have = X400Attributes(address.Value);
            var want = X400Attributes(p);
            foreach (var (k, v) in want)
            {
                if (!have.Any(h => h.Key == k && h.Value == v)) return -1;
            }
            return want.Count;
        }
        if (p.EndsWith('*'))
        {
            return address.Value.StartsWith(p[..^1], StringComparison.OrdinalIgnoreCase) ? p.Length - 1 : -1;
        }
        return string.Equals(address.Value, p, StringComparison.OrdinalIgnoreCase) ? 1000 + p.Length : -1;
    }

    /// <summary>Checks a pattern when the configuration is loaded.</summary>
    public static bool IsValidPattern(AddressType type, string pattern, out string error)
    {
        error = "";
        if (pattern.Length == 0)
        {
            error = "empty pattern";
            return false;
        }
        if (pattern == "*") return true;
        if (type.IsSmtp)
        {
            var domain = pattern.StartsWith("*.", StringComparison.Ordinal) ? pattern[2..] : pattern;
            if (!Addresses.SmtpPathParser.IsAsciiDomain(domain.ToLowerInvariant(), out var why))
            {
                error = $"an SMTP address space is a domain, *.domain or *: {why}";
                return false;
            }
            return true;
        }
        if (type == AddressType.X400 && X400Attributes(pattern).Count == 0)
        {
            error = "an X400 address space is attributes such as c=US;p=Org;o=Site";
            return false;
        }
        return true;
    }

    private static List<KeyValuePair<string, string>> X400Attributes(string value)
    {
        var list = new List<KeyValuePair<string, string>>();
        foreach (var part in value.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=');
            if (eq <= 0) continue;
            var v = part[(eq + 1)..].Trim();
            list.Add(new(part[..eq].Trim().ToUpperInvariant(), v.Length == 0 ? " " : v.ToUpperInvariant()));
        }
        return list;
    }
}
