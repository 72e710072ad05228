using System.Text;

namespace Gatehouse.Core.Addresses;

/// <summary>
/// An address of any type: (<see cref="AddressType"/>, value), with the canonical form and the
/// comparison rule of its type (MS-OXCMAIL §2.1.3.1.8 lists the types; Exchange's proxy addresses
/// are such pairs).
/// </summary>
/// <remarks>
/// <para>Two typed addresses are equal when their <see cref="Key"/>s are equal (ordinal). Per type:</para>
/// <list type="table">
/// <item><term>SMTP</term><description>The value must parse as an RFC 5321 mailbox
/// (<see cref="SmtpPathParser.TryParseMailbox"/>, SMTPUTF8 allowed). <see cref="Value"/> is the
/// mailbox's wire form: domain lower-case (IDNA A-labels), local part exactly as given, quoted only
/// where RFC 5321 requires. Comparison ignores case in both parts: RFC 5321 §2.4 lets a host treat
/// its local parts case-sensitively, but Gatehouse's directory, like Exchange's, does not, and a typed
/// address is the directory's vocabulary. Code that must keep <c>John@x</c> and <c>john@x</c> apart
/// (an outside host's mailboxes) compares <see cref="Mailbox"/> records, which are case-sensitive.</description></item>
/// <item><term>X400</term><description>O/R address attributes <c>name=value</c> separated by <c>;</c>
/// (<c>c=US;a= ;p=Org;o=Site;s=Smith;g=John</c>; a trailing <c>;</c> is allowed). The order of
/// different attributes does not matter, names and values compare case-insensitively, values are
/// trimmed and a blank value (<c>a= </c> or <c>a=</c>) means "any" and compares as one space.
/// Repeated attributes (<c>ou=</c>) keep their relative order, because that order is the OU
/// hierarchy. X.400 PrintableString has no <c>;</c>, so no escaping is needed.</description></item>
/// <item><term>EX</term><description>A legacy DN that starts with <c>/</c>; compared case-insensitively.</description></item>
/// <item><term>others</term><description>X500, MS, CCMAIL, NOTES, FAX and administrator-defined
/// types: the trimmed value, compared case-insensitively (ordinal, invariant upper case).</description></item>
/// </list>
/// <para>Every value is non-empty, at most <see cref="MaxValueOctets"/> UTF-8 octets (enough for
/// anything an IMCEA local part can carry), well-formed UTF-16, and free of control characters —
/// so a value can never smuggle CR LF into a protocol line or a tracking log.</para>
/// </remarks>
public sealed class TypedAddress : IEquatable<TypedAddress>
{
    /// <summary>Longest value in UTF-8 octets; equal to the IMCEA local-part cap, which bounds a decapsulated value.</summary>
    public const int MaxValueOctets = SmtpPathParser.MaxImceaLocalPartOctets;

    // An SMTP address keeps only its Mailbox: its value and key are derived on demand, because a
    // directory of a million recipients holds millions of them and two more strings each would
    // double its memory. Other types store both strings.
    private readonly string? _value;
    private readonly string? _key;

    private TypedAddress(AddressType type, string? value, string? key, Mailbox? mailbox)
    {
        Type = type;
        _value = value;
        _key = key;
        Mailbox = mailbox;
    }

    /// <summary>The address type.</summary>
    public AddressType Type { get; }

    /// <summary>The value in its canonical written form (case as given).</summary>
    public string Value => _value ?? Mailbox!.ToWire();

    /// <summary>The comparison key: <c>TYPE:</c> and the value normalised by the type's rule.</summary>
    public string Key => _key ?? SmtpKey(Mailbox!);

    /// <summary>The parsed mailbox when <see cref="Type"/> is SMTP, else null.</summary>
    public Mailbox? Mailbox { get; }

    /// <summary>Builds an SMTP typed address from a mailbox that the SMTP parser already accepted.</summary>
    public static TypedAddress FromMailbox(Mailbox mailbox)
    {
        ArgumentNullException.ThrowIfNull(mailbox);
        return new TypedAddress(AddressType.Smtp, null, null, mailbox);
    }

    /// <summary>Validates <paramref name="value"/> by the rules of <paramref name="type"/>.</summary>
    public static bool TryCreate(AddressType type, string? value, out TypedAddress address, out string error)
    {
        ArgumentNullException.ThrowIfNull(type);
        address = null!;
        if (value is null) return Fail("empty address value", out error);
        if (!IsCleanValue(value, out error)) return false;

        if (type.IsSmtp)
        {
            var trimmed = value.Trim();
            if (!SmtpPathParser.TryParseMailbox(trimmed, utf8: true, out var mailbox, out error)) return false;
            address = new TypedAddress(type, null, null, mailbox);
            return true;
        }
        if (type == AddressType.X400)
        {
            if (!TryX400Key(value, out var key, out error)) return false;
            address = new TypedAddress(type, value, type.Name + ":" + key, null);
            return true;
        }
        var text = value.Trim();
        if (text.Length == 0) return Fail("empty address value", out error);
        if (type == AddressType.Ex && text[0] != '/') return Fail("EX address must be a distinguished name beginning with '/'", out error);
        address = new TypedAddress(type, text, type.Name + ":" + text.ToUpperInvariant(), null);
        return true;
    }

