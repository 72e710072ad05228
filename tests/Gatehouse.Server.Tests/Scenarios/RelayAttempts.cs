using System.Globalization;
using System.Text;

namespace Gatehouse.Server.Tests.Scenarios;

/// <summary>One way to ask a server to carry mail outside: the text after <c>RCPT TO:</c>, written exactly as it goes on the wire.</summary>
/// <param name="Path">Sent verbatim, angle brackets and any parameters included (no client library gets to "fix" it).</param>
/// <param name="Form">Which trick it is, for failure messages.</param>
/// <param name="Utf8">Needs <c>MAIL FROM:... SMTPUTF8</c>.</param>
public sealed record RelayAttempt(string Path, string Form, bool Utf8 = false)
{
    public override string ToString() => $"{Form}: RCPT TO:{Path}";
}

/// <summary>The open-relay battery's address forms for one server: every spelling of an outside address an untrusted client may try.</summary>
/// <remarks>
/// Pure: it knows nothing of Gatehouse's parser, so a form is written here the way an attacker (or
/// nmap's smtp-open-relay script) writes it, not the way Gatehouse would encode it. Every form's
/// final destination is outside the organization (ext.example, or the Internet host 127.0.0.10
/// written as an address literal); none may be accepted from a client without a relay permission.
/// </remarks>
public static class RelayAttempts
{
    /// <summary>The outside domain every form tries to reach.</summary>
    public const string Outside = "ext.example";

    /// <summary>The Internet host where the battery's sink listens, written as an address literal in some forms.</summary>
    public const string SinkIp = "127.0.0.10";

    private const string User = "user";

    /// <summary>Every form against one server.</summary>
    /// <param name="domains">The organization's accepted domains, every kind (forwarded ones too: their own addresses may be legitimate, the outside address hidden in them never is).</param>
    /// <param name="serverIp">The server's own address, which nmap writes as <c>[ip]</c>.</param>
    /// <param name="serverName">The name the server greets with (nmap's <c>srvname</c>).</param>
    public static IReadOnlyList<RelayAttempt> For(IReadOnlyList<string> domains, string serverIp, string serverName)
    {
        const string o = Outside;
        var ip = $"[{serverIp}]";
        var sink = $"[{SinkIp}]";
        var list = new List<RelayAttempt>
        {
            new($"<{User}@{o}>", "plain"),
            new("<USER@EXT.EXAMPLE>", "plain, upper case"),
            new("<User@Ext.Example>", "plain, mixed case"),
            new($"<{User}@{o}.>", "plain, trailing dot"),
            new($"<{User}@mail.{o}>", "plain, subdomain"),
            new($"<postmaster@{o}>", "outside postmaster"),
            new($"<{User}@{o}> NOTIFY=NEVER ORCPT=rfc822;{User}@{o}", "plain with DSN parameters"),
            new($" <{User}@{o}>", "plain after a space"),
            new($"{User}@{o}", "plain without angle brackets"),
            new($"<{User}@{sink}>", "IPv4 literal of the Internet host"),
            new($"<postmaster@{sink}>", "postmaster at an IPv4 literal"),
            new($"<{User}@[IPv6:::ffff:{SinkIp}]>", "IPv6-mapped literal"),
            new($"<{User}@[IPv6:0:0:0:0:0:ffff:7f00:a]>", "IPv6-mapped literal, hex"),
            new($"<{User}@[127.000.000.010]>", "IPv4 literal with leading zeros"),
            // Our own literal is this server: only postmaster@[ours] is a mailbox there, delivered here and so
            // not a relay attempt (RecipientResolutionTests, DeliveryTests); any other local part is refused.
            new($"<{User}@{ip}>", "our own address literal"),
            new($"<[SMTP:{User}@{o}]>", "one-off"),
            new($"<\"{User}@{o}\">", "quoted address, no domain"),
            new($"<\"{User}%{o}\">", "quoted percent, no domain"),
            new($"<{User}%{o}>", "percent, no domain"),
            new($"<{o}!{User}>", "bang, no domain"),
            new($"<{User}%{o}@{ip}>", "percent at our address literal"),
            new($"<{User}%{o}@{serverName}>", "percent at our host name"),
            new($"<{User}%{o}@{sink}>", "percent at the Internet host's literal"),
            new($"<{o}!{User}@{ip}>", "bang at our address literal"),
            new($"<{o}!{User}@{serverName}>", "bang at our host name"),
            new($"<\"{User}@{o}\"@{ip}>", "quoted address at our address literal"),
            new($"<{User}@{o}@{ip}>", "two @, our address literal"),
            new($"<{User}@{o}@{serverName}>", "two @, our host name"),
            new($"<@{ip}:{User}@{o}>", "source route through our address literal"),
            new($"<@{serverName}:{User}@{o}>", "source route through our host name"),
            new($"<IMCEASMTP-{User}+40{o}@{ip}>", "IMCEA at our address literal"),
            new($"<IMCEASMTP-{User}+40{o}@{serverName}>", "IMCEA at our host name"),
            new($"<{User}@ëxt.example>", "UTF-8 domain", Utf8: true),
            new($"<üser@{o}>", "UTF-8 local part", Utf8: true),
            new($"<{User}@ｅｘｔ.example>", "full-width domain", Utf8: true),
            new($"<{User}@xn--xt-mia.example>", "A-label domain"),
        };
        foreach (var d in domains) list.AddRange(AtOurDomain(d));
        return list;
    }

