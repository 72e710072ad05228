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
    public void Parses_forward_paths(string text, string local, string domain)
    {
        var pos = 0;
        Assert.True(SmtpPathParser.TryParseForwardPath(text, ref pos, utf8: false, out var m, out var error), error);
        Assert.Equal(local, m.LocalPart);
        Assert.Equal(domain, m.Domain);
        Assert.Equal(text.Length, pos);
    }

    [Theory]
    [InlineData("user@example.com")]
    [InlineData("<user@example.com")]
    [InlineData("<user@>")]
    [InlineData("<@example.com>")]
    [InlineData("<user..x@example.com>")]
    [InlineData("<.user@example.com>")]
    [InlineData("<user@-bad.com>")]
    [InlineData("<user@[300.1.1.1]>")]
    [InlineData("<user@[IPv6:zz]>")]
    [InlineData("<\"unterminated@example.com>")]
    [InlineData("<usér@example.com>")]
    [InlineData("<user@exämple.com>")]
    public void Refuses_malformed_paths_without_throwing(string text)
    {
        var pos = 0;
        Assert.False(SmtpPathParser.TryParseForwardPath(text, ref pos, utf8: false, out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
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

    [Fact]
    public void Smtputf8_allows_utf8_and_converts_idn_to_a_labels()
    {
        var pos = 0;
        Assert.True(SmtpPathParser.TryParseForwardPath("<usér@exämple.com>", ref pos, utf8: true, out var m, out var error), error);
        Assert.Equal("usér", m.LocalPart);
        Assert.Equal("xn--exmple-cua.com", m.Domain);
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
}
