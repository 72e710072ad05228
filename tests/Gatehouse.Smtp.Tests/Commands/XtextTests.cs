using FsCheck;
using FsCheck.Fluent;
using Gatehouse.Smtp.Commands;
using Gatehouse.Smtp.Tests.Support;

namespace Gatehouse.Smtp.Tests.Commands;

public class XtextTests
{
    [Theory]
    [InlineData("", "")]
    [InlineData("abc", "abc")]
    [InlineData("QQ314159", "QQ314159")]
    [InlineData("a+2Bb", "a+b")]
    [InlineData("+3D", "=")]
    [InlineData("+20", " ")]
    [InlineData("user+40example.com", "user@example.com")]
    [InlineData("+C3+A9", "é")]
    [InlineData("+E7+94+A8", "用")]
    [InlineData("+F0+9F+93+A7", "📧")]
    [InlineData("+2b", "+")] // lower-case hex is tolerated: it is unambiguous
    [InlineData("!~<>\"", "!~<>\"")]
    public void Decodes(string xtext, string value)
    {
        Assert.True(Xtext.TryDecode(xtext, out var decoded));
        Assert.Equal(value, decoded);
    }

    [Theory]
    [InlineData("+")]
    [InlineData("+2")]
    [InlineData("a+")]
    [InlineData("+2G")]
    [InlineData("+G2")]
    [InlineData("+ 2")]
    [InlineData("a=b")]
    [InlineData("a b")]
    [InlineData("a\tb")]
    [InlineData("\u007f")]
    [InlineData("é")]
    [InlineData("+FF")] // not UTF-8
    [InlineData("+C3")] // truncated UTF-8
    [InlineData("+ED+A0+80")] // encoded surrogate
    public void Refuses_malformed_xtext(string xtext)
    {
        Assert.False(Xtext.TryDecode(xtext, out var decoded));
        Assert.Equal("", decoded);
    }

    [Theory]
    [InlineData("", "")]
    [InlineData("abc", "abc")]
    [InlineData("a+b=c", "a+2Bb+3Dc")]
    [InlineData("a b", "a+20b")]
    [InlineData("user@example.com", "user@example.com")]
    [InlineData("é", "+C3+A9")]
    [InlineData("\r\n", "+0D+0A")]
    [InlineData("\u007f", "+7F")]
    public void Encodes_with_upper_case_hex(string value, string xtext) =>
        Assert.Equal(xtext, Xtext.Encode(value));

    // Any Unicode text, including astral characters, but never a lone surrogate (not encodable as UTF-8).
    private static readonly Gen<string> UnicodeText =
        Gen.Frequency(
                (6, Gen.Choose(0, 0x7f)),
                (2, Gen.Choose(0x80, 0xd7ff)),
                (1, Gen.Choose(0xe000, 0xfffd)),
                (1, Gen.Choose(0x10000, 0x10ffff)))
            .ListOf()
            .Select(cps => string.Concat(cps.Select(char.ConvertFromUtf32)));

    [Fact]
    public void Decode_of_encode_is_identity()
    {
        Check.One(Properties.Deterministic(2000), Prop.ForAll(UnicodeText.ToArbitrary(), value =>
        {
            var xtext = Xtext.Encode(value);
            Assert.All(xtext, c => Assert.True(c is >= '!' and <= '~' && c != '=', $"'{c}' in {xtext}"));
            Assert.True(Xtext.TryDecode(xtext, out var decoded), xtext);
            Assert.Equal(value, decoded);
        }));
    }

    [Fact]
    public void Lower_case_escapes_decode_like_upper_case()
    {
        Check.One(Properties.Deterministic(1000), Prop.ForAll(UnicodeText.ToArbitrary(), value =>
        {
            var lower = System.Text.RegularExpressions.Regex.Replace(Xtext.Encode(value), @"\+[0-9A-F]{2}", m => m.Value.ToLowerInvariant());
            Assert.True(Xtext.TryDecode(lower, out var decoded), lower);
            Assert.Equal(value, decoded);
        }));
    }

    [Fact]
    public void Random_strings_never_throw()
    {
        var chars = Gen.Elements('+', '=', 'A', 'f', '0', '9', 'G', ' ', 'é', '\0', '~');
        Check.One(Properties.Deterministic(2000), Prop.ForAll(chars.ListOf().Select(cs => new string([.. cs])).ToArbitrary(), s =>
        {
            if (Xtext.TryDecode(s, out var v)) Assert.Equal(v, Xtext.TryDecode(Xtext.Encode(v), out var again) ? again : null);
        }));
    }
}
