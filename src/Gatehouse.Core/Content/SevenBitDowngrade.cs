using System.Buffers;
using System.Buffers.Text;
using System.Text;
using Gatehouse.Core.Protocol;

namespace Gatehouse.Core.Content;

/// <summary>What <see cref="SevenBitDowngrade.Convert"/> did.</summary>
public enum DowngradeStatus
{
    /// <summary>The message has no 8-bit octet: send it as it is.</summary>
    Unchanged,

    /// <summary>The message was re-encoded; <see cref="DowngradeResult.Content"/> is 7-bit.</summary>
    Converted,

    /// <summary>The message cannot be made 7-bit; <see cref="DowngradeResult.Failure"/> is the reply for every recipient.</summary>
    Impossible,
}

/// <summary>The outcome of a 7-bit downgrade: the content to send, or why there is none.</summary>
public sealed record DowngradeResult(DowngradeStatus Status, ReadOnlyMemory<byte> Content, SmtpReply? Failure);

/// <summary>Converts an 8-bit MIME message to 7 bit for a next hop that does not announce 8BITMIME (RFC 6152 §3, RFC 1652 §3).</summary>
/// <remarks>
/// <para>What it does: walks the MIME structure — the top-level entity, the parts of every multipart
/// (boundaries from Content-Type, RFC 2046 §5.1.1) and the message inside message/rfc822 — and
/// re-encodes each leaf whose body has an octet above 127: quoted-printable for text/*, base64 for
/// everything else (RFC 2045 §6). The leaf's Content-Transfer-Encoding is replaced; a composite
/// entity that said 8bit or binary is relabelled 7bit. Every other octet of the message, headers
/// included, is left exactly as it was.</para>
/// <para>message/rfc822 is recursed into rather than base64-encoded, because RFC 2046 §5.2.1 allows it
/// no encoding but 7bit, 8bit or binary; an 8-bit header inside it therefore fails like one at the
/// top. message/global (RFC 6532 §3.5) may be encoded and is treated as a leaf.</para>
/// <para>How it fails: 8-bit octets in a header field cannot be converted (RFC 6152 §3 allows no
/// header encoding here), so the message fails with 554 5.6.3; so does a leaf already labelled
/// quoted-printable or base64 that nevertheless holds 8-bit octets, or MIME nested deeper than
/// <see cref="MaxDepth"/>. A multipart without a usable boundary is invalid (RFC 2046 §5.1.1); as RFC
/// 2045 §5.2 advises for invalid Content-Type fields it is treated as text/plain, relabelled
/// <c>text/plain; charset=unknown-8bit</c> (RFC 1428) and quoted-printable-encoded. An 8-bit
/// preamble or epilogue is dropped: readers ignore both (RFC 2046 §5.1.1) and neither can be encoded.</para>
/// <para>What it does not do: SMTPUTF8 (RFC 6531) messages are not downgraded (RFC 6857 is not
/// implemented), and nothing here talks to a server. The conversion is in memory: the caller holds
/// the whole message, which its size limit bounds, and gets a new buffer about a third larger.</para>
/// </remarks>
public static class SevenBitDowngrade
{
    /// <summary>How deep multiparts and message/rfc822 may nest before the message is refused.</summary>
    public const int MaxDepth = 32;

    public static readonly SmtpReply EightBitHeaders =
        SmtpReply.Of(554, "5.6.3", "message has 8-bit headers and the next hop does not accept 8-bit mail");

    private static ReadOnlySpan<byte> Crlf => "\r\n"u8;

    /// <summary>True when any octet is above 127.</summary>
    public static bool HasEightBit(ReadOnlySpan<byte> content) => content.IndexOfAnyExceptInRange((byte)0, (byte)0x7F) >= 0;

