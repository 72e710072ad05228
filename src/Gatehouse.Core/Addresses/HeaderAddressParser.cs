using System.Text;

namespace Gatehouse.Core.Addresses;

/// <summary>
/// Parses RFC 5322 §3.4 address lists as they appear in <c>To:</c>, <c>Cc:</c>, <c>From:</c> and
/// <c>Reply-To:</c> header fields: <c>mailbox</c> (<c>addr-spec</c> or <c>name-addr</c> with a display
/// name of atoms, quoted strings and RFC 2047 encoded words), <c>angle-addr</c>, <c>group</c>, and
/// CFWS (comments and folding white space) wherever the grammar allows it.
/// </summary>
/// <remarks>
/// <para><b>Obsolete syntax</b> (RFC 5322 §4.4) is read, never written: <c>obs-route</c> inside angle
/// brackets (<c>&lt;@a,@b:user@c&gt;</c>) is accepted and dropped, as RFC 5321 §3.6.1 does for source
/// routes; <c>obs-phrase</c> (a <c>.</c> in a display name, <c>John Q. Public</c>), <c>obs-local-part</c>
/// (CFWS around dots), and empty list elements (<c>a@b,,c@d</c>) are accepted.</para>
/// <para><b>What comes out</b> is the same <see cref="Mailbox"/> the SMTP parser makes: the address is
/// checked by <see cref="SmtpPathParser.TryParseMailbox"/>, so the limits are RFC 5321's (local part 64
/// octets, domain 255, an IMCEA local part up to <see cref="SmtpPathParser.MaxImceaLocalPartOctets"/>),
/// domains are lower-cased A-labels, and an address SMTP could not carry (a tab in a quoted local
/// part, a general domain literal) is refused here rather than later. Non-ASCII is allowed only when
/// <c>utf8</c> is set (RFC 6532 / RFC 6531). Comments are ignored; the display name never comes from
/// a comment.</para>
/// <para><b>Failure</b>: malformed input returns false and the reason with its RFC section and the
/// offset; nothing throws on any input.</para>
/// </remarks>
public static class HeaderAddressParser
{
    private enum Kind
    {
        Atom,
        Quoted,
        Literal,
        Special,
    }

    private readonly record struct Token(Kind Kind, string Text, bool SpaceBefore, int Offset)
    {
        public bool Is(char special) => Kind == Kind.Special && Text[0] == special;

        public bool IsWord => Kind is Kind.Atom or Kind.Quoted;
    }

    /// <summary>Parses an <c>address-list</c> (mailboxes and groups; at least one element).</summary>
    public static bool TryParseAddressList(string? text, bool utf8, out IReadOnlyList<HeaderAddress> addresses, out string error) =>
        TryParseList(text, utf8, allowGroups: true, out addresses, out error);

    /// <summary>Parses a <c>mailbox-list</c> (<c>From:</c>): like an address list, but groups are refused.</summary>
    public static bool TryParseMailboxList(string? text, bool utf8, out IReadOnlyList<HeaderMailbox> mailboxes, out string error)
    {
        mailboxes = [];
        if (!TryParseList(text, utf8, allowGroups: false, out var list, out error)) return false;
        mailboxes = [.. list.Cast<HeaderMailbox>()];
        return true;
    }

    /// <summary>Parses exactly one <c>mailbox</c> (<c>Sender:</c>).</summary>
    public static bool TryParseMailbox(string? text, bool utf8, out HeaderMailbox mailbox, out string error)
    {
        mailbox = null!;
        if (!TryParseMailboxList(text, utf8, out var list, out error)) return false;
        if (list.Count != 1)
        {
            error = "exactly one mailbox expected (RFC 5322 3.6.2)";
            return false;
        }
        mailbox = list[0];
        return true;
    }

