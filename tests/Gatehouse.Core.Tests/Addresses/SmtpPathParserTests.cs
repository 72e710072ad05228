using Gatehouse.Core.Addresses;

namespace Gatehouse.Core.Tests.Addresses;

public class SmtpPathParserTests
{
    [Theory]
    [InlineData("<user@example.com>", "user", "example.com")]
    [InlineData("<User@EXAMPLE.com>", "User", "example.com")]
    [InlineData("<\"john doe\"@example.com>", "john doe", "example.com")]
    [InlineData("<\"abc\"@x.org>", "abc", "x.org")]
    [InlineData("<@relay.one,@relay.two:user@example.com>", "user", "example.com")]
    [InlineData("<user@[127.0.0.1]>", "user", "[127.0.0.1]")]
    [InlineData("<user@[IPv6:::1]>", "user", "[IPv6:::1]")]
    [InlineData("<a.b.c@sub.example.co.uk>", "a.b.c", "sub.example.co.uk")]
    [InlineData("<!#$%&'*+-/=?^_`{|}~@x.org>", "!#$%&'*+-/=?^_`{|}~", "x.org")]
    [InlineData("<\"a\\\"b\"@x.org>", "a\"b", "x.org")]
    [InlineData("<\"a\\\\b\"@x.org>", "a\\b", "x.org")]
    [InlineData("<\"\\a\"@x.org>", "a", "x.org")]
    [InlineData("<\"john..doe\"@x.org>", "john..doe", "x.org")]
    [InlineData("<\".dot\"@x.org>", ".dot", "x.org")]
    [InlineData("<\"a@b\"@x.org>", "a@b", "x.org")]
    [InlineData("<\"<>\"@x.org>", "<>", "x.org")]
    [InlineData("<@relay.example:user@example.com>", "user", "example.com")]
    [InlineData("<@RELAY.example,@b,@c:u@d.example>", "u", "d.example")]
    [InlineData("<user@[10.0.0.1]>", "user", "[10.0.0.1]")]
    [InlineData("<user@[255.255.255.255]>", "user", "[255.255.255.255]")]
    [InlineData("<user@[0.0.0.0]>", "user", "[0.0.0.0]")]
    [InlineData("<user@[IPv6:2001:db8::1]>", "user", "[IPv6:2001:db8::1]")]
    [InlineData("<user@[IPv6:2001:DB8:0:0:0:0:0:1]>", "user", "[IPv6:2001:db8::1]")]
    [InlineData("<user@[ipv6:::1]>", "user", "[IPv6:::1]")]
    [InlineData("<user@[IPv6:::ffff:192.0.2.1]>", "user", "[IPv6:::ffff:192.0.2.1]")]
    [InlineData("<user@EXAMPLE.COM>", "user", "example.com")]
    [InlineData("<user@xn--bcher-kva.example>", "user", "xn--bcher-kva.example")]
    [InlineData("<user@a-b.example>", "user", "a-b.example")]
    [InlineData("<user@a--b.example>", "user", "a--b.example")]
    [InlineData("<user@123.example>", "user", "123.example")]
    [InlineData("<user@localhost>", "user", "localhost")]
    [InlineData("<postmaster@example.com>", "postmaster", "example.com")]
    [InlineData("<IMCEASMTP-user+40ext+2Ecom@local.example>", "IMCEASMTP-user+40ext+2Ecom", "local.example")]
    public void Parses_forward_paths(string text, string local, string domain)
    {
        var pos = 0;
        Assert.True(SmtpPathParser.TryParseForwardPath(text, ref pos, utf8: false, out var m, out var error), error);
        Assert.Equal(local, m.LocalPart);
        Assert.Equal(domain, m.Domain);
        Assert.Equal(text.Length, pos);
        Assert.Equal("", error);
    }

    // RFC 5321 4.1.3 Snum is decimal: a leading zero must not turn an octet into octal as inet_aton would.
    [Theory]
    [InlineData("<user@[010.0.0.1]>", "[10.0.0.1]")]
    [InlineData("<user@[192.168.001.010]>", "[192.168.1.10]")]
    [InlineData("<user@[000.000.000.001]>", "[0.0.0.1]")]
    public void Ipv4_literals_with_leading_zeros_are_decimal(string text, string domain)
    {
        var pos = 0;
        Assert.True(SmtpPathParser.TryParseForwardPath(text, ref pos, utf8: false, out var m, out var error), error);
        Assert.Equal(domain, m.Domain);
    }

