using System.Globalization;
using System.Text;

namespace Gatehouse.Dns;

/// <summary>Checks a mail domain or host name and brings it to the one form used for lookups and comparison.</summary>
/// <remarks>
/// The normal form is lower case, A-labels, no trailing dot. A name in U-labels is converted with
/// IDNA (RFC 5891 §5 via <see cref="IdnMapping"/>); one already in A-labels passes as it is. Refused:
/// the empty name and the root, an empty label, a label over 63 octets, a name over 253 octets
/// (RFC 1035 §2.3.4 less the root and the length octets of the first label), and characters other
/// than letters, digits, hyphen and underscore (underscore occurs in real host names, though RFC 5321
/// §4.1.2 does not allow it). It does not check that a label does not start or end with a hyphen,
/// that the top-level label is not numeric, or that the name exists.
/// </remarks>
public static class DomainName
{
    /// <summary>The longest name in text form, without the trailing dot.</summary>
    public const int MaxLength = 253;

    private static readonly IdnMapping Idn = new() { AllowUnassigned = false, UseStd3AsciiRules = false };

    /// <summary>Normalises <paramref name="text"/>; returns false with a reason when it is not a usable domain name.</summary>
    public static bool TryNormalise(string? text, out string name, out string error)
    {
        name = "";
        if (string.IsNullOrEmpty(text))
        {
            error = "empty domain name";
            return false;
        }
        var trimmed = text.EndsWith('.') ? text[..^1] : text;
        if (trimmed.Length == 0)
        {
            error = "the root is not a mail domain";
            return false;
        }
        if (!Ascii.IsValid(trimmed))
        {
            try
            {
                trimmed = Idn.GetAscii(trimmed);
            }
            catch (ArgumentException)
            {
                error = "not a valid internationalised domain name";
                return false;
            }
        }
        var lower = trimmed.ToLowerInvariant();
        if (lower.Length > MaxLength)
        {
            error = $"domain name longer than {MaxLength} characters";
            return false;
        }
        foreach (var label in lower.Split('.'))
        {
            if (label.Length == 0)
            {
                error = "empty label";
                return false;
            }
            if (label.Length > DnsWire.MaxLabelLength)
            {
                error = $"label longer than {DnsWire.MaxLabelLength} characters";
                return false;
            }
            foreach (var c in label)
            {
                if (!char.IsAsciiLetterLower(c) && !char.IsAsciiDigit(c) && c is not ('-' or '_'))
                {
                    // The reason may end up in a bounce, so a control character is named, not copied.
                    error = char.IsControl(c) || c == ' '
                        ? $"character U+{(int)c:X4} is not allowed in a domain name"
                        : $"character '{c}' is not allowed in a domain name";
                    return false;
                }
            }
        }
        name = lower;
        error = "";
        return true;
    }
}