    /// <summary>Makes the message 7-bit, or says why it cannot be.</summary>
    public static DowngradeResult Convert(ReadOnlyMemory<byte> message)
    {
        if (!HasEightBit(message.Span)) return new DowngradeResult(DowngradeStatus.Unchanged, message, null);
        var output = new ArrayBufferWriter<byte>(message.Length + (message.Length / 2) + 256);
        var failure = ConvertEntity(message.Span, ContentType.TextPlain, 0, output);
        return failure is null
            ? new DowngradeResult(DowngradeStatus.Converted, output.WrittenMemory, null)
            : new DowngradeResult(DowngradeStatus.Impossible, ReadOnlyMemory<byte>.Empty, failure);
    }

    /// <summary>Writes the 7-bit form of one entity; returns the failure reply when there is none.</summary>
    private static SmtpReply? ConvertEntity(ReadOnlySpan<byte> entity, ContentType defaultType, int depth, ArrayBufferWriter<byte> output)
    {
        if (!HasEightBit(entity))
        {
            output.Write(entity);
            return null;
        }
        if (depth > MaxDepth) return Unconvertible("MIME structure nested too deeply");
        var header = Header.Parse(entity);
        if (HasEightBit(entity[..header.BodyStart])) return EightBitHeaders;
        var body = entity[header.BodyStart..];
        var type = header.Value(entity, "Content-Type") is { } ct ? ContentType.Parse(ct) : defaultType;
        var encoding = header.Value(entity, "Content-Transfer-Encoding")?.ToLowerInvariant() ?? "7bit";

        if (type.IsMultipart)
        {
            var delimiters = type.Boundary is { } boundary ? FindDelimiters(body, boundary) : new List<Delimiter>();
            if (delimiters.Count == 0)
            {
                // No boundary, or none found in the body: nothing can be told apart, so it is one text (RFC 2045 §5.2).
                return WriteLeaf(entity, header, body, "quoted-printable", output, "text/plain; charset=unknown-8bit");
            }
            WriteHeader(entity, header, encoding is "8bit" or "binary" ? "7bit" : null, null, output);
            var childType = type.Subtype == "digest" ? ContentType.MessageRfc822 : ContentType.TextPlain;
            return WriteMultipartBody(body, delimiters, childType, depth, output);
        }
        if (type.Type == "message" && type.Subtype == "rfc822")
        {
            WriteHeader(entity, header, encoding is "8bit" or "binary" ? "7bit" : null, null, output);
            return ConvertEntity(body, ContentType.TextPlain, depth + 1, output);
        }
        if (encoding is not ("7bit" or "8bit" or "binary"))
        {
            return Unconvertible($"a part labelled {encoding} holds 8-bit octets");
        }
        return WriteLeaf(entity, header, body, type.Type == "text" ? "quoted-printable" : "base64", output, null);
    }

    private static SmtpReply? WriteLeaf(ReadOnlySpan<byte> entity, Header header, ReadOnlySpan<byte> body, string encoding, ArrayBufferWriter<byte> output, string? newContentType)
    {
        if (!HasEightBit(body))
        {
            output.Write(entity);
            return null;
        }
        WriteHeader(entity, header, encoding, newContentType, output);
        if (encoding == "base64") WriteBase64(body, output);
        else WriteQuotedPrintable(body, output);
        return null;
    }

    private static SmtpReply? WriteMultipartBody(ReadOnlySpan<byte> body, List<Delimiter> delimiters, ContentType childType, int depth, ArrayBufferWriter<byte> output)
    {
        var preamble = body[..delimiters[0].Start];
        if (!HasEightBit(preamble)) output.Write(preamble);
        for (var i = 0; i < delimiters.Count; i++)
        {
            var d = delimiters[i];
            output.Write(body[d.Start..d.End]);
            if (d.Close)
            {
                var epilogue = body[d.End..];
                if (!HasEightBit(epilogue)) output.Write(epilogue);
                return null;
            }
            var partEnd = i + 1 < delimiters.Count ? delimiters[i + 1].Start : body.Length;
            var part = body[d.End..partEnd];
            // The line break before a delimiter belongs to the delimiter (RFC 2046 §5.1.1), not to the part.
            var lineBreak = i + 1 < delimiters.Count ? TrailingLineBreak(part) : 0;
            if (ConvertEntity(part[..^lineBreak], childType, depth + 1, output) is { } failure) return failure;
            output.Write(part[^lineBreak..]);
        }
        return null;
    }

