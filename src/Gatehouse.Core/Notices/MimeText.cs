using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Gatehouse.Core.Notices;

/// <summary>Writing helpers for the notices Gatehouse composes: dates, folded fields, cleaned text, quoted-printable, encoded words.</summary>
/// <remarks>
/// Only what a notice needs: RFC 5322 §3.3 dates, §2.2.3 folding, RFC 2045 §6.7 quoted-printable, RFC
/// 2047 encoded words (written as UTF-8 B, read in any charset .NET knows) and RFC 6533 §3 utf-8-addr-xtext.
/// It is not a general MIME library.
/// </remarks>
internal static partial class MimeText
{
    public const string Crlf = "\r\n";

    // RFC 5322 §2.1.1: 78 is the line length to aim for, 998 the hard limit; a word longer than
    // MaxWord is split, which adds a space when unfolded but keeps the line legal.
    private const int SoftLimit = 78;
    private const int MaxWord = 900;

    /// <summary>An RFC 5322 date-time with an English day and month whatever the current culture.</summary>
    public static string Date(DateTimeOffset t)
    {
        var offset = t.Offset.Duration();
        var sign = t.Offset < TimeSpan.Zero ? '-' : '+';
        return string.Create(CultureInfo.InvariantCulture, $"{t:ddd, d MMM yyyy HH:mm:ss} {sign}{offset.Hours:00}{offset.Minutes:00}");
    }

    /// <summary>The text on one line: line breaks, tabs and other control characters become single spaces.</summary>
    /// <remarks>Text from a remote server or an original header must not be able to start a field of its own.</remarks>
    public static string OneLine(string? text)
    {
        if (string.IsNullOrEmpty(text)) return "";
        var sb = new StringBuilder(text.Length);
        var space = false;
        foreach (var c in text)
        {
            if (char.IsControl(c) || c is ' ' or '\u2028' or '\u2029')
            {
                space = sb.Length > 0;
                continue;
            }
            if (space) sb.Append(' ');
            space = false;
            sb.Append(c);
        }
        return sb.ToString();
    }

    /// <summary>Replaces every character outside printable US-ASCII with '?', for fields that must stay 7-bit.</summary>
    public static string Ascii7(string text)
    {
        if (Ascii.IsValid(text)) return text;
        var sb = new StringBuilder(text.Length);
        foreach (var r in text.EnumerateRunes()) sb.Append(r.IsAscii ? (char)r.Value : '?');
        return sb.ToString();
    }

    /// <summary>A host name for an mta-name of type dns: one token, ASCII (A-labels), no controls.</summary>
    public static string MtaName(string host)
    {
        var name = OneLine(host).Replace(" ", "", StringComparison.Ordinal);
        if (!Ascii.IsValid(name))
        {
            try
            {
                name = new IdnMapping().GetAscii(name);
            }
            catch (ArgumentException)
            {
                name = Ascii7(name);
            }
        }
        return name;
    }

    /// <summary>Writes "Name: value" folded at spaces to about 78 columns, each line ending in CRLF.</summary>
    /// <remarks>
    /// The value must already be one line (<see cref="OneLine"/>): runs of spaces are folding points.
    /// Lengths are counted in UTF-8 octets, because a global report (RFC 6533) carries UTF-8 and the
    /// 998 limit of RFC 5322 §2.1.1 is one of octets; a long word is split between characters, never inside one.
    /// </remarks>
    public static string Fold(string name, string value)
    {
        var sb = new StringBuilder();
        var line = new StringBuilder(name).Append(':');
        var lineOctets = Encoding.UTF8.GetByteCount(name) + 1;
        var hasWord = false;
        void Flush()
        {
            sb.Append(line).Append(Crlf);
            line.Clear();
            lineOctets = 0;
            hasWord = false;
        }
        foreach (var token in value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var word = token.AsSpan();
            var octets = Encoding.UTF8.GetByteCount(word);
            while (octets > MaxWord)
            {
                var cut = PrefixOfAtMost(word, MaxWord);
                if (hasWord) Flush();
                line.Append(' ').Append(word[..cut]);
                Flush();
                word = word[cut..];
                octets = Encoding.UTF8.GetByteCount(word);
            }
            if (hasWord && lineOctets + 1 + octets > SoftLimit) Flush();
            line.Append(' ').Append(word);
            lineOctets += 1 + octets;
            hasWord = true;
        }
        if (line.Length > 0) Flush();
        return sb.ToString();
    }