    [Theory]
    [InlineData("")]
    [InlineData("<")]
    [InlineData(">")]
    [InlineData("<>")]
    [InlineData("user@example.com")]
    [InlineData("<user@example.com")]
    [InlineData("<user@>")]
    [InlineData("<user>")]
    [InlineData("<@example.com>")]
    [InlineData("<user..x@example.com>")]
    [InlineData("<.user@example.com>")]
    [InlineData("<user.@example.com>")]
    [InlineData("<user@-bad.com>")]
    [InlineData("<user@bad-.com>")]
    [InlineData("<user@x..com>")]
    [InlineData("<user@.x.com>")]
    [InlineData("<user@x.com.>")]
    [InlineData("<user@x_y.com>")]
    [InlineData("<user@@x.com>")]
    [InlineData("< user@x.com>")]
    [InlineData("<user@x.com >")]
    [InlineData("<user @x.com>")]
    [InlineData("<us er@x.com>")]
    [InlineData("<a\"b@x.com>")]
    [InlineData("<a\\b@x.com>")]
    [InlineData("<user@[300.1.1.1]>")]
    [InlineData("<user@[1.2.3]>")]
    [InlineData("<user@[1.2.3.4.5]>")]
    [InlineData("<user@[1.2.3.256]>")]
    [InlineData("<user@[1.2.3.4>")]
    [InlineData("<user@[1.2.3.-4]>")]
    [InlineData("<user@[1.2.3.0004]>")]
    [InlineData("<user@[0x7f.0.0.1]>")]
    [InlineData("<user@[2130706433]>")]
    [InlineData("<user@[]>")]
    [InlineData("<user@[IPv6:zz]>")]
    [InlineData("<user@[IPv6:1.2.3.4]>")]
    [InlineData("<user@[IPv6:::1%eth0]>")]
    [InlineData("<user@[IPv6:]>")]
    [InlineData("<user@[::1]>")]
    [InlineData("<user@[tag:general]>")]
    [InlineData("<user@[127.0.0.1]x>")]
    [InlineData("<@x.com:>")]
    [InlineData("<@x.com,user@y.com>")]
    [InlineData("<@x.com user@y.com>")]
    [InlineData("<@:user@x.com>")]
    [InlineData("<@x.com,:user@y.com>")]
    [InlineData("<@[1.2.3.4]:user@y.com>")]
    [InlineData("<\"unterminated@example.com>")]
    [InlineData("<\"a\\\u0001\"@x.com>")]
    [InlineData("<\"a\u0001\"@x.com>")]
    [InlineData("<\"a\tb\"@x.com>")]
    [InlineData("<\"a\"b@x.com>")]
    [InlineData("<\"a\"\"b\"@x.com>")]
    [InlineData("<\"a\\")]
    [InlineData("<user@x.com\0>")]
    [InlineData("<usér@example.com>")]
    [InlineData("<user@exämple.com>")]
    [InlineData("<\"usér\"@example.com>")]
    public void Refuses_malformed_paths_without_throwing(string text)
    {
        var pos = 0;
        Assert.False(SmtpPathParser.TryParseForwardPath(text, ref pos, utf8: false, out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
        Assert.Equal(0, pos);
    }

    [Theory]
    [InlineData("<user@example.com> SIZE=100", 18)]
    [InlineData("<>", 2)]
    [InlineData("<> BODY=8BITMIME", 2)]
    [InlineData("<@a.example:u@b.example>x", 24)]
    public void Reverse_path_stops_after_the_closing_bracket(string text, int end)
    {
        var pos = 0;
        Assert.True(SmtpPathParser.TryParseReversePath(text, ref pos, utf8: false, out _, out var error), error);
        Assert.Equal(end, pos);
    }

    [Fact]
    public void Parsing_starts_at_the_given_position()
    {
        const string Line = "FROM:<a@b.example> SIZE=1";
        var pos = 5;
        Assert.True(SmtpPathParser.TryParseReversePath(Line, ref pos, utf8: false, out var m, out _));
        Assert.Equal(new Mailbox("a", "b.example"), m);
        Assert.Equal(18, pos);
    }

    [Fact]
    public void Local_part_over_64_octets_is_refused_but_imcea_may_be_longer()
    {
        var pos = 0;
        Assert.False(SmtpPathParser.TryParseForwardPath("<" + new string('a', 65) + "@x.com>", ref pos, false, out _, out var e));
        Assert.Contains("64", e);
        pos = 0;
        Assert.True(SmtpPathParser.TryParseForwardPath("<IMCEASMTP-" + new string('a', 200) + "@x.com>", ref pos, false, out _, out _));
    }

    [Theory]
    [InlineData(64, true)]
    [InlineData(65, false)]
    public void Local_part_limit_is_64_octets(int length, bool ok) =>
        Assert.Equal(ok, SmtpPathParser.TryParseMailbox(new string('a', length) + "@x.example", utf8: false, out _, out _));

    [Theory]
    [InlineData(32, true)] // 32 two-octet characters are exactly 64 octets
    [InlineData(33, false)]
    public void Local_part_limit_counts_utf8_octets_not_characters(int characters, bool ok) =>
        Assert.Equal(ok, SmtpPathParser.TryParseMailbox(new string('é', characters) + "@x.example", utf8: true, out _, out _));

    [Fact]
    public void Quoted_local_part_limit_counts_the_decoded_local_part()
    {
        // 62 characters plus one escaped quote and one space decode to 64 octets; the wire form is longer.
        var local = new string('a', 62) + "\\\" ";
        Assert.True(SmtpPathParser.TryParseMailbox("\"" + local + "\"@x.example", utf8: false, out var m, out var error), error);
        Assert.Equal(64, m.LocalPart.Length);
        Assert.False(SmtpPathParser.TryParseMailbox("\"" + local + "b\"@x.example", utf8: false, out _, out _));
    }

    [Theory]
    [InlineData("IMCEASMTP-", 1024, true)]
    [InlineData("IMCEASMTP-", 1025, false)]
    [InlineData("imceaEX-", 1024, true)]
    public void Imcea_local_part_limit_is_1024_octets(string prefix, int length, bool ok)
    {
        var local = prefix + new string('a', length - prefix.Length);
        Assert.Equal(ok, SmtpPathParser.TryParseMailbox(local + "@x.example", utf8: false, out _, out _));
    }

    [Fact]
    public void Domain_labels_are_at_most_63_octets()
    {
        Assert.True(SmtpPathParser.TryParseMailbox("u@" + new string('a', 63) + ".example", false, out _, out _));
        Assert.False(SmtpPathParser.TryParseMailbox("u@" + new string('a', 64) + ".example", false, out _, out var e));
        Assert.Contains("sub-domain", e);
    }

    [Fact]
    public void Domain_is_at_most_255_octets()
    {
        var label = new string('a', 63);
        var d255 = string.Join('.', label, label, label, label); // 4 * 63 + 3 dots
        Assert.Equal(255, d255.Length);
        Assert.True(SmtpPathParser.TryParseMailbox("u@" + d255, false, out var m, out var error), error);
        Assert.Equal(d255, m.Domain);
        Assert.False(SmtpPathParser.TryParseMailbox("u@b" + d255, false, out _, out error));
        Assert.Contains("255", error);
    }

    [Theory]
    [InlineData("example.com", true)]
    [InlineData("a", true)]
    [InlineData("a-b.c", true)]
    [InlineData("", false)]
    [InlineData(".", false)]
    [InlineData("a.", false)]
    [InlineData(".a", false)]
    [InlineData("-a", false)]
    [InlineData("a-", false)]
    [InlineData("a_b", false)]
    [InlineData("a b", false)]
    [InlineData("[1.2.3.4]", false)]
    [InlineData("bücher.example", false)]
    public void Ascii_domain_syntax(string domain, bool ok)
    {
        Assert.Equal(ok, SmtpPathParser.IsAsciiDomain(domain, out var error));
        Assert.Equal(ok, error.Length == 0);
    }

    [Fact]
    public void Smtputf8_allows_utf8_and_converts_idn_to_a_labels()
    {
        var pos = 0;
        Assert.True(SmtpPathParser.TryParseForwardPath("<usér@exämple.com>", ref pos, utf8: true, out var m, out var error), error);
        Assert.Equal("usér", m.LocalPart);
        Assert.Equal("xn--exmple-cua.com", m.Domain);
        Assert.True(m.IsInternational);
    }

    [Theory]
    [InlineData("<user@bücher.example>", "user", "xn--bcher-kva.example")]
    [InlineData("<user@BÜCHER.example>", "user", "xn--bcher-kva.example")]
    [InlineData("<user@münchen.de>", "user", "xn--mnchen-3ya.de")]
    [InlineData("<δοκιμή@παράδειγμα.δοκιμή>", "δοκιμή", "xn--hxajbheg2az3al.xn--jxalpdlp")]
    [InlineData("<\"ü ser\"@x.example>", "ü ser", "x.example")]
    [InlineData("<用户@x.example>", "用户", "x.example")]
    public void Smtputf8_paths(string text, string local, string domain)
    {
        var pos = 0;
        Assert.True(SmtpPathParser.TryParseForwardPath(text, ref pos, utf8: true, out var m, out var error), error);
        Assert.Equal(local, m.LocalPart);
        Assert.Equal(domain, m.Domain);
    }

    [Theory]
    [InlineData("<user@ex\u2028ample.com>")] // a line separator is not a letter of any domain
    [InlineData("<user@-ü.example>")]
    [InlineData("<user@ü-.example>")]
    [InlineData("<user@ex\u00a0ample.com>")]
    [InlineData("<us\u0085er@x.example>")] // NEL is a C1 control, not atext
    [InlineData("<\"us\u0085er\"@x.example>")]
    public void Smtputf8_still_refuses_what_is_not_a_name(string text)
    {
        var pos = 0;
        Assert.False(SmtpPathParser.TryParseForwardPath(text, ref pos, utf8: true, out _, out var error));
        Assert.NotEqual("", error);
    }

    [Theory]
    [InlineData("<usér@example.com>", "SMTPUTF8")]
    [InlineData("<user@exämple.com>", "SMTPUTF8")]
    public void Non_ascii_without_smtputf8_names_the_extension(string text, string expected)
    {
        var pos = 0;
        Assert.False(SmtpPathParser.TryParseForwardPath(text, ref pos, utf8: false, out _, out var error));
        Assert.Contains(expected, error);
    }

    [Fact]
    public void Null_reverse_path_and_bare_postmaster()
    {
        var pos = 0;
        Assert.True(SmtpPathParser.TryParseReversePath("<>", ref pos, false, out var from, out _));
        Assert.Null(from);
        pos = 0;
        Assert.True(SmtpPathParser.TryParseForwardPath("<Postmaster>", ref pos, false, out var pm, out _));
        Assert.Equal("", pm.Domain);
        pos = 0;
        Assert.False(SmtpPathParser.TryParseReversePath("<Postmaster>", ref pos, false, out _, out _));
    }

    [Theory]
    [InlineData("<postmaster>", "postmaster")]
    [InlineData("<POSTMASTER>", "POSTMASTER")]
    [InlineData("<PostMaster>", "PostMaster")]
    [InlineData("<@relay.example:Postmaster>", "Postmaster")]
    public void Bare_postmaster_is_case_insensitive(string text, string local)
    {
        var pos = 0;
        Assert.True(SmtpPathParser.TryParseForwardPath(text, ref pos, utf8: false, out var m, out var error), error);
        Assert.Equal(new Mailbox(local, ""), m);
        Assert.Equal(text.Length, pos);
    }

    // Only the ASCII word is the RFC 5321 4.1.1.3 exception; look-alikes must not slip past the SMTPUTF8 check.
    [Theory]
    [InlineData("<poſtmaster>")]
    [InlineData("<postmaſter>")]
    [InlineData("<Postmaster >")]
    [InlineData("<postmasters>")]
    public void Only_the_ascii_word_postmaster_may_stand_without_a_domain(string text)
    {
        var pos = 0;
        Assert.False(SmtpPathParser.TryParseForwardPath(text, ref pos, utf8: false, out _, out _));
        pos = 0;
        Assert.False(SmtpPathParser.TryParseForwardPath(text, ref pos, utf8: true, out _, out _));
    }

    [Theory]
    [InlineData("user@example.com", true)]
    [InlineData("\"a b\"@example.com", true)]
    [InlineData("<user@example.com>", false)]
    [InlineData("user@example.com ", false)]
    [InlineData("user@example.com>", false)]
    [InlineData("user", false)]
    [InlineData("Postmaster", false)]
    [InlineData("", false)]
    public void Parses_a_bare_mailbox_only_when_it_is_the_whole_string(string text, bool ok)
    {
        Assert.Equal(ok, SmtpPathParser.TryParseMailbox(text, utf8: false, out _, out var error));
        Assert.Equal(ok, error.Length == 0);
    }
}