    private static int TrailingLineBreak(ReadOnlySpan<byte> s) =>
        s.EndsWith(Crlf) ? 2 : s.EndsWith("\n"u8) ? 1 : 0;

    /// <summary>A delimiter line: where it starts and where it ends, after its own line break.</summary>
    private readonly record struct Delimiter(int Start, int End, bool Close);

    /// <summary>Finds the delimiter lines of a multipart body, up to and including the close delimiter.</summary>
    private static List<Delimiter> FindDelimiters(ReadOnlySpan<byte> body, string boundary)
    {
        var marker = Encoding.ASCII.GetBytes("--" + boundary);
        var found = new List<Delimiter>();
        var pos = 0;
        while (pos < body.Length)
        {
            var nl = body[pos..].IndexOf((byte)'\n');
            var end = nl < 0 ? body.Length : pos + nl + 1;
            var line = body[pos..end];
            if (line.StartsWith(marker))
            {
                var rest = line[marker.Length..];
                var close = rest.StartsWith("--"u8);
                if (close) rest = rest[2..];
                // Only transport padding (white space) may follow the boundary on its line.
                if (rest.TrimEnd("\r\n \t"u8).Length == 0)
                {
                    found.Add(new Delimiter(pos, end, close));
                    if (close) break;
                }
            }
            pos = end;
        }
        return found;
    }

