namespace Gatehouse.Core.Addresses;

/// <summary>
/// A proxy address as Exchange writes a recipient's e-mail addresses: <c>TYPE:value</c>, where an
/// upper-case type prefix (<c>SMTP:user@x.com</c>) marks the primary address of that type — the
/// reply address — and a lower-case one (<c>smtp:alias@x.com</c>) a secondary address.
/// </summary>
/// <remarks>
/// A prefix in mixed case (<c>Smtp:</c>) is refused rather than guessed at, because primary versus
/// secondary decides which address goes out as the sender. Digits do not count: <c>X400:</c> is
/// primary and <c>x400:</c> secondary. Equality is the value's (<see cref="TypedAddress"/>'s
/// comparison rule) plus the primary flag; the directory indexes <see cref="Address"/> alone.
/// Parsing never throws.
/// </remarks>
public sealed record ProxyAddress(TypedAddress Address, bool IsPrimary)
{
    /// <summary>Parses <c>TYPE:value</c> (primary) or <c>type:value</c> (secondary).</summary>
    public static bool TryParse(string? text, out ProxyAddress proxy, out string error)
    {
        proxy = null!;
        if (string.IsNullOrEmpty(text))
        {
            error = "empty proxy address";
            return false;
        }
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            error = "proxy address must be TYPE:value";
            return false;
        }
        var prefix = text.AsSpan(0, colon);
        if (!AddressType.TryParse(prefix, out var type, out error)) return false;
        bool upper = false, lower = false;
        foreach (var c in prefix)
        {
            upper |= char.IsAsciiLetterUpper(c);
            lower |= char.IsAsciiLetterLower(c);
        }
        if (upper && lower)
        {
            error = "proxy address type must be all upper case (primary) or all lower case (secondary)";
            return false;
        }
        if (!TypedAddress.TryCreate(type, text[(colon + 1)..], out var address, out error)) return false;
        proxy = new ProxyAddress(address, IsPrimary: upper);
        return true;
    }

    /// <summary>Formats as Exchange does: the type in upper case when primary, lower case when secondary.</summary>
    public override string ToString() => (IsPrimary ? Address.Type.Name : Address.Type.Name.ToLowerInvariant()) + ":" + Address.Value;
}
