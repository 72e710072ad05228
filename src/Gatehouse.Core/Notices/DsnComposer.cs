using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using Gatehouse.Core.Content;
using Gatehouse.Core.Envelope;
using Gatehouse.Core.Protocol;

namespace Gatehouse.Core.Notices;

/// <summary>Builds a delivery status notification: an RFC 3464 multipart/report message addressed to the original sender.</summary>
/// <remarks>
/// <para>Writes the whole message, header section and MIME body, with CRLF lines: a human-readable
/// text/plain part in the manner of the Exchange IMS non-delivery report, a message/delivery-status part
/// (RFC 3464 §2), and the original message or its header section as RET asks (RFC 3461 §4.3; see
/// <see cref="ReturnedContent"/>). The header carries Auto-Submitted: auto-replied (RFC 3834 §5) and
/// In-Reply-To/References to the original Message-ID when it has a usable one.</para>
/// <para>A notice about internationalized mail is a global report (RFC 6533): when the original's
/// header section is UTF-8 (RFC 6532), or a recipient's final or original address is not ASCII, the
/// report part is message/global-delivery-status, the returned content message/global or
/// message/global-headers, and report-type says global-delivery-status. Such a report may carry UTF-8
/// in header fields, so the notice must then travel as an SMTPUTF8 message: <see cref="DsnMessage.RequiresSmtpUtf8"/>.
/// A notice about ASCII mail is the classic RFC 3464 report, unchanged.</para>
/// <para>It does not decide whether a notice is due (<see cref="DsnPolicy"/>), send it, or generate
/// the Message-ID or the time: both are inputs, so the same inputs give the same octets.</para>
/// <para>Our own header fields are 7-bit: a non-ASCII original Subject is re-encoded as RFC 2047 words,
/// an ASCII one (encoded words included) is copied as it is. The one exception is a non-ASCII
/// reverse-path in To, which RFC 6532 lets stand as UTF-8 because that notice goes out over SMTPUTF8
/// anyway. The body is 7-bit unless a part holds 8-bit octets (the original returned whole, UTF-8
/// headers returned alone, a global report's UTF-8); then the message says
/// <c>Content-Transfer-Encoding: 8bit</c> and must be sent with BODY=8BITMIME.</para>
/// <para>The MIME boundary is derived from the Message-ID and checked against every part; when it
/// occurs in one, a boundary derived from a hash of the parts is tried instead.</para>
/// <para>Fails with <see cref="ArgumentException"/> when there are no recipients, a status is not an
/// RFC 3463 code, or the reverse-path, reporting MTA or Message-ID is empty or malformed.</para>
/// </remarks>
public static class DsnComposer
{
    private const string BoundaryPrefix = "=_gh_";

    /// <summary>Composes the notice for <paramref name="report"/>, addressed to <paramref name="to"/> (the original reverse-path); returns its octets.</summary>
    /// <inheritdoc cref="ComposeMessage" path="/param"/>
    public static byte[] Compose(DeliveryReport report, string to, ReadOnlySpan<byte> originalMessage, DsnReturn ret, DateTimeOffset now, string messageId, long maxReturnBytes = 10 * 1024 * 1024) =>
        ComposeMessage(report, to, originalMessage, ret, now, messageId, maxReturnBytes).Octets;

    /// <summary>Composes the notice for <paramref name="report"/>, addressed to <paramref name="to"/> (the original reverse-path), with what its envelope needs.</summary>
    /// <param name="report">What the notice reports.</param>
    /// <param name="to">The original reverse-path, with or without angle brackets.</param>
    /// <param name="originalMessage">The original message octets, header section and body.</param>
    /// <param name="ret">RET as received; unspecified returns the whole message when it is at most <paramref name="maxReturnBytes"/>.</param>
    /// <param name="now">The time the notice is written, for its Date field.</param>
    /// <param name="messageId">The notice's Message-ID without angle brackets.</param>
    /// <param name="maxReturnBytes">The largest original returned whole when RET does not say.</param>
    public static DsnMessage ComposeMessage(DeliveryReport report, string to, ReadOnlySpan<byte> originalMessage, DsnReturn ret, DateTimeOffset now, string messageId, long maxReturnBytes = 10 * 1024 * 1024)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(to);
        ArgumentNullException.ThrowIfNull(messageId);
        Validate(report);
        var recipient = MimeText.OneLine(to.Trim().TrimStart('<').TrimEnd('>'));
        if (recipient.Length == 0) throw new ArgumentException("A notice needs a reverse-path to go to; the null reverse-path gets none.", nameof(to));
        var id = messageId.Trim().TrimStart('<').TrimEnd('>');
        if (id.Length == 0 || !id.All(c => c is > ' ' and <= '~' and not ('<' or '>'))) throw new ArgumentException("The Message-ID must be printable ASCII without spaces or angle brackets.", nameof(messageId));
        var reporter = MimeText.MtaName(report.ReportingMta);
        if (reporter.Length == 0) throw new ArgumentException("The reporting MTA needs a host name.", nameof(report));