    /// <summary>The forms that hide the outside address in a local part at one of our domains.</summary>
    private static IEnumerable<RelayAttempt> AtOurDomain(string d)
    {
        const string o = Outside;
        var at = $"{User}@{o}";
        string F(string form) => $"{form} at {d}";
        // Percent hack, both ends of it.
        yield return new($"<{User}%{o}@{d}>", F("percent"));
        yield return new($"<{User}%{o}%{d}@{d}>", F("double percent"));
        yield return new($"<{User}%{o}@{d}%{d}@{d}>", F("percent with @ inside"));
        yield return new($"<\"{User}%{o}\"@{d}>", F("quoted percent"));
        // Bang paths.
        yield return new($"<{o}!{User}@{d}>", F("bang"));
        yield return new($"<{d}!{o}!{User}>", F("bang through us, no domain"));
        yield return new($"<{d}!{o}!{User}@{d}>", F("double bang"));
        yield return new($"<\"{o}!{User}\"@{d}>", F("quoted bang"));
        // Source routes: the route is dropped and the outside mailbox remains.
        yield return new($"<@{d}:{at}>", F("source route"));
        yield return new($"<@{d},@{o}:{at}>", F("two-hop source route"));
        yield return new($"<@{d}:{User}%{o}@{d}>", F("source route to percent"));
        yield return new($"<@{d}:\"{at}\"@{d}>", F("source route to quoted address"));
        yield return new($"<@{d}:IMCEASMTP-{User}+40{o}@{d}>", F("source route to IMCEA"));
        // Quoted local parts holding an address.
        yield return new($"<\"{at}\"@{d}>", F("quoted address"));
        yield return new($"<\"{User}\\@{o}\"@{d}>", F("quoted address with quoted-pair @"));
        yield return new($"<\"{User}@[{SinkIp}]\"@{d}>", F("quoted address literal"));
        yield return new($"<\"IMCEA {at}\"@{d}>", F("quoted IMCEA with a space (Q264330)"));
        yield return new($"<\"IMCEASMTP-{User}+40{o}\"@{d}>", F("quoted IMCEA"));
        yield return new($"<\"{at}@{d}\">", F("quoted whole path"));
        // Junk that must never parse into an outside destination.
        yield return new($"<{at}@{d}>", F("two @"));
        yield return new($"<{User}@{d}@{o}>", F("two @, ours first"));
        yield return new($"<{User}@{d}.{o}>", F("our domain as a prefix of an outside one"));
        yield return new($"<{User}@evil{d}>", F("our domain as a suffix of an outside one"));
        yield return new($"<{User}@mail.{d}>", F("subdomain (not accepted)"));
        // IMCEA encapsulation of the outside address, every spelling.
        yield return new($"<IMCEASMTP-{User}+40{o}@{d}>", F("IMCEA (Q237927)"));
        yield return new($"<imceasmtp-{User}+40{o}@{d}>", F("IMCEA, lower case"));
        yield return new($"<IMCEAsmtp-USER+40EXT+2eEXAMPLE@{d}>", F("IMCEA, mixed case and lower-case hex"));
        yield return new($"<IMCEASMTP-{Encode(at)}@{d}>", F("IMCEA, dots escaped"));
        yield return new($"<IMCEASMTP-{User}+40{o}@{d.ToUpperInvariant()}>", F("IMCEA at our domain in upper case"));
        yield return new($"<IMCEASMTP-{User}+40+5B{SinkIp}+5D@{d}>", F("IMCEA of an address literal"));
        yield return new($"<IMCEASMTP-{User}+40[{SinkIp}]@{d}>", F("IMCEA with a raw address literal"));
        yield return new($"<IMCEASMTP-{User}+40IPv6+3A+3A+3Affff+3A{SinkIp}@{d}>", F("IMCEA of a broken IPv6 literal"));
        yield return new($"<IMCEASMTP-{Encode($"{User}@[IPv6:::ffff:{SinkIp}]")}@{d}>", F("IMCEA of an IPv6 literal"));
        yield return new($"<IMCEASMTP-{Encode($"{User}%{o}@{d}")}@{d}>", F("IMCEA of a percent hack"));
        yield return new($"<IMCEASMTP-{Encode($"{o}!{User}@{d}")}@{d}>", F("IMCEA of a bang path"));
        yield return new($"<IMCEASMTP-{Encode($"\"{at}\"@{d}")}@{d}>", F("IMCEA of a quoted address"));
        yield return new($"<IMCEASMTP-{Encode($"@{d}:{at}")}@{d}>", F("IMCEA of a source route"));
        yield return new($"<IMCEASMTP-{Encode($"{at}@{d}")}@{d}>", F("IMCEA of two @"));
        yield return new($"<IMCEASMTP-{Encode($"{User}@{o}.")}@{d}>", F("IMCEA of a trailing dot"));
        yield return new($"<IMCEASMTP-{User}+40+C3+ABxt.example@{d}>", F("IMCEA of a UTF-8 domain"));
        yield return new($"<IMCEASMTP-{User}+40{o}+0D+0ARCPT+20TO+3A+3C{at}+3E@{d}>", F("IMCEA with CR LF"));
        yield return new($"<IMCEASMTP-{User}+4{o}@{d}>", F("IMCEA with a broken escape"));
        // Nested: each level encapsulates the one below at our domain; the deepest exceed any rewrite limit.
        var nested = $"IMCEASMTP-{Encode(at)}@{d}";
        for (var level = 2; level <= 6; level++)
        {
            nested = $"IMCEASMTP-{Encode(nested)}@{d}";
            if (Encoding.UTF8.GetByteCount(nested) > 1000) break;
            yield return new($"<{nested}>", F($"IMCEA nested {level} deep"));
        }
        yield return new($"<IMCEASMTP-IMCEASMTP-{User}+2B40ext+2Eexample+40{d}@{d}>", F("IMCEA nested, as the seed writes it"));
        // Other address types pointing outside: one-offs no untrusted client may send to.
        yield return new($"<IMCEASMTPOUT-{Encode(at)}@{d}>", F("IMCEA of type SMTPOUT"));
        yield return new($"<IMCEAX400-c=US+3Ba=+20+3Bp=Ext+3Bo=Example+3Bs=User+3B@{d}>", F("IMCEA of type X400"));
        yield return new($"<IMCEAEX-_O=EXT_OU=EXAMPLE_CN=RECIPIENTS_CN=USER@{d}>", F("IMCEA of type EX"));
        yield return new($"<IMCEAFAX-15551234@{d}>", F("IMCEA of type FAX"));
        yield return new($"<IMCEAMS-EXTNET_EXTPO_USER@{d}>", F("IMCEA of type MS"));
        yield return new($"<IMCEANOTES-{User}+20+2F+20Ext+40{o}@{d}>", F("IMCEA of type NOTES"));
        yield return new($"<IMCEACCMAIL-{User}+20at+20Ext@{d}>", F("IMCEA of type CCMAIL"));
        yield return new($"<IMCEAX500-_C=US_O=EXT_CN=USER@{d}>", F("IMCEA of type X500"));
        // UTF-8 spellings at our domain.
        yield return new($"<{User}%ëxt.example@{d}>", F("UTF-8 percent"), Utf8: true);
        yield return new($"<\"üser@{o}\"@{d}>", F("UTF-8 quoted address"), Utf8: true);
        yield return new($"<IMCEASMTP-üser+40{o}@{d}>", F("UTF-8 IMCEA"), Utf8: true);
    }

    /// <summary>nmap's smtp-open-relay tests (the table in smtp-open-relay.nse), in its order: <c>MAIL FROM</c> and <c>RCPT TO</c> paths without the angle brackets.</summary>
    /// <param name="domain">The script's <c>smtp-open-relay.domain</c>: the outside domain.</param>
    /// <param name="ip">The script's <c>smtp-open-relay.ip</c> (its default is the target's own address).</param>
    /// <param name="serverName">The first word of the server's greeting after the code (nmap's <c>srvname</c>).</param>
    public static IReadOnlyList<(string From, string To)> Nmap(string domain, string ip, string serverName)
    {
        const string from = "antispam";
        const string to = "relaytest";
        var fromIp = $"{from}@[{ip}]";
        return
        [
            ("", $"{to}@{domain}"),
            ($"{from}@{domain}", $"{to}@{domain}"),
            ($"{from}@{serverName}", $"{to}@{domain}"),
            (fromIp, $"{to}@{domain}"),
            (fromIp, $"{to}%{domain}@[{ip}]"),
            (fromIp, $"{to}%{domain}@{serverName}"),
            (fromIp, $"\"{to}@{domain}\""),
            (fromIp, $"\"{to}%{domain}\""),
            (fromIp, $"{to}@{domain}@[{ip}]"),
            (fromIp, $"\"{to}@{domain}\"@[{ip}]"),
            (fromIp, $"{to}@{domain}@{serverName}"),
            (fromIp, $"@[{ip}]:{to}@{domain}"),
            (fromIp, $"@{serverName}:{to}@{domain}"),
            (fromIp, $"{domain}!{to}"),
            (fromIp, $"{domain}!{to}@[{ip}]"),
            (fromIp, $"{domain}!{to}@{serverName}"),
        ];
    }

    /// <summary>Reverse-paths an untrusted client tries: the null sender, an outside one, our own addresses (spoofing a local sender must open nothing) and nmap's address literal.</summary>
    public static IReadOnlyList<string> Senders(string localAddress, string ourDomain, string serverIp) =>
        ["<>", $"<antispam@{Outside}>", $"<{localAddress}>", $"<postmaster@{ourDomain}>", $"<antispam@[{serverIp}]>"];

    /// <summary>IMCEA encoding as MS-OXCMAIL writes it (letters, digits, '-' and '=' as they are, '/' as '_', every other octet as +HH).</summary>
    public static string Encode(string value)
    {
        var b = new StringBuilder();
        foreach (var octet in Encoding.UTF8.GetBytes(value))
        {
            var c = (char)octet;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '=') b.Append(c);
            else if (c == '/') b.Append('_');
            else b.Append('+').Append(octet.ToString("X2", CultureInfo.InvariantCulture));
        }
        return b.ToString();
    }
}
