using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Gatehouse.Core.Addresses;

/// <summary>Parses RFC 5321 §4.1.2 envelope paths: <c>&lt;&gt;</c>, <c>&lt;mailbox&gt;</c> and source routes.</summary>
/// <remarks>
/// Never throws on input: every malformed path returns false with the RFC reason in <c>error</c>.
/// A source route (<c>&lt;@a,@b:user@c&gt;</c>) is accepted and ignored, as RFC 5321 §3.6.1 and
/// Appendix C tell servers to do: the mailbox after the colon is the address. Limits are those of
/// RFC 5321 §4.5.3.1: local part 64 octets, domain 255 octets; an IMCEA-encapsulated local part
/// (MS-OXCMAIL §2.1.3.1.8) may be up to <see cref="MaxImceaLocalPartOctets"/> octets, because it
/// carries a whole foreign address.
/// </remarks>
public static class SmtpPathParser
{
    public const int MaxLocalPartOctets = 64;
    public const int MaxDomainOctets = 255;
    public const int MaxImceaLocalPartOctets = 1024;

    private static readonly IdnMapping Idn = new() { UseStd3AsciiRules = true, AllowUnassigned = false };

    /// <summary>Parses a reverse-path; <paramref name="mailbox"/> is null for the null path <c>&lt;&gt;</c>.</summary>
    public static bool TryParseReversePath(string text, ref int pos, bool utf8, out Mailbox? mailbox, out string error)
    {
        mailbox = null;
        if (pos + 1 < text.Length && text[pos] == '<' && text[pos + 1] == '>')
        {
            pos += 2;
            error = "";
            return true;
        }
        if (!TryParsePath(text, ref pos, utf8, allowPostmaster: false, out var m, out _, out error)) return false;
        mailbox = m;
        return true;
    }

    /// <summary>Parses a forward-path; accepts the bare <c>&lt;Postmaster&gt;</c> of RFC 5321 §4.1.1.3.</summary>
    public static bool TryParseForwardPath(string text, ref int pos, bool utf8, out Mailbox mailbox, out string error) =>
        TryParsePath(text, ref pos, utf8, allowPostmaster: true, out mailbox, out _, out error);

    /// <summary>
    /// Parses a forward-path and also returns the source route it dropped (<c>@a,@b</c>, empty when
    /// there was none), so that the trace and <see cref="SenderRoutingClassifier"/> can say a route was ignored.
    /// </summary>
    public static bool TryParseForwardPath(string text, ref int pos, bool utf8, out Mailbox mailbox, out string sourceRoute, out string error) =>
        TryParsePath(text, ref pos, utf8, allowPostmaster: true, out mailbox, out sourceRoute, out error);

    /// <summary>Parses a whole string as a mailbox without angle brackets (used by configuration and tests).</summary>
    public static bool TryParseMailbox(string text, bool utf8, out Mailbox mailbox, out string error)
    {
        var pos = 0;
        if (!TryMailbox(text, ref pos, utf8, out mailbox, out error)) return false;
        if (pos != text.Length)
        {
            error = "unexpected characters after the mailbox";
            return false;
        }
        return true;
    }

    private static bool TryParsePath(string text, ref int pos, bool utf8, bool allowPostmaster, out Mailbox mailbox, out string route, out string error)
    {
        mailbox = null!;
        route = "";
        if (pos >= text.Length || text[pos] != '<')
        {
            error = "path must be enclosed in angle brackets (RFC 5321 4.1.2)";
            return false;
        }
        var p = pos + 1;
        if (p < text.Length && text[p] == '@')
        {
            if (!SkipSourceRoute(text, ref p, utf8, out error)) return false;
            route = text[(pos + 1)..(p - 1)];
        }

        if (allowPostmaster)
        {
            var close = text.IndexOf('>', p);
            if (close > p && text.AsSpan(p, close - p).Equals("postmaster", StringComparison.OrdinalIgnoreCase))
            {
                mailbox = new Mailbox(text[p..close], "");
                pos = close + 1;
                error = "";
                return true;
            }
        }

        if (!TryMailbox(text, ref p, utf8, out mailbox, out error)) return false;
        if (p >= text.Length || text[p] != '>')
        {
            error = "missing closing angle bracket (RFC 5321 4.1.2)";
            return false;
        }
        pos = p + 1;
        return true;
    }

    private static bool SkipSourceRoute(string text, ref int p, bool utf8, out string error)
    {
        // A-d-l = At-domain *( "," At-domain ) ":"
        while (true)
        {
            if (p >= text.Length || text[p] != '@')
            {
                error = "malformed source route (RFC 5321 4.1.2 A-d-l)";
                return false;
            }
            p++;
            if (!TryDomain(text, ref p, utf8, allowLiteral: false, out _, out error)) return false;
            if (p < text.Length && text[p] == ',') { p++; continue; }
            if (p < text.Length && text[p] == ':') { p++; error = ""; return true; }
            error = "malformed source route (RFC 5321 4.1.2 A-d-l)";
            return false;
        }
    }

