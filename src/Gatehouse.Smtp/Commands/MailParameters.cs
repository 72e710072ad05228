using System.Globalization;
using Gatehouse.Core.Envelope;
using Gatehouse.Core.Protocol;

namespace Gatehouse.Smtp.Commands;

/// <summary>The ESMTP parameters of a MAIL command (RFC 1870 SIZE, RFC 6152 BODY, RFC 6531 SMTPUTF8, RFC 3461 RET/ENVID, RFC 4954 AUTH).</summary>
public sealed record MailParameters(long? Size, BodyType Body, bool SmtpUtf8, DsnReturn Ret, string? EnvelopeId, string? Auth);

/// <summary>The ESMTP parameters of a RCPT command (RFC 3461 NOTIFY and ORCPT).</summary>
public sealed record RcptParameters(DsnNotify Notify, string? OriginalRecipient);

/// <summary>Parses "KEY[=VALUE] ..." parameter lists of MAIL and RCPT.</summary>
/// <remarks>
/// Only parameters of advertised extensions are accepted; an unknown or repeated one is 555 5.5.4
/// (RFC 5321 §4.1.1.11). Keywords are case-insensitive, values keep their case.
/// </remarks>
public static class MailParametersParser
{
    public const int MaxEnvelopeIdLength = 100;

    public static bool TryParseMail(string text, out MailParameters parameters, out SmtpReply error)
    {
        long? size = null;
        var body = BodyType.Unspecified;
        var utf8 = false;
        var ret = DsnReturn.Unspecified;
        string? envid = null;
        string? auth = null;
        parameters = null!;
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in Split(text))
        {
            if (!seen.Add(key))
            {
                error = SmtpReply.Of(555, "5.5.4", $"Duplicate parameter {Printable(key)}");
                return false;
            }
            switch (AsciiUpper(key))
            {
                case "SIZE":
                    if (value is null || value.Length == 0 || value.Length > 20 || !value.All(char.IsAsciiDigit))
                    {
                        error = SmtpReply.Of(501, "5.5.4", "Invalid SIZE parameter");
                        return false;
                    }
                    // RFC 1870 allows 20 digits; anything past long's range is simply too big, which the size check says.
                    size = long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s : long.MaxValue;
                    break;
                case "BODY":
                    body = AsciiUpper(value) switch
                    {
                        "7BIT" => BodyType.SevenBit,
                        "8BITMIME" => BodyType.EightBitMime,
                        _ => BodyType.Unspecified,
                    };
                    if (body == BodyType.Unspecified)
                    {
                        error = SmtpReply.Of(501, "5.5.4", "Unsupported BODY type");
                        return false;
                    }
                    break;
                case "SMTPUTF8":
                    if (value is not null)
                    {
                        error = SmtpReply.Of(501, "5.5.4", "SMTPUTF8 takes no value");
                        return false;
                    }
                    utf8 = true;
                    break;
                case "RET":
                    ret = AsciiUpper(value) switch
                    {
                        "FULL" => DsnReturn.Full,
                        "HDRS" => DsnReturn.Headers,
                        _ => DsnReturn.Unspecified,
                    };
                    if (ret == DsnReturn.Unspecified)
                    {
                        error = SmtpReply.Of(501, "5.5.4", "RET must be FULL or HDRS");
                        return false;
                    }
                    break;
                case "ENVID":
                    if (value is null || value.Length > MaxEnvelopeIdLength || !Xtext.TryDecode(value, out var id))
                    {
                        error = SmtpReply.Of(501, "5.5.4", "Invalid ENVID parameter");
                        return false;
                    }
                    envid = id;
                    break;
                case "AUTH":
                    if (value is null || (value != "<>" && !Xtext.TryDecode(value, out _)))
                    {
                        error = SmtpReply.Of(501, "5.5.4", "Invalid AUTH parameter");
                        return false;
                    }
                    auth = value;
                    break;
                default:
                    error = SmtpReply.Of(555, "5.5.4", $"Unsupported parameter {Printable(key)}");
                    return false;
            }
        }
        parameters = new MailParameters(size, body, utf8, ret, envid, auth);
        error = null!;
        return true;
    }

    public static bool TryParseRcpt(string text, out RcptParameters parameters, out SmtpReply error)
    {
        var notify = DsnNotify.Unspecified;
        string? orcpt = null;
        parameters = null!;
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in Split(text))
        {
            if (!seen.Add(key))
            {
                error = SmtpReply.Of(555, "5.5.4", $"Duplicate parameter {Printable(key)}");
                return false;
            }
            switch (AsciiUpper(key))
            {
                case "NOTIFY":
                    if (!TryParseNotify(value, out notify))
                    {
                        error = SmtpReply.Of(501, "5.5.4", "NOTIFY must be NEVER or a list of SUCCESS, FAILURE, DELAY");
                        return false;
                    }
                    break;
                case "ORCPT":
                    var semi = value?.IndexOf(';') ?? -1;
                    if (value is null || semi <= 0 || !IsAtom(value[..semi]) || !Xtext.TryDecode(value[(semi + 1)..], out var addr) || addr.Length == 0)
                    {
                        error = SmtpReply.Of(501, "5.5.4", "ORCPT must be addr-type;xtext");
                        return false;
                    }
                    orcpt = value[..semi] + ";" + addr;
                    break;
                default:
                    error = SmtpReply.Of(555, "5.5.4", $"Unsupported parameter {Printable(key)}");
                    return false;
            }
        }
        parameters = new RcptParameters(notify, orcpt);
        error = null!;
        return true;
    }

    private static bool TryParseNotify(string? value, out DsnNotify notify)
    {
        notify = DsnNotify.Unspecified;
        if (string.IsNullOrEmpty(value)) return false;
        foreach (var part in value.Split(','))
        {
            var flag = AsciiUpper(part) switch
            {
                "NEVER" => DsnNotify.Never,
                "SUCCESS" => DsnNotify.Success,
                "FAILURE" => DsnNotify.Failure,
                "DELAY" => DsnNotify.Delay,
                _ => DsnNotify.Unspecified,
            };
            if (flag == DsnNotify.Unspecified || (notify & flag) != 0) return false;
            notify |= flag;
        }
        // RFC 3461 §4.1: NEVER must stand alone.
        return (notify & DsnNotify.Never) == 0 || notify == DsnNotify.Never;
    }

    // Keywords and their values are ASCII; ToUpperInvariant alone would fold a long s (U+017F) into 'S'.
    private static string? AsciiUpper(string? s) => s is not null && System.Text.Ascii.IsValid(s) ? s.ToUpperInvariant() : s;

    private static bool IsAtom(string s) => s.Length > 0 && s.All(c => c is >= '!' and <= '~' && c != ';' && c != '=');

    private static IEnumerable<(string Key, string? Value)> Split(string text)
    {
        foreach (var token in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = token.IndexOf('=');
            yield return eq < 0 ? (token, null) : (token[..eq], token[(eq + 1)..]);
        }
    }

    private static string Printable(string s) => s.Length > 32 ? s[..32] : s;
}