        var original = HeaderSection.Parse(originalMessage);
        var kind = Kind(report);
        var returned = ReturnedContent.Choose(originalMessage, original, ret, kind == DsnAction.Failed, maxReturnBytes);
        var global = returned.Global || DsnStatusFields.HasInternationalAddress(report);
        var originalSubject = MimeText.OneLine(original.Get("Subject"));
        var sent = MimeText.OneLine(original.Get("Date"));

        var human = DsnHumanText.Write(
            report,
            originalSubject.Length > 0 ? MimeText.DecodeWords(originalSubject) : "(no subject)",
            sent.Length > 0 ? sent : MimeText.Date(report.ArrivalDate),
            returned.Note,
            now);
        var humanOctets = Encoding.UTF8.GetBytes(human);
        var humanIs7Bit = Ascii.IsValid(humanOctets) && MaxLineLength(humanOctets) <= 998;
        var part1 = Encoding.ASCII.GetBytes(
            "Content-Type: text/plain; charset=utf-8" + MimeText.Crlf
            + "Content-Description: Notification" + MimeText.Crlf
            + "Content-Transfer-Encoding: " + (humanIs7Bit ? "7bit" : "quoted-printable") + MimeText.Crlf
            + MimeText.Crlf
            + (humanIs7Bit ? human : MimeText.QuotedPrintable(humanOctets)));
        var statusFields = DsnStatusFields.Write(report, global);
        var statusIs7Bit = Ascii.IsValid(statusFields);
        var part2 = Encoding.UTF8.GetBytes(
            "Content-Type: message/" + ReportType(global) + MimeText.Crlf
            + "Content-Description: Delivery report" + MimeText.Crlf
            + (statusIs7Bit ? "" : "Content-Transfer-Encoding: 8bit" + MimeText.Crlf)
            + MimeText.Crlf
            + statusFields);
        var part3Header = Encoding.ASCII.GetBytes(returned.PartHeader + MimeText.Crlf);
        var subject = Subject(kind, originalSubject);
        // The Subject is checked too: a boundary anywhere in the notice confuses the parsers that scan loosely.
        byte[][] parts = [Encoding.ASCII.GetBytes(subject), part1, part2, part3Header, returned.Body];
        var boundary = ChooseBoundary(id, parts);

        var head = new StringBuilder();
        head.Append("From: Mail Delivery System <MAILER-DAEMON@").Append(reporter).Append('>').Append(MimeText.Crlf);
        head.Append("To: <").Append(recipient).Append('>').Append(MimeText.Crlf);
        head.Append(subject);
        head.Append("Date: ").Append(MimeText.Date(now)).Append(MimeText.Crlf);
        head.Append("Message-ID: <").Append(id).Append('>').Append(MimeText.Crlf);
        if (MessageId(original.Get("Message-ID")) is { } originalId)
        {
            head.Append("In-Reply-To: ").Append(originalId).Append(MimeText.Crlf);
            head.Append("References: ").Append(originalId).Append(MimeText.Crlf);
        }
        head.Append("Auto-Submitted: auto-replied").Append(MimeText.Crlf);
        head.Append("MIME-Version: 1.0").Append(MimeText.Crlf);
        // RFC 6522 §3: report-type names the subtype of the second part.
        head.Append("Content-Type: multipart/report; report-type=").Append(ReportType(global)).Append(';').Append(MimeText.Crlf);
        head.Append("\tboundary=\"").Append(boundary).Append('"').Append(MimeText.Crlf);
        head.Append("Content-Transfer-Encoding: ").Append(returned.EightBit || !statusIs7Bit ? "8bit" : "7bit").Append(MimeText.Crlf);
        head.Append(MimeText.Crlf);