    private static bool TryParseList(string? text, bool utf8, bool allowGroups, out IReadOnlyList<HeaderAddress> addresses, out string error)
    {
        addresses = [];
        if (!Tokenize(text ?? "", utf8, out var tokens, out error)) return false;
        var parser = new Parser(tokens, utf8, text?.Length ?? 0);
        var result = new List<HeaderAddress>();
        var i = 0;
        while (true)
        {
            // obs-addr-list: empty elements between commas are allowed and mean nothing.
            while (i < tokens.Count && tokens[i].Is(',')) i++;
            if (i == tokens.Count) break;
            if (!parser.TryAddress(ref i, allowGroups, out var address, out error)) return false;
            result.Add(address);
            if (i == tokens.Count) break;
            if (!tokens[i].Is(','))
            {
                error = parser.At(i, "expected ',' between addresses (RFC 5322 3.4 address-list)");
                return false;
            }
        }
        if (result.Count == 0)
        {
            error = "empty address list (RFC 5322 3.4 address-list needs one address)";
            return false;
        }
        addresses = result;
        error = "";
        return true;
    }

    private sealed class Parser(List<Token> tokens, bool utf8, int length)
    {
        public string At(int i, string reason) =>
            reason + " at offset " + (i < tokens.Count ? tokens[i].Offset : length);

        public bool TryAddress(ref int i, bool allowGroup, out HeaderAddress address, out string error)
        {
            address = null!;
            // What follows the leading words decides the production: '<' name-addr, ':' group, '@' addr-spec.
            var j = i;
            while (j < tokens.Count && !(tokens[j].Kind == Kind.Special && tokens[j].Text[0] is '<' or ':' or '@' or ',' or ';')) j++;
            var stop = j < tokens.Count ? tokens[j].Text[0] : '\0';
            switch (stop)
            {
                case '<':
                    if (!TryPhrase(i, j, out var display, out error)) return false;
                    i = j;
                    if (!TryAngleAddr(ref i, out var mailbox, out error)) return false;
                    address = new HeaderMailbox(string.IsNullOrEmpty(display) ? null : display, mailbox);
                    return true;
                case ':':
                    if (!allowGroup)
                    {
                        error = At(j, "a group is not allowed here (RFC 5322 3.4: groups do not nest, and mailbox-list has none)");
                        return false;
                    }
                    if (i == j)
                    {
                        error = At(j, "group needs a display name (RFC 5322 3.4 group)");
                        return false;
                    }
                    if (!TryPhrase(i, j, out var name, out error)) return false;
                    i = j + 1;
                    return TryGroupList(ref i, name!, out address, out error);
                case '@':
                    if (!TryLocalPart(ref i, out var local, out error)) return false;
                    if (i != j)
                    {
                        error = At(i, "expected '@' after the local part (RFC 5322 3.4.1 addr-spec)");
                        return false;
                    }
                    i++;
                    if (!TryDomainAndMailbox(ref i, local, out var bare, out error)) return false;
                    address = new HeaderMailbox(null, bare);
                    return true;
                default:
                    error = At(i == j ? i : j, i == j ? "expected an address (RFC 5322 3.4)" : "address has no '@' (RFC 5322 3.4.1 addr-spec)");
                    return false;
            }
        }

        private bool TryGroupList(ref int i, string name, out HeaderAddress group, out string error)
        {
            group = null!;
            var members = new List<HeaderMailbox>();
            while (true)
            {
                while (i < tokens.Count && tokens[i].Is(',')) i++; // obs-group-list, obs-mbox-list
                if (i == tokens.Count)
                {
                    error = At(i, "group not closed with ';' (RFC 5322 3.4 group)");
                    return false;
                }
                if (tokens[i].Is(';'))
                {
                    i++;
                    group = new HeaderGroup(name, members);
                    error = "";
                    return true;
                }
                if (!TryAddress(ref i, allowGroup: false, out var member, out error)) return false;
                members.Add((HeaderMailbox)member);
                if (i < tokens.Count && !tokens[i].Is(',') && !tokens[i].Is(';'))
                {
                    error = At(i, "expected ',' or ';' in group (RFC 5322 3.4 group-list)");
                    return false;
                }
            }
        }

