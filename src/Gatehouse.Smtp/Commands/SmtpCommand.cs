namespace Gatehouse.Smtp.Commands;

/// <summary>The SMTP verbs this server knows; anything else is <see cref="Unknown"/>.</summary>
public enum SmtpVerb
{
    Unknown,
    Helo,
    Ehlo,
    Mail,
    Rcpt,
    Data,
    Bdat,
    Rset,
    Noop,
    Quit,
    Vrfy,
    Expn,
    Help,
    StartTls,
    Auth,

    /// <summary>An HTTP or proxy request sent to the SMTP port; the session ends at once.</summary>
    Forbidden,
}

/// <summary>One parsed command line: the verb and the text after it (without the separating space).</summary>
public readonly record struct SmtpCommand(SmtpVerb Verb, string Argument, string VerbText);
