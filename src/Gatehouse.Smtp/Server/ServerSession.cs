using System.Buffers.Text;
using System.Text;
using Gatehouse.Core.Addresses;
using Gatehouse.Core.Envelope;
using Gatehouse.Core.Protocol;
using Gatehouse.Smtp.Commands;

namespace Gatehouse.Smtp.Server;

/// <summary>The server side of one SMTP session as a pure state machine (RFC 5321 §4.1, §4.3).</summary>
/// <remarks>
/// It decides every reply from the commands it is fed and the options it was given; it never
/// touches a socket, a file or a clock. The I/O shell reads lines and content, performs the
/// <see cref="SessionAction"/> of each <see cref="SessionStep"/> and writes the replies. Message
/// content (DATA and BDAT) is the shell's business: the session only says when to read it and
/// builds the envelope that goes with it. Order of checks per command: sequence (503), syntax
/// (501/555), then policy (530/550/552/452), so that a client learns about its own mistakes first.
/// </remarks>
public sealed class ServerSession
{
    private readonly ServerSessionOptions _options;
    private readonly List<EnvelopeRecipient> _recipients = [];
    private MailParameters? _mailParameters;
    private Mailbox? _reversePath;
    private bool _hasMail;
    private AuthState _auth;
    private string? _loginUser;

    public ServerSession(ServerSessionOptions options)
    {
        _options = options;
    }

    private enum AuthState
    {
        None,
        PlainResponse,
        LoginUser,
        LoginPassword,
    }

    /// <summary>The HELO/EHLO argument, or null before the client introduced itself.</summary>
    public string? Helo { get; private set; }

    public bool Esmtp { get; private set; }

    public bool TlsActive { get; private set; }

    public string? AuthenticatedUser { get; private set; }

    /// <summary>True between the first BDAT of a transaction and its LAST chunk or a reset.</summary>
    public bool BdatActive { get; private set; }

    /// <summary>Replies with code 400 or higher that this session has sent, for the error limit.</summary>
    public int ErrorCount { get; private set; }

    public bool InTransaction => _hasMail;

    public int RecipientCount => _recipients.Count;

    public Mailbox? ReversePath => _reversePath;

    /// <summary>The session after a completed TLS handshake: everything learned before is forgotten (RFC 3207 §4.2).</summary>
    public void OnTlsStarted()
    {
        TlsActive = true;
        Helo = null;
        Esmtp = false;
        AuthenticatedUser = null;
        ResetTransaction();
    }

    /// <summary>Ends the mail transaction (after a message was taken or refused, RSET, HELO or EHLO).</summary>
    public void ResetTransaction()
    {
        _hasMail = false;
        _reversePath = null;
        _mailParameters = null;
        _recipients.Clear();
        BdatActive = false;
    }

    /// <summary>Counts a reply the shell produced itself (content refusals, storage failures) towards the error limit.</summary>
    public void CountReply(SmtpReply reply)
    {
        if (reply.Code >= 400 && reply.Code != 421) ErrorCount++;
    }

    /// <summary>Builds the envelope of the current transaction for the spool.</summary>
    public MailEnvelope BuildEnvelope(ClientInfo client, DateTimeOffset receivedAt)
    {
        if (!_hasMail || _mailParameters is null) throw new InvalidOperationException("no mail transaction");
        return new MailEnvelope(
            _reversePath,
            _recipients.ToArray(),
            _mailParameters.Ret,
            _mailParameters.EnvelopeId,
            _mailParameters.Body,
            _mailParameters.SmtpUtf8,
            _mailParameters.Size,
            client,
            receivedAt);
    }

    public SessionStep OnCommand(SmtpCommand command)
    {
        var step = Dispatch(command);
        if (step.Reply is { } r && !step.DiscardChunk) CountReply(r);
        return step;
    }