    /// <summary>Copies the header fields, replacing Content-Transfer-Encoding (and Content-Type) when asked, then the empty line.</summary>
    private static void WriteHeader(ReadOnlySpan<byte> entity, Header header, string? newEncoding, string? newContentType, ArrayBufferWriter<byte> output)
    {
        foreach (var f in header.Fields)
        {
            if (newEncoding is not null && f.Name.Equals("Content-Transfer-Encoding", StringComparison.OrdinalIgnoreCase)) continue;
            if (newContentType is not null && f.Name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase)) continue;
            output.Write(entity[f.Start..f.End]);
            // A last field without a line break (a header that ends the entity) must not run into the next.
            if (entity[f.End - 1] != '\n') output.Write(Crlf);
        }
        if (newContentType is not null) WriteAscii("Content-Type: " + newContentType + "\r\n", output);
        if (newEncoding is not null) WriteAscii("Content-Transfer-Encoding: " + newEncoding + "\r\n", output);
        if (header.SeparatorEnd > header.SeparatorStart) output.Write(entity[header.SeparatorStart..header.SeparatorEnd]);
        else output.Write(Crlf);
    }

    private static void WriteAscii(string text, ArrayBufferWriter<byte> output)
    {
        var span = output.GetSpan(text.Length);
        output.Advance(Encoding.ASCII.GetBytes(text, span));
    }

    /// <summary>RFC 2045 §6.8: 76-character lines, each ending CRLF.</summary>
    private static void WriteBase64(ReadOnlySpan<byte> body, ArrayBufferWriter<byte> output)
    {
        const int chunk = 57; // 57 octets make 76 characters
        for (var i = 0; i < body.Length; i += chunk)
        {
            var piece = body[i..Math.Min(body.Length, i + chunk)];
            var span = output.GetSpan(Base64.GetMaxEncodedToUtf8Length(piece.Length) + 2);
            Base64.EncodeToUtf8(piece, span, out _, out var written);
            span[written] = (byte)'\r';
            span[written + 1] = (byte)'\n';
            output.Advance(written + 2);
        }
    }

    /// <summary>RFC 2045 §6.7 quoted-printable with CRLF kept as hard line breaks.</summary>
    /// <remarks>
    /// A bare CR or LF is encoded (=0D, =0A) so that decoding gives back the very octets. White space
    /// before a line break is encoded (rule 3), and a "-" that starts a line before another one, so an
    /// encoded line can never look like a boundary delimiter to a reader that matches prefixes.
    /// Lines stay within 76 characters with soft line breaks.
    /// </remarks>
    private static void WriteQuotedPrintable(ReadOnlySpan<byte> body, ArrayBufferWriter<byte> output)
    {
        const int maxLine = 75; // plus the "=" of a soft break
        var lineLength = 0;
        Span<byte> escape = stackalloc byte[3];
        for (var i = 0; i < body.Length; i++)
        {
            var b = body[i];
            if (b == '\r' && i + 1 < body.Length && body[i + 1] == '\n')
            {
                output.Write(Crlf);
                lineLength = 0;
                i++;
                continue;
            }
            if (lineLength + 3 > maxLine)
            {
                output.Write("=\r\n"u8);
                lineLength = 0;
            }
            var encode = b == '=' || b > 126 || (b < 32 && b != '\t')
                || ((b == ' ' || b == '\t') && AtLineEnd(body, i + 1))
                || (lineLength == 0 && b == '-' && i + 1 < body.Length && body[i + 1] == '-');
            if (encode)
            {
                escape[0] = (byte)'=';
                escape[1] = Hex(b >> 4);
                escape[2] = Hex(b & 0xF);
                output.Write(escape);
                lineLength += 3;
            }
            else
            {
                output.Write([b]);
                lineLength++;
            }
        }
    }

    private static bool AtLineEnd(ReadOnlySpan<byte> s, int i) => i == s.Length || (s[i] == '\r' && i + 1 < s.Length && s[i + 1] == '\n');

    private static byte Hex(int nibble) => (byte)(nibble < 10 ? '0' + nibble : 'A' + nibble - 10);

    private static SmtpReply Unconvertible(string why) =>
        SmtpReply.Of(554, "5.6.3", $"message has 8-bit content that cannot be converted to 7 bit ({why}) and the next hop does not accept 8-bit mail");

    /// <summary>The header fields of one entity as octet ranges, and where its body starts.</summary>
    private sealed class Header
    {
        public readonly record struct Field(string Name, int Start, int End, int ValueStart);

        public List<Field> Fields { get; } = [];

        /// <summary>The empty line that ends the header; an empty range when the header ends without one.</summary>
        public int SeparatorStart { get; private set; }

        public int SeparatorEnd { get; private set; }

        public int BodyStart { get; private set; }

        /// <summary>
        /// Reads fields up to the first empty line; a line that is neither a field nor a continuation
        /// ends the header too and starts the body (RFC 5322 §3.5), as <see cref="HeaderSection"/> does.
        /// </summary>
        public static Header Parse(ReadOnlySpan<byte> entity)
        {
            var h = new Header();
            var pos = 0;
            while (pos < entity.Length)
            {
                var nl = entity[pos..].IndexOf((byte)'\n');
                var end = nl < 0 ? entity.Length : pos + nl + 1;
                var line = entity[pos..end];
                var content = line.TrimEnd("\r\n"u8);
                if (content.Length == 0)
                {
                    h.SeparatorStart = pos;
                    h.SeparatorEnd = end;
                    h.BodyStart = end;
                    return h;
                }
                if (content[0] is (byte)' ' or (byte)'\t' && h.Fields.Count > 0)
                {
                    var last = h.Fields[^1];
                    h.Fields[^1] = last with { End = end };
                    pos = end;
                    continue;
                }
                var colon = content.IndexOf((byte)':');
                if (colon <= 0 || !IsFieldName(content[..colon])) break;
                h.Fields.Add(new Field(Encoding.ASCII.GetString(content[..colon]), pos, end, pos + colon + 1));
                pos = end;
            }
            h.BodyStart = pos;
            return h;
        }

        /// <summary>The unfolded value of the first field of that name, as ASCII, or null.</summary>
        public string? Value(ReadOnlySpan<byte> entity, string name)
        {
            foreach (var f in Fields)
            {
                if (!f.Name.Equals(name, StringComparison.OrdinalIgnoreCase)) continue;
                var raw = Encoding.ASCII.GetString(entity[f.ValueStart..f.End]);
                return raw.Replace("\r", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal).Trim();
            }
            return null;
        }

        private static bool IsFieldName(ReadOnlySpan<byte> s)
        {
            foreach (var b in s)
            {
                if (b is < 33 or > 126) return false;
            }
            return true;
        }
    }

    /// <summary>The parts of a Content-Type value this needs: type, subtype and boundary (RFC 2045 §5.1).</summary>
    private sealed record ContentType(string Type, string Subtype, string? Boundary)
    {
        public static readonly ContentType TextPlain = new("text", "plain", null);
        public static readonly ContentType MessageRfc822 = new("message", "rfc822", null);

        public bool IsMultipart => Type == "multipart";

        /// <summary>Reads the value; one that is not "type/subtype" is text/plain (RFC 2045 §5.2).</summary>
        public static ContentType Parse(string value)
        {
            var text = StripComments(value);
            var semicolon = text.IndexOf(';', StringComparison.Ordinal);
            var media = (semicolon < 0 ? text : text[..semicolon]).Trim();
            var slash = media.IndexOf('/', StringComparison.Ordinal);
            if (slash <= 0 || slash == media.Length - 1) return TextPlain;
            var type = media[..slash].Trim().ToLowerInvariant();
            var subtype = media[(slash + 1)..].Trim().ToLowerInvariant();
            string? boundary = null;
            if (semicolon >= 0)
            {
                foreach (var (name, v) in Parameters(text[(semicolon + 1)..]))
                {
                    if (name.Equals("boundary", StringComparison.OrdinalIgnoreCase) && v.Length > 0)
                    {
                        boundary = v;
                        break;
                    }
                }
            }
            return new ContentType(type, subtype, boundary);
        }

        private static IEnumerable<(string Name, string Value)> Parameters(string text)
        {
            var i = 0;
            var result = new List<(string, string)>();
            while (i < text.Length)
            {
                while (i < text.Length && (text[i] == ';' || char.IsWhiteSpace(text[i]))) i++;
                var eq = text.IndexOf('=', i);
                if (eq < 0) break;
                var name = text[i..eq].Trim();
                i = eq + 1;
                while (i < text.Length && char.IsWhiteSpace(text[i])) i++;
                var value = new StringBuilder();
                if (i < text.Length && text[i] == '"')
                {
                    i++;
                    while (i < text.Length && text[i] != '"')
                    {
                        if (text[i] == '\\' && i + 1 < text.Length) i++;
                        value.Append(text[i++]);
                    }
                    i++;
                }
                else
                {
                    while (i < text.Length && text[i] != ';' && !char.IsWhiteSpace(text[i])) value.Append(text[i++]);
                }
                result.Add((name, value.ToString()));
            }
            return result;
        }

        /// <summary>Removes RFC 5322 comments outside quoted strings: "multipart/mixed (a comment); boundary=x".</summary>
        private static string StripComments(string value)
        {
            if (!value.Contains('(', StringComparison.Ordinal)) return value;
            var sb = new StringBuilder(value.Length);
            var depth = 0;
            var quoted = false;
            for (var i = 0; i < value.Length; i++)
            {
                var c = value[i];
                if (c == '\\' && i + 1 < value.Length && (quoted || depth > 0))
                {
                    if (depth == 0) sb.Append(c).Append(value[i + 1]);
                    i++;
                    continue;
                }
                if (depth == 0 && c == '"') quoted = !quoted;
                if (!quoted && c == '(')
                {
                    depth++;
                    continue;
                }
                if (!quoted && c == ')' && depth > 0)
                {
                    depth--;
                    continue;
                }
                if (depth == 0) sb.Append(c);
            }
            return sb.ToString();
        }
    }
}
