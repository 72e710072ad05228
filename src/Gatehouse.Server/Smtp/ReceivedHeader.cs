using System.Globalization;
using System.Text;
using Gatehouse.Core.Envelope;

namespace Gatehouse.Server.Smtp;

/// <summary>Composes the Received: trace header (RFC 5321 §4.4) that is prepended to every accepted message.</summary>
/// <remarks>The protocol keyword follows RFC 3848 and RFC 6531 (ESMTP, ESMTPS, ESMTPSA, UTF8SMTPS...).</remarks>
public static class ReceivedHeader
{
    public static byte[] Compose(MailEnvelope e, string hostname, string queueId)
    {
        var c = e.Client;
        var protocol = !c.Esmtp ? "SMTP"
            : (e.SmtpUtf8 ? "UTF8SMTP" : "ESMTP") + (c.TlsProtocol is null ? "" : "S") + (c.AuthenticatedUser is null ? "" : "A");
        var sb = new StringBuilder(256);
        sb.Append("Received: from ").Append(Sanitize(c.Helo)).Append(" ([").Append(c.RemoteAddress).Append("])\r\n");
        sb.Append("\tby ").Append(hostname).Append(" (Gatehouse) with ").Append(protocol).Append(" id ").Append(queueId);
        if (c.TlsProtocol is not null) sb.Append("\r\n\t(using ").Append(c.TlsProtocol).Append(" with cipher ").Append(c.TlsCipher).Append(')');
        if (e.Recipients.Count == 1) sb.Append("\r\n\tfor <").Append(Sanitize(e.Recipients[0].Address.ToWire())).Append('>');
        sb.Append("; ").Append(FormatDate(e.ReceivedAt)).Append("\r\n");
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>RFC 5322 §3.3 date-time.</summary>
    public static string FormatDate(DateTimeOffset t)
    {
        var off = t.Offset;
        var sign = off < TimeSpan.Zero ? '-' : '+';
        off = off.Duration();
        return t.ToString("ddd, dd MMM yyyy HH:mm:ss ", CultureInfo.InvariantCulture) + sign + off.Hours.ToString("00", CultureInfo.InvariantCulture) + off.Minutes.ToString("00", CultureInfo.InvariantCulture);
    }

    // Client-supplied text must not be able to end the comment or the header.
    private static string Sanitize(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (var ch in s) sb.Append(ch is < '!' or '(' or ')' or '\\' or '\x7f' ? '?' : ch);
        return sb.ToString();
    }
}
