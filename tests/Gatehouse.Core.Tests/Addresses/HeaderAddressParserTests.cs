using Gatehouse.Core.Addresses;

namespace Gatehouse.Core.Tests.Addresses;

/// <summary>The RFC 5322 §3.4 address-list parser, from a golden table and a few close looks.</summary>
public class HeaderAddressParserTests
{
    // input → the list as Gatehouse writes it back, or "! words of the error".
    private const string Table = """
        # addr-spec and name-addr (RFC 5322 3.4, Appendix A.1)
        jdoe@example.org                                        → jdoe@example.org
        <boss@nil.test>                                         → boss@nil.test
        John Doe <jdoe@machine.example>                         → John Doe <jdoe@machine.example>
        Mary Smith <mary@example.net>, jdoe@example.org, Who? <one@y.test> → Mary Smith <mary@example.net>, jdoe@example.org, Who? <one@y.test>
        "Joe Q. Public" <john.q.public@example.com>             → "Joe Q. Public" <john.q.public@example.com>
        <boss@nil.test>, "Giant; \"Big\" Box" <sysservices@example.net> → boss@nil.test, "Giant; \"Big\" Box" <sysservices@example.net>
        "Doe, John" <jdoe@example.com>                          → "Doe, John" <jdoe@example.com>
        "" <empty@example.com>                                  → empty@example.com
        John  "Q"  Public <jqp@example.com>                     → John Q Public <jqp@example.com>
        =?utf-8?q?J=C3=B6rg?= <joerg@example.com>               → =?utf-8?q?J=C3=B6rg?= <joerg@example.com>
        =?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?= <keld@dkuug.dk>    → =?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?= <keld@dkuug.dk>
        User@EXAMPLE.COM                                        → User@example.com
        "john smith"@example.com                                → "john smith"@example.com
        "jsmith"@example.com                                    → jsmith@example.com
        user@[192.0.2.1]                                        → user@[192.0.2.1]
        Literal <user@[IPv6:2001:db8::1]>                       → Literal <user@[IPv6:2001:db8::1]>
        IMCEASMTP-user+40ext+2Ecom@local.example                → IMCEASMTP-user+40ext+2Ecom@local.example

        # groups (RFC 5322 3.4, Appendix A.1.3)
        A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>; → A Group: Ed Jones <c@a.test>, joe@where.test, John <jdoe@one.test>;
        Undisclosed recipients:;                                → Undisclosed recipients:;
        Undisclosed: ;                                          → Undisclosed:;
        team: a@b.example, c@d.example;                         → team: a@b.example, c@d.example;
        team: a@b.example;, other@x.example                     → team: a@b.example;, other@x.example
        "The Team": a@b.example;                                → The Team: a@b.example;

        # comments and folding white space anywhere (RFC 5322 Appendix A.5)
        Pete(A nice \) chap) <pete(his account)@silly.test(his host)> → Pete <pete@silly.test>
        A Group(Some people)\r\n     :Chris Jones <c@(Chris's host.)public.example>,\r\n         joe@example.org,\r\n  John <jdoe@one.test> (my dear friend); (the end of the group) → A Group: Chris Jones <c@public.example>, joe@example.org, John <jdoe@one.test>;
        (Empty list)(start)Hidden recipients  :(nobody(that I know))  ; → Hidden recipients:;
        jdoe@example.org (John Doe)                             → jdoe@example.org
        "folded\r\n name" <f@example.com>                       → folded name <f@example.com>

        # obsolete syntax (RFC 5322 4.4, Appendix A.6): read, never written
        Joe Q. Public <john.q.public@example.com>               → "Joe Q. Public" <john.q.public@example.com>
        Mary Smith <@node.test:mary@example.net>, , jdoe@test  . example → Mary Smith <mary@example.net>, jdoe@test.example
        <@a.example,@b.example:user@c.example>                  → user@c.example
        <,@a.example,,@b.example:user@c.example>                → user@c.example
        "Mary Smith: Personal Account" <smith@home.example >    → "Mary Smith: Personal Account" <smith@home.example>
        John Doe <jdoe@machine(comment).  example>              → John Doe <jdoe@machine.example>
        john . "q" . public@example.com                         → john.q.public@example.com
        ,,a@b.example,,                                         → a@b.example

        # refused, with the reason
                                                                → ! empty address list
        ,                                                       → ! empty address list
        John Doe                                                → ! no '@'
        John Smith@example.com                                  → ! expected '@'
        <>                                                      → ! empty angle address
        <user@example.com                                       → ! missing '>'
        user@                                                   → ! expected a domain
        @example.com                                            → ! expected a word
        John <user@example.com> extra                           → ! expected ','
        "unterminated <u@example.com>                           → ! unterminated quoted string
        (unterminated comment u@example.com                     → ! unterminated comment
        John [Doe] <u@example.com>                              → ! not allowed in a display name
        John\Doe <u@example.com>                                → ! specials must be quoted
        outer: inner: a@b.example;;                             → ! groups do not nest
        team: a@b.example                                       → ! not closed with ';'
        : a@b.example;                                          → ! needs a display name
        .John <u@example.com>                                   → ! must begin with a word
        .user@example.com                                       → ! expected a word
        user.@example.com                                       → ! expected a word
        a@b@example.com                                         → ! expected ','
        user@-bad.example                                       → ! sub-domain
        user@[300.1.1.1]                                        → ! address literal
        user@[Tag:general literal]                              → ! domain literal
        user@["quoted"]                                         → ! address literal
        user@"example.com"                                      → ! expected a domain
        "tab\tinside"@example.com                               → ! quoted local part
        aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@example.com → ! 64 octets
        jörg@example.com                                        → ! SMTPUTF8
        Jörg <joerg@example.com>                                → ! SMTPUTF8
        bare\r\nline@example.com                                → ! folding white space
        """;

