using System.Text;

namespace Gatehouse.Smtp.Commands;

/// <summary>RFC 3461 §4 xtext: printable ASCII except '+' and '=', with "+HH" for everything else.</summary>
public static class Xtext
{
    /// <summary>Decodes xtext; a malformed escape or a forbidden character is an error.</summary>
    public static bool TryDecode(string text, out string value)
    {
        var bytes = new List<byte>(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '+')
            {
                if (i + 2 >= text.Length || !IsUpperHex(text[i + 1]) || !IsUpperHex(text[i + 2]))
                {
                    value = "";
                    return false;
                }
                bytes.Add(Convert.ToByte(text.Substring(i + 1, 2), 16));
                i += 2;
            }
            else if (c is >= '!' and <= '~' && c != '=')
            {
                bytes.Add((byte)c);
            }
            else
            {
                value = "";
                return false;
            }
        }
        try
        {
            value = new UTF8Encoding(false, true).GetString(bytes.ToArray());
            return true;
        }
        catch (DecoderFallbackException)
        {
            value = "";
            return false;
        }
    }

    public static string Encode(string value)
    {
        var sb = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            if (b is >= (byte)'!' and <= (byte)'~' && b != '+' && b != '=') sb.Append((char)b);
            else sb.Append('+').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    // RFC 3461 requires upper-case hex; lower case is accepted because senders get it wrong and it is unambiguous.
    private static bool IsUpperHex(char c) => char.IsAsciiHexDigit(c);
}