    /// <summary>How many chars of <paramref name="text"/> make at most <paramref name="maxOctets"/> octets of UTF-8, ending between characters.</summary>
    private static int PrefixOfAtMost(ReadOnlySpan<char> text, int maxOctets)
    {
        var chars = 0;
        var octets = 0;
        while (chars < text.Length)
        {
            if (Rune.DecodeFromUtf16(text[chars..], out var rune, out var used) != System.Buffers.OperationStatus.Done) rune = Rune.ReplacementChar;
            if (octets + rune.Utf8SequenceLength > maxOctets) break;
            octets += rune.Utf8SequenceLength;
            chars += used;
        }
        return chars;
    }

    /// <summary>Quoted-printable (RFC 2045 §6.7) of text whose lines end in CRLF; output lines are at most 76 characters.</summary>
    public static string QuotedPrintable(ReadOnlySpan<byte> text)
    {
        var sb = new StringBuilder(text.Length + (text.Length / 8));
        var column = 0;
        Span<char> token = stackalloc char[3];
        for (var i = 0; i < text.Length; i++)
        {
            var b = text[i];
            if (b == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                sb.Append(Crlf);
                column = 0;
                i++;
                continue;
            }
            // White space is literal except at the end of a line, where transports may strip it.
            var atEol = i + 1 == text.Length || text[i + 1] == '\r';
            var literal = b is >= 33 and <= 126 and not (byte)'=' || (b is (byte)' ' or (byte)'\t' && !atEol);
            var length = 1;
            if (literal)
            {
                token[0] = (char)b;
            }
            else
            {
                token[0] = '=';
                token[1] = HexUpper(b >> 4);
                token[2] = HexUpper(b & 0xF);
                length = 3;
            }
            if (column + length > 75)
            {
                sb.Append('=').Append(Crlf);
                column = 0;
            }
            sb.Append(token[..length]);
            column += length;
        }
        return sb.ToString();
    }

    /// <summary>RFC 2047 B-encoded UTF-8 words for <paramref name="text"/>, separated by spaces, each at most 75 characters.</summary>
    public static string EncodeWords(string text)
    {
        // 45 octets make 60 base64 characters; with "=?utf-8?B?" and "?=" that is 72, under the 75 limit.
        const int MaxOctets = 45;
        var words = new List<string>();
        var chunk = new List<byte>(MaxOctets);
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var rune in text.EnumerateRunes())
        {
            var n = rune.EncodeToUtf8(utf8);
            if (chunk.Count + n > MaxOctets)
            {
                words.Add(Word(chunk));
                chunk.Clear();
            }
            for (var i = 0; i < n; i++) chunk.Add(utf8[i]);
        }
        if (chunk.Count > 0) words.Add(Word(chunk));
        return string.Join(' ', words);

