using System.Text;
using System.Text.Unicode;

namespace Gatehouse.Core.Addresses;

/// <summary>What <see cref="Imcea.Decode"/> and <see cref="Imcea.Decapsulate"/> found.</summary>
public enum ImceaStatus
{
    /// <summary>The local part is not <c>IMCEA</c> + type name + <c>-</c>: an ordinary address.</summary>
    NotEncapsulated,

    /// <summary>Encapsulated, but at a domain that is not ours: someone else's to decapsulate, left alone.</summary>
    ForeignDomain,

    /// <summary>Decoded; <see cref="ImceaResult.Address"/> is the hidden typed address.</summary>
    Decapsulated,

    /// <summary>It claims to be encapsulated but the encoding is broken; <see cref="ImceaResult.Error"/> says how.</summary>
    Malformed,
}

/// <summary>The outcome of reading an IMCEA local part: a status, the hidden address when decoded, and the reason when malformed.</summary>
public sealed record ImceaResult(ImceaStatus Status, TypedAddress? Address, string Error)
{
    internal static readonly ImceaResult NotEncapsulated = new(ImceaStatus.NotEncapsulated, null, "");
    internal static readonly ImceaResult ForeignDomain = new(ImceaStatus.ForeignDomain, null, "");

    internal static ImceaResult Malformed(string error) => new(ImceaStatus.Malformed, null, error);
}

/// <summary>
/// IMCEA encapsulation (MS-OXCMAIL §2.1.3.1.8, decapsulation §2.2.3.1.2): a non-SMTP address (or an SMTP
/// address that must be carried through another domain) written as an SMTP mailbox
/// <c>IMCEA</c> type <c>-</c> encoded-value <c>@</c> domain.
/// </summary>
/// <remarks>
/// <para><b>Encoding</b> (what Gatehouse writes): the value's UTF-8 octets; <c>A–Z a–z 0–9 - =</c> are
/// copied, <c>/</c> becomes <c>_</c>, every other octet becomes <c>+</c> and two upper-case hex digits
/// (<c>@</c>→<c>+40</c>, <c>.</c>→<c>+2E</c>, <c>_</c>→<c>+5F</c>, <c>+</c>→<c>+2B</c>, space→<c>+20</c>).
/// The type name is written as is: <see cref="AddressType"/> names are letters and digits, so they
/// never need escaping and the first <c>-</c> always ends them.</para>
/// <para><b>Decoding</b> (what Gatehouse reads): <c>IMCEA</c> and the hex digits in any case
/// (Exchange 5.5 refused lower case; refusing it helps nobody), <c>_</c>→<c>/</c>, <c>+HH</c>→octet.
/// A <c>+</c> not followed by two hex digits is an error, never a guess. Characters that may stand
/// unquoted in an RFC 5321 Dot-string (letters, digits, <c>. ! # $ % &amp; ' * = ? ^ ` { | } ~ -</c>
/// and, under SMTPUTF8, non-ASCII) are taken literally, because senders write
/// <c>IMCEASMTP-user+40ext.com@local</c> (seed Q237927) with the dots unescaped; anything that needs
/// quoting (space, <c>@</c>, <c>"</c>, <c>\</c>, ...) is an error. The decoded octets must be valid
/// UTF-8 and the result a valid <see cref="TypedAddress"/> of the type; an SMTP value must parse as
/// a mailbox (<see cref="SmtpPathParser.TryParseMailbox"/>).</para>
/// <para><b>Scope</b>: only addresses at our own accepted domains are decapsulated (MS-OXCMAIL
/// §2.2.3.1.2 says so; an IMCEA address at another domain belongs to that domain's gateway). The
/// accepted-domain check is the caller's predicate, so this stays pure. Decapsulation is one level:
/// a decoded SMTP address may itself be an IMCEA address at one of our domains, and the resolver,
/// which bounds its rewrites, decides whether to look again.</para>
/// <para><b>Length</b>: an encapsulated local part may be up to
/// <see cref="SmtpPathParser.MaxImceaLocalPartOctets"/> octets (RFC 5321's 64 would not hold an
/// Exchange DN); <see cref="TryEncapsulate"/> refuses anything longer. Nothing here throws on input.</para>
/// </remarks>
public static class Imcea
{
    /// <summary>The literal that opens an encapsulated local part (compared case-insensitively).</summary>
    public const string Prefix = "IMCEA";

    private static readonly string Hex = "0123456789ABCDEF";