        /// <summary>phrase / obs-phrase: word *(word / "." / CFWS); empty when i == j.</summary>
        private bool TryPhrase(int i, int j, out string? phrase, out string error)
        {
            phrase = null;
            if (i == j)
            {
                error = "";
                return true;
            }
            if (!tokens[i].IsWord)
            {
                error = At(i, "display name must begin with a word (RFC 5322 3.2.5 phrase)");
                return false;
            }
            var sb = new StringBuilder();
            for (var k = i; k < j; k++)
            {
                var t = tokens[k];
                if (!t.IsWord && !t.Is('.'))
                {
                    error = At(k, $"'{t.Text}' is not allowed in a display name; quote it (RFC 5322 3.2.5 phrase)");
                    return false;
                }
                if (sb.Length > 0 && t.SpaceBefore) sb.Append(' ');
                sb.Append(t.Text);
            }
            phrase = sb.ToString();
            error = "";
            return true;
        }

        /// <summary>angle-addr / obs-angle-addr: "&lt;" [obs-route] addr-spec "&gt;".</summary>
        private bool TryAngleAddr(ref int i, out Mailbox mailbox, out string error)
        {
            mailbox = null!;
            i++; // '<'
            if (i < tokens.Count && (tokens[i].Is('@') || tokens[i].Is(',')) && !TrySkipObsRoute(ref i, out error)) return false;
            if (i < tokens.Count && tokens[i].Is('>'))
            {
                error = At(i, "empty angle address (RFC 5322 3.4 angle-addr)");
                return false;
            }
            if (!TryLocalPart(ref i, out var local, out error)) return false;
            if (i >= tokens.Count || !tokens[i].Is('@'))
            {
                error = At(i, "expected '@' after the local part (RFC 5322 3.4.1 addr-spec)");
                return false;
            }
            i++;
            if (!TryDomainAndMailbox(ref i, local, out mailbox, out error)) return false;
            if (i >= tokens.Count || !tokens[i].Is('>'))
            {
                error = At(i, "missing '>' (RFC 5322 3.4 angle-addr)");
                return false;
            }
            i++;
            return true;
        }

        /// <summary>obs-route = obs-domain-list ":"; obs-domain-list = *(CFWS / ",") "@" domain *("," [CFWS] ["@" domain]).</summary>
        private bool TrySkipObsRoute(ref int i, out string error)
        {
            while (i < tokens.Count && tokens[i].Is(',')) i++;
            while (true)
            {
                if (i >= tokens.Count || !tokens[i].Is('@'))
                {
                    error = At(i, "malformed route in angle address (RFC 5322 4.4 obs-route)");
                    return false;
                }
                i++;
                if (!TryDomain(ref i, out _, out error)) return false;
                while (i < tokens.Count && tokens[i].Is(',')) i++;
                if (i < tokens.Count && tokens[i].Is(':'))
                {
                    i++;
                    error = "";
                    return true;
                }
            }
        }

        /// <summary>local-part = dot-atom / quoted-string / obs-local-part (word *("." word)).</summary>
        private bool TryLocalPart(ref int i, out string local, out string error)
        {
            local = "";
            var sb = new StringBuilder();
            while (true)
            {
                if (i >= tokens.Count || !tokens[i].IsWord)
                {
                    error = At(i, "expected a word in the local part (RFC 5322 3.4.1 local-part)");
                    return false;
                }
                sb.Append(tokens[i].Text);
                i++;
                if (i < tokens.Count && tokens[i].Is('.'))
                {
                    sb.Append('.');
                    i++;
                    continue;
                }
                local = sb.ToString();
                error = "";
                return true;
            }
        }

        /// <summary>domain = dot-atom / domain-literal / obs-domain (atom *("." atom)).</summary>
        private bool TryDomain(ref int i, out string domain, out string error)
        {
            domain = "";
            if (i < tokens.Count && tokens[i].Kind == Kind.Literal)
            {
                domain = tokens[i].Text;
                i++;
                error = "";
                return true;
            }
            var sb = new StringBuilder();
            while (true)
            {
                if (i >= tokens.Count || tokens[i].Kind != Kind.Atom)
                {
                    error = At(i, "expected a domain (RFC 5322 3.4.1 domain)");
                    return false;
                }
                sb.Append(tokens[i].Text);
                i++;
                if (i < tokens.Count && tokens[i].Is('.'))
                {
                    sb.Append('.');
                    i++;
                    continue;
                }
                domain = sb.ToString();
                error = "";
                return true;
            }
        }

