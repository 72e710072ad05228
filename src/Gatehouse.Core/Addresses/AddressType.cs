namespace Gatehouse.Core.Addresses;

/// <summary>
/// The type of an address (Exchange's <c>PidTagAddressType</c>, MS-OXCMAIL §2.1.3.1.8): <c>SMTP</c>,
/// <c>X400</c>, <c>EX</c>, <c>X500</c>, <c>MS</c>, <c>CCMAIL</c>, <c>NOTES</c>, <c>FAX</c>, or any name an
/// administrator defines (seed Q183801's <c>SMTPOUT</c>).
/// </summary>
/// <remarks>
/// <para>
/// A type name is 1 to <see cref="MaxLength"/> ASCII letters and digits, beginning with a letter, and
/// compares case-insensitively; <see cref="Name"/> is always upper case. The alphabet is that narrow
/// on purpose, because a type name is written inside three other syntaxes:
/// </para>
/// <list type="bullet">
/// <item>IMCEA encapsulation (<c>IMCEA</c> type <c>-</c> value) ends the type at the first <c>-</c>,
/// and MS-OXCMAIL leaves the type unescaped, so a type must contain neither <c>-</c> nor any character
/// that encapsulation would escape (<c>+</c>, <c>_</c>, <c>.</c>, ...);</item>
/// <item>one-off (<c>[TYPE:value]</c>) and proxy (<c>TYPE:value</c>) addresses end the type at the
/// first <c>:</c>;</item>
/// <item>a proxy address says "primary" with an upper-case prefix and "secondary" with a lower-case
/// one, which needs at least one letter — hence the leading letter.</item>
/// </list>
/// Parsing never throws: <see cref="TryParse"/> returns the reason a name is refused.
/// </remarks>
public sealed record AddressType
{
    /// <summary>Longest type name accepted; Exchange's own types are at most 8 characters.</summary>
    public const int MaxLength = 32;

    /// <summary>Internet mail (RFC 5321 mailbox).</summary>
    public static readonly AddressType Smtp = new("SMTP");

    /// <summary>X.400 O/R address in Exchange's <c>c=US;a= ;p=Org;o=Site;s=Smith;g=John</c> form.</summary>
    public static readonly AddressType X400 = new("X400");

    /// <summary>Exchange legacy distinguished name (<c>/O=ORG/OU=SITE/CN=RECIPIENTS/CN=ALIAS</c>).</summary>
    public static readonly AddressType Ex = new("EX");

    /// <summary>X.500 distinguished name, as Exchange keeps old legacy DNs.</summary>
    public static readonly AddressType X500 = new("X500");

    /// <summary>Microsoft Mail (<c>NETWORK/POSTOFFICE/MAILBOX</c>).</summary>
    public static readonly AddressType Ms = new("MS");

    /// <summary>Lotus cc:Mail (<c>Surname, Given at PostOffice</c>).</summary>
    public static readonly AddressType CcMail = new("CCMAIL");

    /// <summary>Lotus Notes (<c>Given Surname/Org@Domain</c>).</summary>
    public static readonly AddressType Notes = new("NOTES");

    /// <summary>Facsimile number.</summary>
    public static readonly AddressType Fax = new("FAX");

    private AddressType(string name) => Name = name;

    /// <summary>The upper-case type name.</summary>
    public string Name { get; }

    /// <summary>True for <c>SMTP</c>, whose values are RFC 5321 mailboxes.</summary>
    public bool IsSmtp => Name == "SMTP";

    /// <summary>Parses a type name in any case; returns the well-known instance where there is one.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out AddressType type, out string error)
    {
        type = null!;
        if (!IsValidName(text, out error)) return false;
        var upper = text.ToString().ToUpperInvariant();
        type = upper switch
        {
            "SMTP" => Smtp,
            "X400" => X400,
            "EX" => Ex,
            "X500" => X500,
            "MS" => Ms,
            "CCMAIL" => CcMail,
            "NOTES" => Notes,
            "FAX" => Fax,
            _ => new AddressType(upper),
        };
        return true;
    }

    /// <summary>Parses a type name that is known to be valid (configuration constants, tests).</summary>
    /// <exception cref="FormatException">The name breaks the rules in the remarks.</exception>
    public static AddressType Parse(string text) =>
        TryParse(text, out var type, out var error) ? type : throw new FormatException($"'{text}' is not an address type: {error}");

    /// <summary>Checks the type-name rules without allocating.</summary>
    public static bool IsValidName(ReadOnlySpan<char> text, out string error)
    {
        if (text.IsEmpty)
        {
            error = "empty address type";
            return false;
        }
        if (text.Length > MaxLength)
        {
            error = $"address type longer than {MaxLength} characters";
            return false;
        }
        if (!char.IsAsciiLetter(text[0]))
        {
            error = "address type must begin with a letter";
            return false;
        }
        foreach (var c in text)
        {
            if (!char.IsAsciiLetterOrDigit(c))
            {
                // '-' would end the type inside IMCEA, ':' inside one-off and proxy addresses.
                error = "address type may contain only ASCII letters and digits (no '-' or ':', MS-OXCMAIL 2.1.3.1.8)";
                return false;
            }
        }
        error = "";
        return true;
    }

    public override string ToString() => Name;
}