    /// <summary>Encodes octets by the MS-OXCMAIL §2.1.3.1.8 rules (upper-case hex).</summary>
    public static string EncodeValue(ReadOnlySpan<byte> octets)
    {
        var sb = new StringBuilder(octets.Length * 2);
        foreach (var b in octets)
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '=') sb.Append(c);
            else if (c == '/') sb.Append('_');
            else sb.Append('+').Append(Hex[b >> 4]).Append(Hex[b & 0xF]);
        }
        return sb.ToString();
    }

    /// <summary>Encodes a value's UTF-8 octets.</summary>
    public static string EncodeValue(string value) => EncodeValue(Encoding.UTF8.GetBytes(value));

    /// <summary>Decodes an encoded value to octets; see the remarks for what is accepted.</summary>
    public static bool TryDecodeValue(ReadOnlySpan<char> encoded, out byte[] octets, out string error)
    {
        octets = [];
        var bytes = new List<byte>(encoded.Length);
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < encoded.Length; i++)
        {
            var c = encoded[i];
            if (c == '+')
            {
                if (i + 2 >= encoded.Length || !char.IsAsciiHexDigit(encoded[i + 1]) || !char.IsAsciiHexDigit(encoded[i + 2]))
                {
                    error = $"'+' at offset {i} is not followed by two hex digits (MS-OXCMAIL 2.1.3.1.8)";
                    return false;
                }
                bytes.Add((byte)((HexValue(encoded[i + 1]) << 4) | HexValue(encoded[i + 2])));
                i += 2;
            }
            else if (c == '_')
            {
                bytes.Add((byte)'/');
            }
            else if (c == '.' || SmtpSyntax.IsAtext(c, allowUtf8: true))
            {
                if (c < 128)
                {
                    bytes.Add((byte)c);
                    continue;
                }
                // A non-ASCII literal (SMTPUTF8 local part) stands for its own UTF-8 octets.
                var len = char.IsHighSurrogate(c) && i + 1 < encoded.Length && char.IsLowSurrogate(encoded[i + 1]) ? 2 : 1;
                if (Rune.DecodeFromUtf16(encoded.Slice(i, len), out var rune, out _) != System.Buffers.OperationStatus.Done)
                {
                    error = $"unpaired surrogate at offset {i} in IMCEA value";
                    return false;
                }
                var n = rune.EncodeToUtf8(utf8);
                for (var k = 0; k < n; k++) bytes.Add(utf8[k]);
                i += len - 1;
            }
            else
            {
                error = $"character U+{(int)c:X4} at offset {i} must be encoded as +HH in an IMCEA value (MS-OXCMAIL 2.1.3.1.8)";
                return false;
            }
        }
        octets = [.. bytes];
        error = "";
        return true;
    }

    /// <summary><c>IMCEA</c> + type + <c>-</c> + encoded value, the local part of an encapsulated address.</summary>
    public static string EncodeLocalPart(TypedAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return Prefix + address.Type.Name + "-" + EncodeValue(address.Value);
    }

    /// <summary>Encapsulates <paramref name="address"/> at <paramref name="domain"/> (normally our site domain).</summary>
    public static bool TryEncapsulate(TypedAddress address, string domain, out Mailbox mailbox, out string error)
    {
        ArgumentNullException.ThrowIfNull(address);
        mailbox = null!;
        var d = (domain ?? "").ToLowerInvariant();
        if (!SmtpPathParser.IsAsciiDomain(d, out error)) return false;
        var local = EncodeLocalPart(address);
        if (local.Length > SmtpPathParser.MaxImceaLocalPartOctets)
        {
            error = $"encapsulated local part would be {local.Length} octets, over the cap of {SmtpPathParser.MaxImceaLocalPartOctets}";
            return false;
        }
        mailbox = new Mailbox(local, d);
        return true;
    }

    /// <summary>True when the local part starts with <c>IMCEA</c>, a valid type name and <c>-</c> (MS-OXCMAIL §2.2.3.1.2 elements 1–3).</summary>
    public static bool IsEncapsulated(string? localPart) => TrySplit(localPart, out _, out _);

    /// <summary>Decodes an encapsulated local part, whatever its domain.</summary>
    public static ImceaResult Decode(string? localPart)
    {
        if (!TrySplit(localPart, out var typeName, out var encoded)) return ImceaResult.NotEncapsulated;
        if (!AddressType.TryParse(typeName, out var type, out var error)) return ImceaResult.Malformed(error);
        if (!TryDecodeValue(encoded, out var octets, out error)) return ImceaResult.Malformed(error);
        if (!Utf8.IsValid(octets)) return ImceaResult.Malformed("decoded IMCEA value is not valid UTF-8");
        var value = Encoding.UTF8.GetString(octets);
        if (!TypedAddress.TryCreate(type, value, out var address, out error))
            return ImceaResult.Malformed($"decoded IMCEA value is not a valid {type} address: {error}");
        return new ImceaResult(ImceaStatus.Decapsulated, address, "");
    }

    /// <summary>Decapsulates <paramref name="mailbox"/> when it is encapsulated and its domain is one of ours.</summary>
    /// <param name="mailbox">A mailbox from the SMTP or header parser.</param>
    /// <param name="isAcceptedDomain">True for our own accepted domains (lower-case A-labels, as <see cref="Mailbox.Domain"/>).</param>
    public static ImceaResult Decapsulate(Mailbox mailbox, Func<string, bool> isAcceptedDomain)
    {
        ArgumentNullException.ThrowIfNull(mailbox);
        ArgumentNullException.ThrowIfNull(isAcceptedDomain);
        if (!IsEncapsulated(mailbox.LocalPart)) return ImceaResult.NotEncapsulated;
        if (!isAcceptedDomain(mailbox.Domain)) return ImceaResult.ForeignDomain;
        return Decode(mailbox.LocalPart);
    }

    private static bool TrySplit(string? localPart, out ReadOnlySpan<char> typeName, out ReadOnlySpan<char> encoded)
    {
        typeName = default;
        encoded = default;
        if (localPart is null || !localPart.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase)) return false;
        var rest = localPart.AsSpan(Prefix.Length);
        var dash = rest.IndexOf('-');
        if (dash <= 0 || !AddressType.IsValidName(rest[..dash], out _)) return false;
        typeName = rest[..dash];
        encoded = rest[(dash + 1)..];
        return true;
    }

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