    private static bool TryMailbox(string text, ref int p, bool utf8, out Mailbox mailbox, out string error)
    {
        mailbox = null!;
        string local;
        if (p < text.Length && text[p] == '"')
        {
            if (!TryQuotedString(text, ref p, utf8, out local, out error)) return false;
        }
        else
        {
            var start = p;
            while (p < text.Length && (text[p] == '.' || SmtpSyntax.IsAtext(text[p], allowUtf8: true))) p++;
            local = text[start..p];
            if (local.Length == 0)
            {
                error = "empty local part (RFC 5321 4.1.2)";
                return false;
            }
            if (!SmtpSyntax.IsDotString(local, allowUtf8: true))
            {
                error = "local part is not a valid dot-string (RFC 5321 4.1.2)";
                return false;
            }
        }
        if (!utf8 && !Ascii.IsValid(local))
        {
            error = "non-ASCII local part requires SMTPUTF8 (RFC 6531)";
            return false;
        }
        var localOctets = Encoding.UTF8.GetByteCount(local);
        var limit = local.StartsWith("IMCEA", StringComparison.OrdinalIgnoreCase) ? MaxImceaLocalPartOctets : MaxLocalPartOctets;
        if (localOctets > limit)
        {
            error = $"local part longer than {limit} octets (RFC 5321 4.5.3.1.1)";
            return false;
        }
        if (p >= text.Length || text[p] != '@')
        {
            error = "mailbox must have a domain (RFC 5321 4.1.2)";
            return false;
        }
        p++;
        if (!TryDomain(text, ref p, utf8, allowLiteral: true, out var domain, out error)) return false;
        mailbox = new Mailbox(local, domain);
        return true;
    }

    private static bool TryQuotedString(string text, ref int p, bool utf8, out string value, out string error)
    {
        value = "";
        var sb = new StringBuilder();
        p++; // opening quote
        while (p < text.Length)
        {
            var c = text[p];
            if (c == '"')
            {
                p++;
                value = sb.ToString();
                error = "";
                return true;
            }
            if (c == '\\')
            {
                if (p + 1 >= text.Length || text[p + 1] is < ' ' or > '~')
                {
                    error = "invalid quoted-pair in quoted local part (RFC 5321 4.1.2)";
                    return false;
                }
                sb.Append(text[p + 1]);
                p += 2;
                continue;
            }
            if ((c is >= ' ' and <= '~') || (utf8 && c > 127 && !char.IsControl(c)))
            {
                sb.Append(c);
                p++;
                continue;
            }
            error = "invalid character in quoted local part (RFC 5321 4.1.2 qtextSMTP)";
            return false;
        }
        error = "unterminated quoted local part";
        return false;
    }

    private static bool TryDomain(string text, ref int p, bool utf8, bool allowLiteral, out string domain, out string error)
    {
        domain = "";
        if (p < text.Length && text[p] == '[')
        {
            if (!allowLiteral)
            {
                error = "address literal not allowed here";
                return false;
            }
            return TryAddressLiteral(text, ref p, out domain, out error);
        }
        var start = p;
        while (p < text.Length && (text[p] == '.' || text[p] == '-' || SmtpSyntax.IsLetDig(text[p]) || (text[p] > 127 && !char.IsControl(text[p])))) p++;
        var raw = text[start..p];
        if (raw.Length == 0)
        {
            error = "missing domain (RFC 5321 4.1.2)";
            return false;
        }
        if (!Ascii.IsValid(raw))
        {
            if (!utf8)
            {
                error = "non-ASCII domain requires SMTPUTF8 (RFC 6531)";
                return false;
            }
            try
            {
                raw = Idn.GetAscii(raw);
            }
            catch (ArgumentException)
            {
                error = "domain is not a valid internationalized domain name (RFC 5890)";
                return false;
            }
        }
        if (!IsAsciiDomain(raw, out error)) return false;
        domain = raw.ToLowerInvariant();
        return true;
    }

    /// <summary>Checks RFC 5321 Domain syntax: LDH labels of 1–63 octets, at most 255 octets in all.</summary>
    public static bool IsAsciiDomain(string d, out string error)
    {
        if (d.Length > MaxDomainOctets)
        {
            error = $"domain longer than {MaxDomainOctets} octets (RFC 5321 4.5.3.1.2)";
            return false;
        }
        foreach (var label in d.Split('.'))
        {
            if (label.Length is 0 or > 63 || !SmtpSyntax.IsLetDig(label[0]) || !SmtpSyntax.IsLetDig(label[^1]))
            {
                error = "malformed domain (RFC 5321 4.1.2 sub-domain)";
                return false;
            }
            foreach (var c in label)
            {
                if (c != '-' && !SmtpSyntax.IsLetDig(c))
                {
                    error = "malformed domain (RFC 5321 4.1.2 sub-domain)";
                    return false;
                }
            }
        }
        error = "";
        return true;
    }

    private static bool TryAddressLiteral(string text, ref int p, out string literal, out string error)
    {
        literal = "";
        var close = text.IndexOf(']', p);
        if (close < 0)
        {
            error = "unterminated address literal (RFC 5321 4.1.3)";
            return false;
        }
        var inner = text[(p + 1)..close];
        if (inner.StartsWith("IPv6:", StringComparison.OrdinalIgnoreCase))
        {
            if (!IPAddress.TryParse(inner.AsSpan(5), out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6 || inner.Contains('%'))
            {
                error = "malformed IPv6 address literal (RFC 5321 4.1.3)";
                return false;
            }
            literal = "[IPv6:" + v6 + "]";
        }
        else
        {
            if (!IsDottedQuad(inner))
            {
                error = "malformed or unsupported address literal (RFC 5321 4.1.3)";
                return false;
            }
            // Snum is decimal (RFC 5321 4.1.3); IPAddress.Parse would read "010" as octal 8, as inet_aton does.
            literal = "[" + string.Join('.', inner.Split('.').Select(part => int.Parse(part, CultureInfo.InvariantCulture))) + "]";
        }
        p = close + 1;
        error = "";
        return true;
    }

    private static bool IsDottedQuad(string s)
    {
        var parts = s.Split('.');
        if (parts.Length != 4) return false;
        foreach (var part in parts)
        {
            if (part.Length is 0 or > 3 || !part.All(char.IsAsciiDigit) || int.Parse(part, CultureInfo.InvariantCulture) > 255) return false;
        }
        return true;
    }
}