    /// <summary>Builds a typed address that is known to be valid (configuration constants, tests).</summary>
    /// <exception cref="FormatException">The value breaks the type's rules.</exception>
    public static TypedAddress Create(AddressType type, string value) =>
        TryCreate(type, value, out var a, out var error) ? a : throw new FormatException($"'{value}' is not a valid {type} address: {error}");

    /// <summary>Parses <c>TYPE:value</c> with the type in any case (configuration, command line).</summary>
    /// <remarks>Exchange proxy strings, where the case of the prefix means primary or secondary, are
    /// read by <see cref="ProxyAddress.TryParse"/> instead.</remarks>
    public static bool TryParse(string? text, out TypedAddress address, out string error)
    {
        address = null!;
        if (string.IsNullOrEmpty(text)) return Fail("empty address", out error);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0) return Fail("typed address must be TYPE:value", out error);
        if (!AddressType.TryParse(text.AsSpan(0, colon), out var type, out error)) return false;
        return TryCreate(type, text[(colon + 1)..], out address, out error);
    }

    /// <summary>Equal when the keys are equal; for SMTP compared part by part so that no key is built.</summary>
    public bool Equals(TypedAddress? other)
    {
        if (other is null) return false;
        if (Mailbox is { } a && other.Mailbox is { } b)
        {
            // Same as comparing the keys: OrdinalIgnoreCase is ToUpperInvariant equality, the domain is already lower case.
            return string.Equals(a.Domain, b.Domain, StringComparison.Ordinal) && string.Equals(a.LocalPart, b.LocalPart, StringComparison.OrdinalIgnoreCase);
        }
        return other.Mailbox is null && Mailbox is null && string.Equals(_key, other._key, StringComparison.Ordinal);
    }

    public override bool Equals(object? obj) => Equals(obj as TypedAddress);

    public override int GetHashCode() => Mailbox is { } m
        ? HashCode.Combine(StringComparer.OrdinalIgnoreCase.GetHashCode(m.LocalPart), StringComparer.Ordinal.GetHashCode(m.Domain))
        : StringComparer.Ordinal.GetHashCode(_key!);

    public static bool operator ==(TypedAddress? left, TypedAddress? right) => left is null ? right is null : left.Equals(right);

    public static bool operator !=(TypedAddress? left, TypedAddress? right) => !(left == right);

    /// <summary><c>TYPE:value</c>, which <see cref="TryParse"/> reads back.</summary>
    public override string ToString() => Type.Name + ":" + Value;

    private static string SmtpKey(Mailbox m) => "SMTP:" + m.LocalPart.ToUpperInvariant() + "@" + m.Domain;

    /// <summary>Checks length, UTF-16 well-formedness and the absence of control characters.</summary>
    private static bool IsCleanValue(string value, out string error)
    {
        if (value.Length == 0) return Fail("empty address value", out error);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsControl(c)) return Fail("control character in address value", out error);
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
                continue;
            }
            if (char.IsSurrogate(c)) return Fail("unpaired surrogate in address value", out error);
        }
        if (Encoding.UTF8.GetByteCount(value) > MaxValueOctets) return Fail($"address value longer than {MaxValueOctets} octets", out error);
        error = "";
        return true;
    }

    private static bool TryX400Key(string value, out string key, out string error)
    {
        key = "";
        var segments = value.Split(';');
        // One trailing ';' is how Exchange writes X400 proxies.
        var count = segments.Length > 1 && segments[^1].Trim().Length == 0 ? segments.Length - 1 : segments.Length;
        var attributes = new List<(string Name, string Value)>(count);
        for (var i = 0; i < count; i++)
        {
            var segment = segments[i];
            var eq = segment.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0) return Fail($"X.400 attribute '{segment.Trim()}' has no '='", out error);
            var name = segment[..eq].Trim();
            if (name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is ':' or '-'))
                return Fail($"malformed X.400 attribute name '{name}'", out error);
            var v = segment[(eq + 1)..].Trim();
            attributes.Add((name.ToLowerInvariant(), v.Length == 0 ? " " : v.ToUpperInvariant()));
        }
        // OrderBy is stable: repeated attributes (the OU hierarchy) keep their order.
        key = string.Join(";", attributes.OrderBy(a => a.Name, StringComparer.Ordinal).Select(a => a.Name + "=" + a.Value));
        error = "";
        return true;
    }

    private static bool Fail(string reason, out string error)
    {
        error = reason;
        return false;
    }
}
