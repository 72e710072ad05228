using Gatehouse.Core.Addresses;

namespace Gatehouse.Core.Tests.Addresses;

/// <summary>
/// Every production of RFC 5321 §4.1.2's path grammar from a golden table, run through both parsers:
/// the SMTP path parser, and the header parser, which must make the same <see cref="Mailbox"/>.
/// </summary>
public class SmtpPathGrammarTableTests
{
    // path → local | domain | dropped source route     or     → ! words of the error.
    // A path prefixed "utf8:" is parsed with SMTPUTF8 (RFC 6531).
    private const string Table = """
        # Mailbox = Local-part "@" ( Domain / address-literal ); Local-part = Dot-string / Quoted-string
        <user@example.com>                          → user | example.com |
        <User.Name@Example.COM>                     → User.Name | example.com |
        <a!#$%&'*+-/=?^_`{}~@example.com>           → a!#$%&'*+-/=?^_`{}~ | example.com |
        <"john doe"@example.com>                    → john doe | example.com |
        <"a\"b\\c"@example.com>                     → a"b\c | example.com |
        <"a@b"@example.com>                         → a@b | example.com |
        <"()<>[]:;@\\,."@example.com>               → ()<>[]:;@\,. | example.com |
        <"\a\b"@example.com>                        → ab | example.com |
        <""@example.com>                            →  | example.com |
        <"abc"@example.com>                         → abc | example.com |
        <user@sub-domain.example-1.com>             → user | sub-domain.example-1.com |
        <user@123.example>                          → user | 123.example |
        <user@localhost>                            → user | localhost |

        # address-literal = "[" ( IPv4-address-literal / IPv6-address-literal / General-address-literal ) "]"
        <user@[192.0.2.1]>                          → user | [192.0.2.1] |
        <user@[IPv6:2001:db8:0:0:0:0:0:1]>          → user | [IPv6:2001:db8::1] |
        <user@[IPv6:2001:db8::1]>                   → user | [IPv6:2001:db8::1] |
        <user@[ipv6:2001:DB8::1]>                   → user | [IPv6:2001:db8::1] |
        <user@[IPv6:::ffff:192.0.2.1]>              → user | [IPv6:::ffff:192.0.2.1] |
        <user@[IPv6:::1]>                           → user | [IPv6:::1] |
        <user@[Tag:content]>                        → ! address literal
        <user@[300.1.1.1]>                          → ! address literal
        <user@[1.2.3]>                              → ! address literal
        <user@[IPv6:zz]>                            → ! IPv6
        <user@[IPv6:fe80::1%eth0]>                  → ! IPv6
        <user@[192.0.2.1>                           → ! unterminated address literal

        # Path = "<" [ A-d-l ":" ] Mailbox ">"; the A-d-l (source route) is dropped, RFC 5321 3.6.1
        <@relay.example:user@example.com>           → user | example.com | @relay.example
        <@a.example,@b.example:user@example.com>    → user | example.com | @a.example,@b.example
        <@[192.0.2.1]:user@example.com>             → ! address literal not allowed
        <@example.com>                              → ! source route
        <@a.example,b.example:user@example.com>     → ! source route
        <@a.example;user@example.com>               → ! source route

        # Forward-path = Path / "<Postmaster>" (RFC 5321 4.1.1.3)
        <postmaster>                                → postmaster |  |
        <Postmaster>                                → Postmaster |  |
        <postmaster@example.com>                    → postmaster | example.com |

        # SMTPUTF8 (RFC 6531): UTF-8 local parts, IDNA domains become A-labels
        utf8:<usér@exämple.com>                     → usér | xn--exmple-cua.com |
        utf8:<"jörg smith"@bücher.example>          → jörg smith | xn--bcher-kva.example |
        utf8:<用户@例子.example>                      → 用户 | xn--fsqu00a.example |
        <usér@example.com>                          → ! SMTPUTF8
        <user@exämple.com>                          → ! SMTPUTF8

        # malformed paths
        user@example.com                            → ! angle brackets
        <user@example.com                           → ! closing angle bracket
        <user@example.com >                         → ! closing angle bracket
        < user@example.com>                         → ! empty local part
        <>                                          → ! empty local part
        <user@>                                     → ! missing domain
        <user>                                      → ! must have a domain
        <user name@example.com>                     → ! must have a domain
        <user..x@example.com>                       → ! dot-string
        <.user@example.com>                         → ! dot-string
        <user.@example.com>                         → ! dot-string
        <user@example..com>                         → ! sub-domain
        <user@-example.com>                         → ! sub-domain
        <user@example-.com>                         → ! sub-domain
        <user@example.com.>                         → ! sub-domain
        <user@exa_mple.com>                         → ! closing angle bracket
        <"unterminated@example.com>                 → ! unterminated
        <a@b@example.com>                           → ! closing angle bracket
        <aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@example.com> → ! 64 octets
        <aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@example.com>  → aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa | example.com |
        <user@aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com> → ! sub-domain
        """;

    public static TheoryData<string, string> Rows() => GoldenTable.Rows(Table);

    [Theory]
    [MemberData(nameof(Rows))]
    public void Paths_from_the_table(string input, string expected)
    {
        var utf8 = input.StartsWith("utf8:", StringComparison.Ordinal);
        var path = utf8 ? input[5..] : input;
        var pos = 0;
        var ok = SmtpPathParser.TryParseForwardPath(path, ref pos, utf8, out var mailbox, out var route, out var error);
        if (expected.StartsWith('!'))
        {
            Assert.False(ok, $"{path} should be refused");
            Assert.Contains(expected[1..].Trim(), error, StringComparison.Ordinal);
            return;
        }
        Assert.True(ok, $"{path}: {error}");
        Assert.Equal(path.Length, pos);
        var fields = expected.Split('|').Select(f => f.Trim()).ToArray();
        Assert.Equal(fields[0], mailbox.LocalPart);
        Assert.Equal(fields[1], mailbox.Domain);
        Assert.Equal(fields[2], route);

        if (mailbox.Domain.Length == 0) return; // <Postmaster> has no header form
        // The header parser reads the same angle-addr (obs-route included) to the same mailbox.
        Assert.True(HeaderAddressParser.TryParseMailbox(path, utf8, out var header, out error), $"{path}: {error}");
        Assert.Equal(mailbox, header.Mailbox);
        Assert.Null(header.DisplayName);
    }

    [Fact]
    public void Domain_of_more_than_255_octets_is_refused_by_both_parsers()
    {
        var domain = string.Join('.', Enumerable.Repeat(new string('a', 63), 4)); // 255 octets
        var pos = 0;
        Assert.True(SmtpPathParser.TryParseForwardPath($"<u@{domain}>", ref pos, false, out _, out var error), error);
        Assert.True(HeaderAddressParser.TryParseMailbox($"u@{domain}", false, out _, out error), error);
        pos = 0;
        Assert.False(SmtpPathParser.TryParseForwardPath($"<u@a{domain}>", ref pos, false, out _, out error));
        Assert.Contains("255", error, StringComparison.Ordinal);
        Assert.False(HeaderAddressParser.TryParseMailbox($"u@a{domain}", false, out _, out error));
        Assert.Contains("255", error, StringComparison.Ordinal);
    }
}
