using System.Globalization;
using System.Text;
using Gatehouse.Core.Addresses;

namespace Gatehouse.Core.Directory;

/// <summary>The facts about a mailbox that an address template can use.</summary>
public sealed record TemplateFacts(string Alias, string? GivenName, string? Surname, string? Initials, string? DisplayName);

/// <summary>An Exchange site-addressing template such as <c>%g.%s@contoso.com</c> that generates a mailbox's SMTP address.</summary>
/// <remarks>
/// <para>Placeholders (Exchange recipient policy syntax): <c>%g</c> given name, <c>%s</c> surname,
/// <c>%i</c> initials, <c>%m</c> alias, <c>%d</c> display name; <c>%Ng</c> (and <c>%Ns</c>, ...)
/// takes the first N characters; <c>%rxy</c> replaces every later x in substituted values by y,
/// and deletes x when y is x; <c>%%</c> is a percent sign.</para>
/// <para>Substituted values lose the characters an RFC 5321 dot-string cannot hold (spaces, quotes,
/// commas...), so "Mary Ann O'Neil" becomes "MaryAnnO'Neil", and a name left with nothing counts as
/// missing; a template that yields no valid address for a mailbox (say, no surname) generates
/// nothing for it, and the caller reports it.</para>
/// </remarks>
public sealed class AddressTemplate
{
    private readonly string _localTemplate;

    private AddressTemplate(string text, string localTemplate, string domain)
    {
        Text = text;
        _localTemplate = localTemplate;
        Domain = domain;
    }

    public string Text { get; }

    public string Domain { get; }

    /// <summary>Checks and parses a template; the domain part must be a plain domain.</summary>
    public static bool TryParse(string text, out AddressTemplate template, out string error)
    {
        template = null!;
        var at = text.LastIndexOf('@');
        if (at <= 0 || at == text.Length - 1)
        {
            error = "an address template needs a local part and a domain, such as %g.%s@example.com";
            return false;
        }
        var domain = text[(at + 1)..].ToLowerInvariant();
        if (!SmtpPathParser.IsAsciiDomain(domain, out var why))
        {
            error = $"template domain: {why}";
            return false;
        }
        var local = text[..at];
        if (!TryValidate(local, out error)) return false;
        template = new AddressTemplate(text, local, domain);
        return true;
    }

    private static bool TryValidate(string local, out string error)
    {
        for (var i = 0; i < local.Length; i++)
        {
            if (local[i] != '%')
            {
                // A literal that no dot-string can hold would make the template generate nothing for anyone.
                if (!SmtpSyntax.IsAtext(local[i], allowUtf8: false) && local[i] != '.')
                {
                    error = $"character '{local[i]}' cannot be in the local part of an address (RFC 5321 4.1.2 dot-string)";
                    return false;
                }
                continue;
            }
            i++;
            var start = i;
            while (i < local.Length && char.IsAsciiDigit(local[i])) i++;
            if (i >= local.Length)
            {
                error = "template ends inside a placeholder";
                return false;
            }
            if (i > start && (local[i] is 'r' or '%' || !int.TryParse(local.AsSpan(start, i - start), NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n == 0))
            {
                error = $"bad length in %{local[start..(i + 1)]}: a length is a positive number and applies only to %g %s %i %m %d";
                return false;
            }
            switch (local[i])
            {
                case 'g' or 's' or 'i' or 'm' or 'd' or '%':
                    break;
                case 'r':
                    if (i + 2 >= local.Length)
                    {
                        error = "%r needs two characters: %rxy replaces x by y";
                        return false;
                    }
                    i += 2;
                    break;
                default:
                    error = $"unknown placeholder %{local[i]} (known: %g %s %i %m %d %rxy %%)";
                    return false;
            }
        }
        error = "";
        return true;
    }

    /// <summary>Generates the address for one mailbox, or null when the template yields nothing usable for it.</summary>
    public Mailbox? Generate(TemplateFacts facts)
    {
        var sb = new StringBuilder();
        var replacements = new List<(char From, char To)>();
        var local = _localTemplate;
        for (var i = 0; i < local.Length; i++)
        {
            var c = local[i];
            if (c != '%')
            {
                sb.Append(c);
                continue;
            }
            i++;
            var start = i;
            while (char.IsAsciiDigit(local[i])) i++;
            int? take = i > start ? int.Parse(local.AsSpan(start, i - start), CultureInfo.InvariantCulture) : null;
            var kind = local[i];
            if (kind == '%')
            {
                sb.Append('%');
                continue;
            }
            if (kind == 'r')
            {
                replacements.Add((local[i + 1], local[i + 2]));
                i += 2;
                continue;
            }
            var value = kind switch
            {
                'g' => facts.GivenName,
                's' => facts.Surname,
                'i' => facts.Initials,
                'm' => facts.Alias,
                'd' => facts.DisplayName,
                _ => null,
            };
            if (string.IsNullOrEmpty(value)) return null;
            foreach (var (from, to) in replacements) value = from == to ? value.Replace(from.ToString(), "", StringComparison.Ordinal) : value.Replace(from, to);
            var clean = new StringBuilder();
            foreach (var ch in value)
            {
                if (SmtpSyntax.IsAtext(ch, allowUtf8: false) || ch == '.') clean.Append(ch);
            }
            var v = clean.ToString();
            if (take is { } n && v.Length > n) v = v[..n];
            // A name with nothing usable in it is as good as missing: "%g.%s" must not quietly become "%s".
            if (v.AsSpan().Trim('.').IsEmpty) return null;
            sb.Append(v);
        }
        var result = sb.ToString();
        while (result.Contains("..", StringComparison.Ordinal)) result = result.Replace("..", ".", StringComparison.Ordinal);
        result = result.Trim('.');
        if (!SmtpSyntax.IsDotString(result, allowUtf8: false) || Encoding.UTF8.GetByteCount(result) > SmtpPathParser.MaxLocalPartOctets) return null;
        return new Mailbox(result, Domain);
    }
}