    private SessionStep Dispatch(SmtpCommand c) => c.Verb switch
    {
        SmtpVerb.Ehlo => Hello(c.Argument, esmtp: true),
        SmtpVerb.Helo => Hello(c.Argument, esmtp: false),
        SmtpVerb.Mail => Mail(c.Argument),
        SmtpVerb.Rcpt => Rcpt(c.Argument),
        SmtpVerb.Data => Data(c.Argument),
        SmtpVerb.Bdat => Bdat(c.Argument),
        SmtpVerb.Rset => NoArgs(c, () => { ResetTransaction(); return SessionStep.Say(Replies.ResetOk); }),
        SmtpVerb.Noop => SessionStep.Say(Replies.Ok), // RFC 5321 §4.1.1.9: a NOOP argument is ignored
        SmtpVerb.Quit => NoArgs(c, () => new SessionStep(Replies.Closing(_options.Hostname), SessionAction.Close)),
        SmtpVerb.Vrfy => c.Argument.Length == 0 ? SessionStep.Say(Replies.Syntax("VRFY requires an argument")) : SessionStep.Say(Replies.CannotVerify),
        SmtpVerb.Expn => SessionStep.Say(Replies.NotImplemented),
        SmtpVerb.Help => SessionStep.Say(Help()),
        SmtpVerb.StartTls => StartTls(c.Argument),
        SmtpVerb.Auth => Auth(c.Argument),
        SmtpVerb.Forbidden => new SessionStep(SmtpReply.Of(221, "2.7.0", "This is an SMTP server, not a web server; goodbye"), SessionAction.Close),
        _ => SessionStep.Say(Replies.CommandUnrecognized),
    };

    private static SessionStep NoArgs(SmtpCommand c, Func<SessionStep> then) =>
        c.Argument.Trim().Length > 0 ? SessionStep.Say(Replies.Syntax($"{c.Verb.ToString().ToUpperInvariant()} takes no arguments")) : then();

    private SessionStep Hello(string arg, bool esmtp)
    {
        arg = arg.Trim();
        if (arg.Length == 0 || arg.Contains(' ') || arg.Length > 255)
        {
            return SessionStep.Say(Replies.Syntax(esmtp ? "EHLO requires a domain or address literal" : "HELO requires a domain or address literal"));
        }
        ResetTransaction();
        Helo = arg;
        Esmtp = esmtp;
        if (!esmtp) return SessionStep.Say(new SmtpReply(250, null, $"{_options.Hostname}"));
        var lines = new List<string>
        {
            $"{_options.Hostname} greets {arg}",
            "PIPELINING",
            $"SIZE {_options.MaxMessageSize}",
            "8BITMIME",
            "ENHANCEDSTATUSCODES",
            "SMTPUTF8",
            "DSN",
            "CHUNKING",
        };
        if (_options.TlsAvailable && !TlsActive) lines.Add("STARTTLS");
        if (AuthOffered) lines.Add("AUTH PLAIN LOGIN");
        lines.Add("HELP");
        return SessionStep.Say(new SmtpReply(250, null, [.. lines]));
    }

    private bool AuthOffered => _options.AuthAvailable && TlsActive;

    private SessionStep Mail(string arg)
    {
        if (Helo is null) return SessionStep.Say(Replies.SendHeloFirst);
        if (_hasMail) return SessionStep.Say(Replies.NestedMail);
        if (_options.RequireAuth && AuthenticatedUser is null) return SessionStep.Say(Replies.AuthRequired);
        if (!arg.StartsWith("FROM:", StringComparison.OrdinalIgnoreCase)) return SessionStep.Say(Replies.Syntax("Syntax: MAIL FROM:<address>"));
        var pos = 5;
        while (pos < arg.Length && arg[pos] == ' ') pos++; // tolerated: "MAIL FROM: <x>"
        var paramsStart = FindParameters(arg, pos);
        if (!MailParametersParser.TryParseMail(arg[paramsStart..], out var p, out var perr)) return SessionStep.Say(perr);
        if (!Esmtp && arg[paramsStart..].Trim().Length > 0) return SessionStep.Say(Replies.Syntax("Parameters require EHLO"));
        if (!SmtpPathParser.TryParseReversePath(arg, ref pos, p.SmtpUtf8, out var mailbox, out var err))
        {
            return SessionStep.Say(IsNonAsciiRefusal(arg, p.SmtpUtf8) ? Replies.NonAsciiWithoutSmtpUtf8 : SmtpReply.Of(501, "5.1.7", "Bad sender address syntax: " + err));
        }
        if (pos != paramsStart && arg[pos..paramsStart].Trim().Length > 0) return SessionStep.Say(Replies.Syntax("Unexpected text after the path"));
        if (p.Size is { } size && size > _options.MaxMessageSize) return SessionStep.Say(Replies.MessageTooBig);
        _hasMail = true;
        _reversePath = mailbox;
        _mailParameters = p;
        return SessionStep.Say(Replies.SenderOk);
    }