        private bool TryDomainAndMailbox(ref int i, string local, out Mailbox mailbox, out string error)
        {
            mailbox = null!;
            var start = i;
            if (!TryDomain(ref i, out var domain, out error)) return false;
            // One canonical form: the SMTP parser applies RFC 5321's limits, IDNA and literal rules.
            if (!SmtpPathParser.TryParseMailbox(Mailbox.QuoteLocalPart(local) + "@" + domain, utf8, out mailbox, out var why))
            {
                error = At(start, "address " + why);
                return false;
            }
            return true;
        }
    }

    private static bool Tokenize(string text, bool utf8, out List<Token> tokens, out string error)
    {
        tokens = [];
        var space = false;
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c is ' ' or '\t')
            {
                space = true;
                i++;
            }
            else if (c is '\r' or '\n')
            {
                if (!TryFold(text, ref i, out error)) return false;
                space = true;
            }
            else if (c == '(')
            {
                if (!TryComment(text, ref i, utf8, out error)) return false;
                space = true;
            }
            else if (c == '"')
            {
                var start = i;
                if (!TryQuotedString(text, ref i, utf8, out var content, out error)) return false;
                tokens.Add(new Token(Kind.Quoted, content, space, start));
                space = false;
            }
            else if (c == '[')
            {
                var start = i;
                if (!TryDomainLiteral(text, ref i, out var literal, out error)) return false;
                tokens.Add(new Token(Kind.Literal, literal, space, start));
                space = false;
            }
            else if (c is '<' or '>' or ':' or ';' or '@' or ',' or '.')
            {
                tokens.Add(new Token(Kind.Special, c.ToString(), space, i));
                space = false;
                i++;
            }
            else if (SmtpSyntax.IsAtext(c, utf8))
            {
                var start = i;
                while (i < text.Length && SmtpSyntax.IsAtext(text[i], utf8))
                {
                    if (char.IsSurrogate(text[i]) && !IsSurrogatePair(text, i))
                    {
                        error = $"unpaired surrogate at offset {i}";
                        return false;
                    }
                    i += char.IsSurrogate(text[i]) ? 2 : 1;
                }
                tokens.Add(new Token(Kind.Atom, text[start..i], space, start));
                space = false;
            }
            else
            {
                error = Unexpected(text, i, utf8, "specials must be quoted (RFC 5322 3.2.3)");
                return false;
            }
        }
        error = "";
        return true;
    }

    private static bool IsSurrogatePair(string s, int i) =>
        char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]);

    private static string Unexpected(string text, int i, bool utf8, string rule)
    {
        var c = text[i];
        if (c > 127 && !utf8) return $"non-ASCII character at offset {i} requires SMTPUTF8 (RFC 6532)";
        if (char.IsSurrogate(c) && !IsSurrogatePair(text, i)) return $"unpaired surrogate at offset {i}";
        return $"character U+{(int)c:X4} not allowed at offset {i}: {rule}";
    }

    /// <summary>FWS across lines: CRLF must be followed by WSP (RFC 5322 3.2.2); bare CR or LF is refused.</summary>
    private static bool TryFold(string text, ref int i, out string error)
    {
        if (text[i] == '\r' && i + 2 < text.Length && text[i + 1] == '\n' && text[i + 2] is ' ' or '\t')
        {
            i += 3;
            error = "";
            return true;
        }
        error = $"line break at offset {i} is not folding white space (RFC 5322 3.2.2: CRLF must be followed by WSP)";
        return false;
    }

    /// <summary>comment = "(" *([FWS] ccontent) [FWS] ")"; nests; quoted-pairs allowed.</summary>
    private static bool TryComment(string text, ref int i, bool utf8, out string error)
    {
        var start = i;
        var depth = 0;
        while (i < text.Length)
        {
            var c = text[i];
            switch (c)
            {
                case '(':
                    depth++;
                    i++;
                    break;
                case ')':
                    depth--;
                    i++;
                    if (depth == 0)
                    {
                        error = "";
                        return true;
                    }
                    break;
                case '\\':
                    if (i + 1 >= text.Length || !IsQuotable(text[i + 1], utf8))
                    {
                        error = $"invalid quoted-pair in comment at offset {i} (RFC 5322 3.2.1)";
                        return false;
                    }
                    i += char.IsHighSurrogate(text[i + 1]) && IsSurrogatePair(text, i + 1) ? 3 : 2;
                    break;
                case '\r' or '\n':
                    if (!TryFold(text, ref i, out error)) return false;
                    break;
                default:
                    if (!IsQuotable(c, utf8) || (char.IsSurrogate(c) && !IsSurrogatePair(text, i)))
                    {
                        error = Unexpected(text, i, utf8, "not allowed in a comment (RFC 5322 3.2.2 ctext)");
                        return false;
                    }
                    i += char.IsSurrogate(c) ? 2 : 1;
                    break;
            }
        }
        error = $"unterminated comment starting at offset {start} (RFC 5322 3.2.2)";
        return false;
    }

    /// <summary>quoted-string = DQUOTE *([FWS] qcontent) [FWS] DQUOTE; folds are removed, WSP kept.</summary>
    private static bool TryQuotedString(string text, ref int i, bool utf8, out string content, out string error)
    {
        content = "";
        var start = i;
        var sb = new StringBuilder();
        i++;
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '"')
            {
                i++;
                content = sb.ToString();
                error = "";
                return true;
            }
            if (c == '\\')
            {
                if (i + 1 >= text.Length || !IsQuotable(text[i + 1], utf8) || (char.IsSurrogate(text[i + 1]) && !IsSurrogatePair(text, i + 1)))
                {
                    error = $"invalid quoted-pair at offset {i} (RFC 5322 3.2.1)";
                    return false;
                }
                var n = char.IsSurrogate(text[i + 1]) ? 2 : 1;
                sb.Append(text, i + 1, n);
                i += 1 + n;
                continue;
            }
            if (c is '\r' or '\n')
            {
                if (!TryFold(text, ref i, out error)) return false;
                sb.Append(text[i - 1]); // the WSP after CRLF stays; the CRLF goes (RFC 5322 3.2.4)
                continue;
            }
            if (!IsQuotable(c, utf8) || (char.IsSurrogate(c) && !IsSurrogatePair(text, i)))
            {
                error = Unexpected(text, i, utf8, "not allowed in a quoted string (RFC 5322 3.2.4 qtext)");
                return false;
            }
            var len = char.IsSurrogate(c) ? 2 : 1;
            sb.Append(text, i, len);
            i += len;
        }
        error = $"unterminated quoted string starting at offset {start} (RFC 5322 3.2.4)";
        return false;
    }

    /// <summary>domain-literal = "[" *([FWS] dtext) [FWS] "]"; kept verbatim for the SMTP parser to judge.</summary>
    private static bool TryDomainLiteral(string text, ref int i, out string literal, out string error)
    {
        literal = "";
        var start = i;
        i++;
        while (i < text.Length)
        {
            var c = text[i];
            if (c == ']')
            {
                i++;
                literal = text[start..i];
                error = "";
                return true;
            }
            if (c is < '!' or > '~' or '[' or '\\')
            {
                error = $"character U+{(int)c:X4} not allowed in a domain literal at offset {i} (RFC 5322 3.4.1 dtext)";
                return false;
            }
            i++;
        }
        error = $"unterminated domain literal starting at offset {start} (RFC 5322 3.4.1)";
        return false;
    }

    /// <summary>VCHAR or WSP, and under RFC 6532 any non-ASCII character that is not a control.</summary>
    private static bool IsQuotable(char c, bool utf8) =>
        c is (>= ' ' and <= '~') or '\t' || (utf8 && c > 127 && !char.IsControl(c));
}
