namespace Gatehouse.Core.Addresses;

/// <summary>
/// One-off addresses <c>[TYPE:value]</c>: an address typed by hand that names no directory entry, as
/// in seed Q183801's <c>[SMTPOUT:user@internal.domain.com]</c> (MS-OXCMAIL §2.1.3.1.8 encapsulates
/// such addresses when they must travel as SMTP).
/// </summary>
/// <remarks>
/// The type ends at the first <c>:</c> (type names contain none); the value runs to the final
/// <c>]</c> and may itself contain <c>:</c> and brackets (<c>[SMTP:user@[192.0.2.1]]</c>). White space
/// around the brackets is ignored. The value obeys <see cref="TypedAddress"/>'s rules for its type.
/// This class only reads and writes the syntax; whether a one-off may be sent anywhere is the
/// resolver's and the relay policy's business. Parsing never throws.
/// </remarks>
public static class OneOffAddress
{
    /// <summary>Parses <c>[TYPE:value]</c>.</summary>
    public static bool TryParse(string? text, out TypedAddress address, out string error)
    {
        address = null!;
        var s = (text ?? "").AsSpan().Trim();
        if (s.Length < 2 || s[0] != '[' || s[^1] != ']')
        {
            error = "one-off address must be written [TYPE:value]";
            return false;
        }
        var inner = s[1..^1];
        var colon = inner.IndexOf(':');
        if (colon < 0)
        {
            error = "one-off address has no ':' between type and value";
            return false;
        }
        if (!AddressType.TryParse(inner[..colon], out var type, out error)) return false;
        return TypedAddress.TryCreate(type, inner[(colon + 1)..].ToString(), out address, out error);
    }

    /// <summary>Writes <c>[TYPE:value]</c> with the canonical upper-case type.</summary>
    public static string Format(TypedAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return "[" + address.Type.Name + ":" + address.Value + "]";
    }
}