    private SessionStep Rcpt(string arg)
    {
        if (!_hasMail) return SessionStep.Say(Replies.NeedMail);
        if (BdatActive) return SessionStep.Say(SmtpReply.Of(503, "5.5.1", "RCPT not allowed after BDAT"));
        if (!arg.StartsWith("TO:", StringComparison.OrdinalIgnoreCase)) return SessionStep.Say(Replies.Syntax("Syntax: RCPT TO:<address>"));
        var pos = 3;
        while (pos < arg.Length && arg[pos] == ' ') pos++;
        var paramsStart = FindParameters(arg, pos);
        if (!MailParametersParser.TryParseRcpt(arg[paramsStart..], out var p, out var perr)) return SessionStep.Say(perr);
        if (!Esmtp && arg[paramsStart..].Trim().Length > 0) return SessionStep.Say(Replies.Syntax("Parameters require EHLO"));
        var utf8 = _mailParameters!.SmtpUtf8;
        if (!SmtpPathParser.TryParseForwardPath(arg, ref pos, utf8, out var mailbox, out var err))
        {
            return SessionStep.Say(IsNonAsciiRefusal(arg, utf8) ? Replies.NonAsciiWithoutSmtpUtf8 : Replies.BadAddress("Bad recipient address syntax: " + err));
        }
        if (pos != paramsStart && arg[pos..paramsStart].Trim().Length > 0) return SessionStep.Say(Replies.Syntax("Unexpected text after the path"));
        if (_recipients.Count >= _options.MaxRecipients) return SessionStep.Say(Replies.TooManyRecipients);
        if (_options.CheckRecipient(mailbox) is { } refusal) return SessionStep.Say(refusal);
        _recipients.Add(new EnvelopeRecipient(mailbox, p.Notify, p.OriginalRecipient));
        return SessionStep.Say(Replies.RecipientOk);
    }

    private SessionStep Data(string arg)
    {
        if (arg.Trim().Length > 0) return SessionStep.Say(Replies.Syntax("DATA takes no arguments"));
        if (!_hasMail) return SessionStep.Say(Replies.NeedMail);
        if (BdatActive) return SessionStep.Say(Replies.DataAfterBdat);
        if (_recipients.Count == 0) return SessionStep.Say(Replies.NoValidRecipients);
        return new SessionStep(Replies.StartData, SessionAction.ReceiveData);
    }

    private SessionStep Bdat(string arg)
    {
        var parts = arg.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var last = parts.Length == 2 && parts[1].Equals("LAST", StringComparison.OrdinalIgnoreCase);
        if (parts.Length is < 1 or > 2 || (parts.Length == 2 && !last) || parts[0].Length > 18 || !parts[0].All(char.IsAsciiDigit))
        {
            // The chunk length is unknown, so the bytes that follow cannot be told from commands: close.
            return new SessionStep(SmtpReply.Of(501, "5.5.4", "Syntax: BDAT <size> [LAST]; closing connection"), SessionAction.Close);
        }
        var size = long.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
        SmtpReply? refusal = !_hasMail ? Replies.NeedMail : _recipients.Count == 0 ? Replies.NoValidRecipients : null;
        if (refusal is not null)
        {
            CountReply(refusal);
            return new SessionStep(refusal, SessionAction.ReceiveChunk, size, last, DiscardChunk: true);
        }
        BdatActive = true;
        return new SessionStep(null, SessionAction.ReceiveChunk, size, last);
    }

    private SessionStep StartTls(string arg)
    {
        if (arg.Trim().Length > 0) return SessionStep.Say(Replies.Syntax("STARTTLS takes no arguments"));
        if (TlsActive) return SessionStep.Say(Replies.AlreadyTls);
        if (!_options.TlsAvailable) return SessionStep.Say(Replies.TlsNotAvailable);
        if (Helo is null) return SessionStep.Say(Replies.SendHeloFirst);
        return new SessionStep(Replies.ReadyToStartTls, SessionAction.StartTls);
    }

