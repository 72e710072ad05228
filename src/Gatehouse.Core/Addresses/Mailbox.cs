using System.Text;

namespace Gatehouse.Core.Addresses;

/// <summary>An SMTP mailbox (RFC 5321 §4.1.2): a local part and a domain or address literal.</summary>
/// <remarks>
/// <see cref="LocalPart"/> holds the decoded local part (quotes and backslash escapes removed), so
/// <c>"abc"@x</c> and <c>abc@x</c> are the same mailbox. <see cref="Domain"/> is lower-case ASCII
/// (IDNA A-labels) or an address literal in brackets. Local parts compare case-sensitively here;
/// the directory decides whether a local part is case-insensitive for its own domains.
/// </remarks>
public sealed record Mailbox(string LocalPart, string Domain)
{
    /// <summary>True when the local part or the domain needs SMTPUTF8 (RFC 6531).</summary>
    public bool IsInternational => !Ascii.IsValid(LocalPart);

    /// <summary>The mailbox as it is written on the wire, quoting the local part where RFC 5321 requires.</summary>
    public string ToWire() => Domain.Length == 0 ? QuoteLocalPart(LocalPart) : QuoteLocalPart(LocalPart) + "@" + Domain;

    public override string ToString() => ToWire();

    /// <summary>Writes a local part as a Dot-string when it is one, else as a Quoted-string.</summary>
    public static string QuoteLocalPart(string local)
    {
        if (SmtpSyntax.IsDotString(local, allowUtf8: true)) return local;
        var sb = new StringBuilder(local.Length + 2).Append('"');
        foreach (var c in local)
        {
            if (c is '"' or '\\') sb.Append('\\');
            sb.Append(c);
        }
        return sb.Append('"').ToString();
    }
}
