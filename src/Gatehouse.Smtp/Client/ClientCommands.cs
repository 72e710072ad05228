using System.Globalization;
using System.Text;
using Gatehouse.Core.Envelope;
using Gatehouse.Smtp.Commands;

namespace Gatehouse.Smtp.Client;

/// <summary>The envelope facts a MAIL command may carry, whether or not the server lets us send them.</summary>
/// <param name="Size">The message size in octets as it will be sent; 0 or less leaves SIZE out.</param>
/// <param name="EnvelopeId">RFC 3461 ENVID, decoded; it is xtext-encoded here.</param>
public readonly record struct MailRequest(long Size, BodyType Body, bool SmtpUtf8, DsnReturn Ret, string? EnvelopeId);

/// <summary>Formats the commands of Gatehouse's SMTP/LMTP client (RFC 5321 §4.1.1, RFC 2033).</summary>
/// <remarks>
/// <para>Each ESMTP parameter is written only when the server announced its extension: SIZE (RFC 1870),
/// BODY (RFC 6152 8BITMIME, RFC 3030 BINARYMIME), SMTPUTF8 (RFC 6531), and RET, ENVID, NOTIFY and
/// ORCPT (RFC 3461 DSN). Leaving one out is the caller's decision to live with: whether a message
/// may go to a server that lacks 8BITMIME or SMTPUTF8 at all is decided before these are called.</para>
/// <para>Addresses are given in wire form without angle brackets, already quoted where RFC 5321 §4.1.2
/// needs it; nothing is parsed or checked here. Lines are returned without CRLF.</para>
/// </remarks>
public static class ClientCommands
{
    public static string Ehlo(string name) => "EHLO " + name;

    public static string Helo(string name) => "HELO " + name;

    /// <summary>RFC 2033 §4.1: LMTP's greeting command.</summary>
    public static string Lhlo(string name) => "LHLO " + name;

    public const string Data = "DATA";
    public const string Rset = "RSET";
    public const string Quit = "QUIT";
    public const string StartTls = "STARTTLS";

    public static string Mail(string reversePath, MailRequest request, Capabilities peer)
    {
        var sb = new StringBuilder("MAIL FROM:<").Append(reversePath).Append('>');
        if (peer.SizeAnnounced && request.Size > 0) sb.Append(" SIZE=").Append(request.Size.ToString(CultureInfo.InvariantCulture));
        if (request.Body == BodyType.EightBitMime && peer.EightBitMime) sb.Append(" BODY=8BITMIME");
        else if (request.Body == BodyType.BinaryMime && peer.BinaryMime) sb.Append(" BODY=BINARYMIME");
        if (request.SmtpUtf8 && peer.SmtpUtf8) sb.Append(" SMTPUTF8");
        if (peer.Dsn)
        {
            if (request.Ret == DsnReturn.Full) sb.Append(" RET=FULL");
            else if (request.Ret == DsnReturn.Headers) sb.Append(" RET=HDRS");
            if (request.EnvelopeId is { } envid) sb.Append(" ENVID=").Append(Xtext.Encode(envid));
        }
        return sb.ToString();
    }

    /// <param name="originalRecipient">ORCPT as "addr-type;address", decoded; the address part is xtext-encoded here.</param>
    public static string Rcpt(string address, DsnNotify notify, string? originalRecipient, Capabilities peer)
    {
        var sb = new StringBuilder("RCPT TO:<").Append(address).Append('>');
        if (!peer.Dsn) return sb.ToString();
        if (notify != DsnNotify.Unspecified) sb.Append(" NOTIFY=").Append(Notify(notify));
        if (originalRecipient is { } orcpt)
        {
            var semicolon = orcpt.IndexOf(';', StringComparison.Ordinal);
            // RFC 3461 §4.2: an ORCPT without its address type is not sendable; "rfc822" is the only type in use.
            var (type, addr) = semicolon > 0 ? (orcpt[..semicolon], orcpt[(semicolon + 1)..]) : ("rfc822", orcpt);
            sb.Append(" ORCPT=").Append(type).Append(';').Append(Xtext.Encode(addr));
        }
        return sb.ToString();
    }

    /// <summary>RFC 3461 §4.1: NEVER alone, or a comma list of SUCCESS, FAILURE and DELAY.</summary>
    public static string Notify(DsnNotify notify)
    {
        if ((notify & DsnNotify.Never) != 0) return "NEVER";
        var parts = new List<string>(3);
        if ((notify & DsnNotify.Success) != 0) parts.Add("SUCCESS");
        if ((notify & DsnNotify.Failure) != 0) parts.Add("FAILURE");
        if ((notify & DsnNotify.Delay) != 0) parts.Add("DELAY");
        return string.Join(',', parts);
    }

    /// <summary>RFC 4616 initial response: authorization identity empty, then user and password, NUL-separated, base64.</summary>
    public static string AuthPlain(string user, string password) =>
        "AUTH PLAIN " + Convert.ToBase64String(Encoding.UTF8.GetBytes("\0" + user + "\0" + password));

    public const string AuthLogin = "AUTH LOGIN";

    /// <summary>A line of the LOGIN exchange: the user name or the password, base64.</summary>
    public static string AuthLoginResponse(string value) => Convert.ToBase64String(Encoding.UTF8.GetBytes(value));
}
