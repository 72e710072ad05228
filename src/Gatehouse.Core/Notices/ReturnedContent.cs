using System.Globalization;
using System.Text;
using Gatehouse.Core.Content;
using Gatehouse.Core.Envelope;

namespace Gatehouse.Core.Notices;

/// <summary>The third part of a notice: the original message whole or its header section, ready to write.</summary>
/// <remarks>
/// <para>Decides how much of the original goes back (RFC 3461 §4.3): only a notice that reports a
/// failure returns more than the headers; then RET=FULL returns the whole message, RET=HDRS the
/// headers, and no RET the whole message when it is at most the size limit. It does not write the
/// notice around it.</para>
/// <para>Line ends become CRLF. A whole message keeps its octets: 8-bit content makes the part (and so
/// the notice) 8bit, to be sent with BODY=8BITMIME. A message that no 8bit transport can carry (a NUL
/// octet or a line over 998 octets, RFC 5321 §4.5.3.1.6) goes back as headers only, with a note.</para>
/// <para>An original whose header section is UTF-8 (RFC 6532) goes back as message/global, or its
/// headers as message/global-headers (RFC 6533 §4): message/rfc822 and text/rfc822-headers promise
/// ASCII header fields. Those headers stay 8bit, as the client sent them; they are quoted-printable
/// only when a line is too long or holds a NUL, which RFC 6532 §3.5 allows for the global types. Other
/// headers with 8-bit octets (not UTF-8) or overlong lines go back as quoted-printable
/// text/rfc822-headers, as before RFC 6532.</para>
/// </remarks>
/// <param name="Global">The part is message/global or message/global-headers: the notice must be a global report.</param>
internal sealed record ReturnedContent(string PartHeader, byte[] Body, bool Whole, bool EightBit, bool Global, string? Note)
{
    private const int MaxLine = 998;

    public static ReturnedContent Choose(ReadOnlySpan<byte> message, HeaderSection headers, DsnReturn ret, bool reportsFailure, long maxReturnBytes)
    {
        string? note = null;
        var whole = reportsFailure && ret switch
        {
            DsnReturn.Full => true,
            DsnReturn.Headers => false,
            _ => message.Length <= maxReturnBytes,
        };
        if (reportsFailure && ret == DsnReturn.Unspecified && !whole)
        {
            note = $"The original message ({Size(message.Length)}) is larger than {Size(maxReturnBytes)}, so only its headers are attached.";
        }
        var global = IsInternational(message[..headers.Length]);
        if (whole)
        {
            var octets = Normalize(message);
            var shape = Inspect(octets);
            if (!shape.Binary)
            {
                var header = "Content-Type: message/" + (global ? "global" : "rfc822") + MimeText.Crlf
                    + "Content-Description: Original message" + MimeText.Crlf
                    + (shape.EightBit ? "Content-Transfer-Encoding: 8bit" + MimeText.Crlf : "");
                return new ReturnedContent(header, octets, Whole: true, shape.EightBit, global, note);
            }
            note = "The original message has content that cannot be attached as it is (binary data or overlong lines), so only its headers are attached.";
        }

        var section = Normalize(message[..headers.Length]);
        // The part holds the fields only, not the empty line that ends the header section.
        var end = section.Length;
        if (section.AsSpan().SequenceEqual("\r\n"u8)) end = 0;
        else if (section.AsSpan().EndsWith("\r\n\r\n"u8)) end -= 2;
        var fields = section[..end];
        var headerShape = Inspect(fields);
        if (global)
        {
            var eightBit = !headerShape.Binary;
            var globalHeader = "Content-Type: message/global-headers" + MimeText.Crlf
                + "Content-Description: Original message headers" + MimeText.Crlf
                + "Content-Transfer-Encoding: " + (eightBit ? "8bit" : "quoted-printable") + MimeText.Crlf;
            var globalBody = eightBit ? fields : Encoding.ASCII.GetBytes(MimeText.QuotedPrintable(fields));
            return new ReturnedContent(globalHeader, globalBody, Whole: false, eightBit, Global: true, note);
        }
        var plain = !headerShape.EightBit && !headerShape.Binary;
        var partHeader = "Content-Type: text/rfc822-headers"
            + (plain || !IsUtf8(fields) ? "" : "; charset=utf-8") + MimeText.Crlf
            + "Content-Description: Original message headers" + MimeText.Crlf
            + (plain ? "" : "Content-Transfer-Encoding: quoted-printable" + MimeText.Crlf);
        var body = plain ? fields : Encoding.ASCII.GetBytes(MimeText.QuotedPrintable(fields));
        return new ReturnedContent(partHeader, body, Whole: false, EightBit: false, Global: false, note);
    }

    /// <summary>Bare LF and bare CR become CRLF and a non-empty text ends with CRLF, as SMTP carries it.</summary>
    private static byte[] Normalize(ReadOnlySpan<byte> text)
    {
        var output = new List<byte>(text.Length + 64);
        for (var i = 0; i < text.Length; i++)
        {
            var b = text[i];
            if (b == '\r')
            {
                output.Add((byte)'\r');
                output.Add((byte)'\n');
                if (i + 1 < text.Length && text[i + 1] == '\n') i++;
            }
            else if (b == '\n')
            {
                output.Add((byte)'\r');
                output.Add((byte)'\n');
            }
            else
            {
                output.Add(b);
            }
        }
        if (output.Count > 0 && output[^1] != '\n')
        {
            output.Add((byte)'\r');
            output.Add((byte)'\n');
        }
        return [.. output];
    }

    private static (bool EightBit, bool Binary) Inspect(ReadOnlySpan<byte> text)
    {
        var eightBit = false;
        var binary = false;
        var lineLength = 0;
        foreach (var b in text)
        {
            if (b == '\n')
            {
                lineLength = 0;
                continue;
            }
            if (b != '\r' && ++lineLength > MaxLine) binary = true;
            if (b == 0) binary = true;
            if (b >= 0x80) eightBit = true;
        }
        return (eightBit, binary);
    }

    private static bool IsUtf8(ReadOnlySpan<byte> text) => System.Text.Unicode.Utf8.IsValid(text);

    /// <summary>A header section with UTF-8 beyond ASCII (RFC 6532); 8-bit octets that are not UTF-8 are legacy junk, not internationalized mail.</summary>
    private static bool IsInternational(ReadOnlySpan<byte> headerSection) => !Ascii.IsValid(headerSection) && IsUtf8(headerSection);

    private static string Size(long bytes) => bytes switch
    {
        >= 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024.0):0.#} MB"),
        >= 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.#} KB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes} bytes"),
    };
}