        static string Word(List<byte> octets) => "=?utf-8?B?" + Convert.ToBase64String([.. octets]) + "?=";
    }

    /// <summary>Decodes RFC 2047 encoded words for display; a word in an unknown charset or malformed is left as written.</summary>
    public static string DecodeWords(string text)
    {
        var sb = new StringBuilder(text.Length);
        var last = 0;
        var previousWasWord = false;
        foreach (Match m in EncodedWord().Matches(text))
        {
            var between = text.AsSpan(last, m.Index - last);
            // White space between two encoded words is not part of the text (RFC 2047 §6.2).
            if (!(previousWasWord && between.IsWhiteSpace())) sb.Append(between);
            var decoded = TryDecodeWord(m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value);
            sb.Append(decoded ?? m.Value);
            previousWasWord = decoded is not null;
            last = m.Index + m.Length;
        }
        sb.Append(text.AsSpan(last));
        return sb.ToString();
    }

    /// <summary>RFC 6533 §3 utf-8-addr-xtext: printable ASCII but "+", "=" and "\" as is, everything else as \x{HEX}.</summary>
    public static string Utf8AddrXtext(string address) => EmbedUnicode(address, keepNonAscii: false);

    /// <summary>RFC 6533 §3 utf-8-addr-unitext: as <see cref="Utf8AddrXtext"/>, but characters outside ASCII stay as they are.</summary>
    /// <remarks>For a global report, which may hold UTF-8; the escapes that remain keep "+", "=", "\", spaces and controls unambiguous.</remarks>
    public static string Utf8AddrUnitext(string address) => EmbedUnicode(address, keepNonAscii: true);

    private static string EmbedUnicode(string address, bool keepNonAscii)
    {
        var sb = new StringBuilder(address.Length + 8);
        foreach (var r in address.EnumerateRunes())
        {
            if (r.Value is >= 0x21 and <= 0x7E and not ('+' or '=' or '\\') || (keepNonAscii && r.Value > 0x7F))
            {
                sb.Append(r.ToString());
            }
            else
            {
                sb.Append(CultureInfo.InvariantCulture, $"\\x{{{r.Value.ToString(r.Value < 0x100 ? "X2" : "X", CultureInfo.InvariantCulture)}}}");
            }
        }
        return sb.ToString();
    }

    /// <summary>Undoes <see cref="Utf8AddrXtext"/>: each \x{HEX} becomes its character; a malformed escape stays as written.</summary>
    public static string FromUtf8AddrXtext(string xtext)
    {
        var sb = new StringBuilder(xtext.Length);
        for (var i = 0; i < xtext.Length; i++)
        {
            if (xtext.AsSpan(i).StartsWith("\\x{", StringComparison.Ordinal))
            {
                var close = xtext.IndexOf('}', i + 3);
                if (close > i + 3 && close - i - 3 <= 6
                    && int.TryParse(xtext.AsSpan(i + 3, close - i - 3), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value)
                    && Rune.IsValid(value))
                {
                    sb.Append(new Rune(value).ToString());
                    i = close;
                    continue;
                }
            }
            sb.Append(xtext[i]);
        }
        return sb.ToString();
    }

    private static string? TryDecodeWord(string charset, string encoding, string payload)
    {
        var star = charset.IndexOf('*', StringComparison.Ordinal);
        if (star >= 0) charset = charset[..star]; // RFC 2231 §5 language suffix
        Encoding enc;
        try
        {
            enc = Encoding.GetEncoding(charset);
        }
        catch (ArgumentException)
        {
            return null;
        }
        byte[] octets;
        if (encoding is "B" or "b")
        {
            var buffer = new byte[payload.Length];
            if (!Convert.TryFromBase64String(payload, buffer, out var written)) return null;
            octets = buffer[..written];
        }
        else
        {
            var list = new List<byte>(payload.Length);
            for (var i = 0; i < payload.Length; i++)
            {
                var c = payload[i];
                if (c == '_')
                {
                    list.Add((byte)' ');
                }
                else if (c == '=' && i + 2 < payload.Length && byte.TryParse(payload.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b))
                {
                    list.Add(b);
                    i += 2;
                }
                else
                {
                    list.Add((byte)c);
                }
            }
            octets = [.. list];
        }
        return OneLine(enc.GetString(octets));
    }

    private static char HexUpper(int nibble) => (char)(nibble < 10 ? '0' + nibble : 'A' + nibble - 10);

    [GeneratedRegex(@"=\?([^?\s]+)\?([BbQq])\?([!->@-~]*)\?=", RegexOptions.CultureInvariant)]
    private static partial Regex EncodedWord();
}
