namespace Gatehouse.Core.Addresses;

/// <summary>Character classes and small predicates of RFC 5321 §4.1.2 and RFC 5322 §3.2.3.</summary>
public static class SmtpSyntax
{
    /// <summary>RFC 5322 atext; under SMTPUTF8 (RFC 6531 §3.3) any non-ASCII character is atext too.</summary>
    public static bool IsAtext(char c, bool allowUtf8) =>
        c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9')
            or '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '/' or '=' or '?' or '^' or '_' or '`' or '{' or '|' or '}' or '~'
        || (allowUtf8 && c > 127 && !char.IsControl(c));

    /// <summary>True when <paramref name="s"/> is a Dot-string: atoms separated by single dots.</summary>
    public static bool IsDotString(string s, bool allowUtf8)
    {
        if (s.Length == 0 || s[0] == '.' || s[^1] == '.') return false;
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (c == '.')
            {
                if (s[i - 1] == '.') return false;
            }
            else if (!IsAtext(c, allowUtf8))
            {
                return false;
            }
        }
        return true;
    }

    public static bool IsLetDig(char c) => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9');
}
