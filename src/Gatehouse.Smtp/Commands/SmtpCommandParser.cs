using System.Text;

namespace Gatehouse.Smtp.Commands;

/// <summary>Turns one command line (without its line ending) into an <see cref="SmtpCommand"/>.</summary>
/// <remarks>
/// Sans-I/O: it sees bytes, never a socket. Verbs are case-insensitive (RFC 5321 §2.4). The line is
/// decoded as strict UTF-8 because SMTPUTF8 (RFC 6531) allows UTF-8 in paths; invalid UTF-8 and
/// control characters are refused rather than guessed at.
/// </remarks>
public static class SmtpCommandParser
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Parses a line; returns false with a reason when it is not text an SMTP server can read.</summary>
    public static bool TryParse(ReadOnlySpan<byte> line, out SmtpCommand command, out string error)
    {
        command = default;
        string text;
        try
        {
            text = StrictUtf8.GetString(line);
        }
        catch (DecoderFallbackException)
        {
            error = "Invalid UTF-8 in command";
            return false;
        }
        foreach (var c in text)
        {
            if (c < ' ' && c != '\t' || c == '\x7f')
            {
                error = "Control character in command";
                return false;
            }
        }
        var space = text.IndexOf(' ');
        var verbText = space < 0 ? text : text[..space];
        var arg = space < 0 ? "" : text[(space + 1)..];
        command = new SmtpCommand(VerbOf(verbText), arg, verbText);
        error = "";
        return true;
    }

    // Verbs are ASCII words: ToUpperInvariant alone would fold a long s (U+017F) into 'S', so that "rſet" were RSET.
    private static SmtpVerb VerbOf(string v) => (Ascii.IsValid(v) ? v.ToUpperInvariant() : "") switch
    {
        "HELO" => SmtpVerb.Helo,
        "EHLO" => SmtpVerb.Ehlo,
        "MAIL" => SmtpVerb.Mail,
        "RCPT" => SmtpVerb.Rcpt,
        "DATA" => SmtpVerb.Data,
        "BDAT" => SmtpVerb.Bdat,
        "RSET" => SmtpVerb.Rset,
        "NOOP" => SmtpVerb.Noop,
        "QUIT" => SmtpVerb.Quit,
        "VRFY" => SmtpVerb.Vrfy,
        "EXPN" => SmtpVerb.Expn,
        "HELP" => SmtpVerb.Help,
        "STARTTLS" => SmtpVerb.StartTls,
        "AUTH" => SmtpVerb.Auth,
        // Postfix's smtpd_forbidden_commands: a web browser or proxy pointed at the SMTP port.
        "GET" or "POST" or "PUT" or "HEAD" or "CONNECT" or "USER" => SmtpVerb.Forbidden,
        _ when v.EndsWith(':') => SmtpVerb.Forbidden, // "Host:", "User-Agent:" header lines
        _ => SmtpVerb.Unknown,
    };
}