    private SessionStep Auth(string arg)
    {
        if (Helo is null || !Esmtp) return SessionStep.Say(SmtpReply.Of(503, "5.5.1", "Send EHLO first"));
        if (!_options.AuthAvailable) return SessionStep.Say(Replies.NotImplemented);
        if (!TlsActive) return SessionStep.Say(Replies.MustStartTls);
        if (AuthenticatedUser is not null) return SessionStep.Say(Replies.AlreadyAuthenticated);
        if (_hasMail) return SessionStep.Say(Replies.AuthInTransaction);
        var parts = arg.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is < 1 or > 2) return SessionStep.Say(Replies.Syntax("Syntax: AUTH mechanism [initial-response]"));
        var initial = parts.Length == 2 ? parts[1] : null;
        switch (parts[0].ToUpperInvariant())
        {
            case "PLAIN":
                if (initial is null)
                {
                    _auth = AuthState.PlainResponse;
                    return new SessionStep(new SmtpReply(334, null, ""), SessionAction.AuthContinue);
                }
                return FinishPlain(initial);
            case "LOGIN":
                if (initial is null)
                {
                    _auth = AuthState.LoginUser;
                    return new SessionStep(new SmtpReply(334, null, "VXNlcm5hbWU6"), SessionAction.AuthContinue);
                }
                return LoginUser(initial);
            default:
                return SessionStep.Say(Replies.AuthMechanismUnknown);
        }
    }

    /// <summary>Feeds one line of SASL response after a 334 challenge (RFC 4954 §4).</summary>
    public SessionStep OnAuthResponse(string line)
    {
        var state = _auth;
        _auth = AuthState.None;
        SessionStep step;
        if (line == "*") step = SessionStep.Say(Replies.AuthCancelled);
        else
        {
            step = state switch
            {
                AuthState.PlainResponse => FinishPlain(line),
                AuthState.LoginUser => LoginUser(line),
                AuthState.LoginPassword => LoginPassword(line),
                _ => SessionStep.Say(Replies.CommandUnrecognized),
            };
        }
        if (step.Reply is { } r) CountReply(r);
        return step;
    }

    private SessionStep FinishPlain(string b64)
    {
        if (!TryBase64(b64, out var bytes)) return SessionStep.Say(Replies.AuthSyntax);
        // authzid NUL authcid NUL passwd (RFC 4616 §2)
        var fields = bytes.Split('\0');
        if (fields.Length != 3 || fields[1].Length == 0) return SessionStep.Say(Replies.AuthSyntax);
        if (fields[0].Length > 0 && fields[0] != fields[1]) return SessionStep.Say(SmtpReply.Of(535, "5.7.8", "Authorization identity not permitted"));
        return Verify(fields[1], fields[2]);
    }

    private SessionStep LoginUser(string b64)
    {
        if (!TryBase64(b64, out var user) || user.Length == 0) return SessionStep.Say(Replies.AuthSyntax);
        _loginUser = user;
        _auth = AuthState.LoginPassword;
        return new SessionStep(new SmtpReply(334, null, "UGFzc3dvcmQ6"), SessionAction.AuthContinue);
    }

    private SessionStep LoginPassword(string b64)
    {
        if (!TryBase64(b64, out var password)) return SessionStep.Say(Replies.AuthSyntax);
        return Verify(_loginUser ?? "", password);
    }

    private SessionStep Verify(string user, string password)
    {
        _loginUser = null;
        if (!_options.VerifyCredentials(user, password)) return SessionStep.Say(Replies.AuthFailed);
        AuthenticatedUser = user;
        return SessionStep.Say(Replies.AuthSucceeded);
    }

    private static bool TryBase64(string text, out string value)
    {
        value = "";
        if (text == "=") return true; // RFC 4954: "=" is an empty initial response
        var bytes = new byte[Base64.GetMaxDecodedFromUtf8Length(text.Length)];
        if (!Ascii.IsValid(text) || Base64.DecodeFromUtf8(Encoding.ASCII.GetBytes(text), bytes, out _, out var written) != System.Buffers.OperationStatus.Done) return false;
        try
        {
            value = new UTF8Encoding(false, true).GetString(bytes, 0, written);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    private static SmtpReply Help() => new(214, new EnhancedStatusCode(2, 0, 0),
        "Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP STARTTLS AUTH",
        "See RFC 5321; mail for the administrator goes to <postmaster>");

    /// <summary>Index where the parameters start: after the closing '&gt;' of the path (outside quotes), or the end.</summary>
    private static int FindParameters(string arg, int pos)
    {
        var inQuote = false;
        for (var i = pos; i < arg.Length; i++)
        {
            var c = arg[i];
            if (inQuote)
            {
                if (c == '\\') i++;
                else if (c == '"') inQuote = false;
            }
            else if (c == '"') inQuote = true;
            else if (c == '>') return i + 1;
        }
        return arg.Length;
    }

    private static bool IsNonAsciiRefusal(string arg, bool utf8) => !utf8 && !Ascii.IsValid(arg);
}