        var output = new ArrayBufferWriter<byte>(part1.Length + part2.Length + returned.Body.Length + 2048);
        output.Write(Encoding.UTF8.GetBytes(head.ToString()));
        var delimiter = Encoding.ASCII.GetBytes("--" + boundary);
        WritePart(output, delimiter, part1);
        WritePart(output, delimiter, part2);
        output.Write(delimiter);
        output.Write("\r\n"u8);
        output.Write(part3Header);
        WriteBody(output, returned.Body);
        output.Write(delimiter);
        output.Write("--\r\n"u8);
        var octets = output.WrittenSpan.ToArray();
        // UTF-8 in header fields (ours, the report's, or the returned global message's) may only go to a
        // next hop that agreed to SMTPUTF8 (RFC 6531); 8-bit body text alone needs only 8BITMIME.
        var utf8Fields = !Ascii.IsValid(recipient) || !statusIs7Bit || (returned.Global && returned.EightBit);
        return new DsnMessage(octets, global, !Ascii.IsValid(octets), utf8Fields);
    }

    private static string ReportType(bool global) => global ? "global-delivery-status" : "delivery-status";

    private static void Validate(DeliveryReport report)
    {
        if (report.Recipients.Count == 0) throw new ArgumentException("A notice reports at least one recipient.", nameof(report));
        foreach (var r in report.Recipients)
        {
            if (!EnhancedStatusCode.TryParse(r.Status, out _))
            {
                throw new ArgumentException($"The status '{r.Status}' for {r.FinalRecipient} is not an RFC 3463 code.", nameof(report));
            }
            if (MimeText.OneLine(r.FinalRecipient).Length == 0) throw new ArgumentException("A recipient report needs its final recipient.", nameof(report));
        }
    }

    /// <summary>What the notice is mainly about: any failure makes it a non-delivery report, else any delay a delay notice.</summary>
    private static DsnAction Kind(DeliveryReport report) =>
        report.Recipients.Any(r => r.Action == DsnAction.Failed) ? DsnAction.Failed
        : report.Recipients.Any(r => r.Action == DsnAction.Delayed) ? DsnAction.Delayed
        : DsnAction.Delivered;

    private static string Subject(DsnAction kind, string originalSubject)
    {
        if (originalSubject.Length == 0)
        {
            var what = kind switch { DsnAction.Failed => "Failure", DsnAction.Delayed => "Delay", _ => "Success" };
            return $"Subject: Delivery Status Notification ({what}){MimeText.Crlf}";
        }
        var prefix = kind switch { DsnAction.Failed => "Undeliverable: ", DsnAction.Delayed => "Delayed: ", _ => "Delivered: " };
        // An ASCII subject may hold encoded words already; they stay valid next to our ASCII prefix.
        var text = Ascii.IsValid(originalSubject) ? originalSubject : MimeText.EncodeWords(originalSubject);
        return MimeText.Fold("Subject", prefix + text);
    }

    /// <summary>The first "&lt;...&gt;" of the original Message-ID when it is printable ASCII without spaces; else null.</summary>
    private static string? MessageId(string? value)
    {
        if (value is null) return null;
        var open = value.IndexOf('<', StringComparison.Ordinal);
        if (open < 0) return null;
        var close = value.IndexOf('>', open + 1);
        if (close <= open + 1 || close - open > 900) return null;
        var inner = value.AsSpan(open + 1, close - open - 1);
        foreach (var c in inner)
        {
            if (c is <= ' ' or > '~' or '<') return null;
        }
        return "<" + inner.ToString() + ">";
    }

    /// <summary>A boundary that occurs in no part: first one derived from the Message-ID, then ones derived from a hash of the parts.</summary>
    private static string ChooseBoundary(string messageId, byte[][] parts)
    {
        var token = new StringBuilder(BoundaryPrefix);
        foreach (var c in messageId)
        {
            if (token.Length >= 50) break;
            token.Append(char.IsAsciiLetterOrDigit(c) ? c : '.');
        }
        var candidate = token.ToString();
        if (!OccursIn(candidate, parts)) return candidate;

        // Content that holds the first candidate (a notice about a notice, or a sender who guessed
        // it) cannot also hold a hash of itself, so these end the search in practice.
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var p in parts) hash.AppendData(p);
        var digest = hash.GetHashAndReset();
        for (var attempt = 1; ; attempt++)
        {
            hash.AppendData(digest);
            hash.AppendData(BitConverter.GetBytes(attempt));
            candidate = $"{token}_{Convert.ToHexString(hash.GetHashAndReset(), 0, 8)}";
            if (!OccursIn(candidate, parts)) return candidate;
        }
    }

    private static bool OccursIn(string boundary, byte[][] parts)
    {
        var needle = Encoding.ASCII.GetBytes(boundary);
        foreach (var p in parts)
        {
            if (p.AsSpan().IndexOf(needle) >= 0) return true;
        }
        return false;
    }

    private static void WritePart(ArrayBufferWriter<byte> output, byte[] delimiter, byte[] part)
    {
        output.Write(delimiter);
        output.Write("\r\n"u8);
        WriteBody(output, part);
    }

    /// <summary>Writes a body and the CRLF that belongs to the next delimiter (RFC 2046 §5.1.1), adding one when the body has none.</summary>
    private static void WriteBody(ArrayBufferWriter<byte> output, byte[] body)
    {
        output.Write(body);
        if (!body.AsSpan().EndsWith("\r\n"u8)) output.Write("\r\n"u8);
    }

    private static int MaxLineLength(ReadOnlySpan<byte> text)
    {
        var max = 0;
        while (text.Length > 0)
        {
            var nl = text.IndexOf((byte)'\n');
            var line = nl < 0 ? text : text[..nl];
            max = Math.Max(max, line.TrimEnd((byte)'\r').Length);
            text = nl < 0 ? default : text[(nl + 1)..];
        }
        return max;
    }
}