    public static TheoryData<string, string> Rows() => GoldenTable.Rows(Table);

    [Theory]
    [MemberData(nameof(Rows))]
    public void Address_lists_from_the_table(string input, string expected)
    {
        var ok = HeaderAddressParser.TryParseAddressList(input, utf8: false, out var list, out var error);
        if (expected.StartsWith('!'))
        {
            Assert.False(ok, $"{input} should be refused, got {(ok ? HeaderAddress.FormatList(list) : "")}");
            Assert.Contains(expected[1..].Trim(), error, StringComparison.Ordinal);
            return;
        }
        Assert.True(ok, $"{input}: {error}");
        var formatted = HeaderAddress.FormatList(list);
        Assert.Equal(expected, formatted);
        // What Gatehouse writes, it reads back to the same addresses.
        Assert.True(HeaderAddressParser.TryParseAddressList(formatted, utf8: false, out var again, out error), $"{formatted}: {error}");
        Assert.Equal(list, again);
    }

    [Fact]
    public void Display_names_are_unquoted_and_encoded_words_left_alone()
    {
        Assert.True(HeaderAddressParser.TryParseAddressList("\"Giant; \\\"Big\\\" Box\" <sysservices@example.net>, =?utf-8?b?SsO2cmc=?= <j@x.example>", false, out var list, out var error), error);
        var first = Assert.IsType<HeaderMailbox>(list[0]);
        Assert.Equal("Giant; \"Big\" Box", first.DisplayName);
        Assert.Equal(new Mailbox("sysservices", "example.net"), first.Mailbox);
        Assert.Equal("=?utf-8?b?SsO2cmc=?=", ((HeaderMailbox)list[1]).DisplayName);
    }

    [Fact]
    public void Groups_expose_their_members()
    {
        Assert.True(HeaderAddressParser.TryParseAddressList("team: a@b.example, Cee <c@d.example>;, solo@x.example, Undisclosed recipients:;", false, out var list, out var error), error);
        Assert.Equal(3, list.Count);
        var team = Assert.IsType<HeaderGroup>(list[0]);
        Assert.Equal("team", team.Name);
        Assert.Equal([new HeaderMailbox(null, new Mailbox("a", "b.example")), new HeaderMailbox("Cee", new Mailbox("c", "d.example"))], team.Members);
        Assert.Empty(Assert.IsType<HeaderGroup>(list[2]).Mailboxes);
        Assert.Equal(3, list.SelectMany(a => a.Mailboxes).Count());
    }

    [Fact]
    public void Smtputf8_allows_non_ascii_names_and_addresses()
    {
        Assert.True(HeaderAddressParser.TryParseAddressList("Jörg Müller <jörg@bücher.example>, \"用户\" <用户@例子.example>", utf8: true, out var list, out var error), error);
        var jorg = (HeaderMailbox)list[0];
        Assert.Equal("Jörg Müller", jorg.DisplayName);
        Assert.Equal(new Mailbox("jörg", "xn--bcher-kva.example"), jorg.Mailbox);
        Assert.Equal("用户", ((HeaderMailbox)list[1]).DisplayName);
        Assert.Equal("Jörg Müller <jörg@xn--bcher-kva.example>, 用户 <用户@xn--fsqu00a.example>", HeaderAddress.FormatList(list));
    }

    [Fact]
    public void Imcea_local_parts_may_exceed_64_octets_up_to_the_cap()
    {
        var local = "IMCEAEX-" + new string('A', 200);
        Assert.True(HeaderAddressParser.TryParseMailbox($"X <{local}@example.com>", false, out var m, out var error), error);
        Assert.Equal(local, m.Mailbox.LocalPart);
        var tooLong = "IMCEAEX-" + new string('A', SmtpPathParser.MaxImceaLocalPartOctets);
        Assert.False(HeaderAddressParser.TryParseMailbox($"X <{tooLong}@example.com>", false, out _, out error));
        Assert.Contains("1024", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Mailbox_lists_refuse_groups_and_single_mailbox_wants_one()
    {
        Assert.True(HeaderAddressParser.TryParseMailboxList("a@b.example, C <c@d.example>", false, out var list, out var error), error);
        Assert.Equal(2, list.Count);
        Assert.False(HeaderAddressParser.TryParseMailboxList("team: a@b.example;", false, out _, out error));
        Assert.Contains("group", error, StringComparison.Ordinal);
        Assert.False(HeaderAddressParser.TryParseMailbox("a@b.example, c@d.example", false, out _, out error));
        Assert.Contains("exactly one", error, StringComparison.Ordinal);
        Assert.True(HeaderAddressParser.TryParseMailbox("Sender Name <s@x.example>", false, out var one, out error), error);
        Assert.Equal("Sender Name", one.DisplayName);
    }

    [Fact]
    public void Formatting_never_breaks_a_header_line()
    {
        var evil = new HeaderMailbox("x\r\nBcc: victim@example.com", new Mailbox("a", "b.example"));
        var text = evil.ToString();
        Assert.DoesNotContain('\r', text);
        Assert.DoesNotContain('\n', text);
        Assert.True(HeaderAddressParser.TryParseAddressList(text, false, out var back, out var error), error);
        Assert.Single(back);
    }
}
