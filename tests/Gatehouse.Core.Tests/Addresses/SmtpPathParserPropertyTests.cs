using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Gatehouse.Core.Addresses;
using Gatehouse.Core.Tests.Support;

namespace Gatehouse.Core.Tests.Addresses;

/// <summary>Properties of the one address parser: it never throws, and what it prints it reads back the same.</summary>
public class SmtpPathParserPropertyTests
{
    // Fragments that sit on the parser's decision points, so random strings reach deep states.
    private static readonly string[] Tokens =
    [
        "<", ">", "@", "\"", "\\", "[", "]", ":", ",", ".", "-", " ", "IPv6:", "IMCEA", "postmaster",
        "a", "Z", "0", "9", "255", "1.2.3.4", "::1", "é", "用", "\u0085", "\0", "\r\n", "\t", "\ud800", "\udc00",
        "xn--", "ſ", "ß", "\uff0e", "%", "+",
    ];

    private static readonly Gen<string> Hostile =
        Gen.Frequency(
            (3, Gen.Elements(Tokens).ListOf().Select(string.Concat)),
            (1, Gen.Choose(0, 0xFFFF).Select(c => (char)c).ArrayOf().Select(cs => new string(cs))));

    [Fact]
    public void Random_strings_never_throw()
    {
        Check.One(Properties.Deterministic(3000), Prop.ForAll(Hostile.ToArbitrary(), Gen.Elements(true, false).ToArbitrary(), (s, utf8) =>
        {
            foreach (var text in new[] { s, "<" + s + ">", "<" + s + "@x.example>", "<u@" + s + ">", "<@" + s + ":u@x.example>" })
            {
                var pos = 0;
                if (SmtpPathParser.TryParseForwardPath(text, ref pos, utf8, out var to, out var error))
                {
                    Assert.NotNull(to);
                    Assert.InRange(pos, 1, text.Length);
                    Assert.Equal('>', text[pos - 1]);
                }
                else
                {
                    Assert.Equal(0, pos);
                    Assert.NotEqual("", error);
                }
                pos = 0;
                SmtpPathParser.TryParseReversePath(text, ref pos, utf8, out _, out _);
                SmtpPathParser.TryParseMailbox(text, utf8, out _, out _);
                SmtpPathParser.IsAsciiDomain(text, out _);
            }
        }));
    }

    [Fact]
    public void Mailbox_to_wire_parses_back_to_the_same_mailbox()
    {
        var parsed = 0;
        Check.One(Properties.Deterministic(3000), Prop.ForAll(MailboxText.ToArbitrary(), text =>
        {
            var pos = 0;
            if (!SmtpPathParser.TryParseForwardPath("<" + text + ">", ref pos, utf8: true, out var m, out _)) return;
            parsed++;
            var wire = m.ToWire();
            pos = 0;
            Assert.True(SmtpPathParser.TryParseForwardPath("<" + wire + ">", ref pos, utf8: true, out var again, out var error), $"{wire}: {error}");
            Assert.Equal(m, again);
            // Canonical means a fixed point: printing the re-parsed mailbox changes nothing.
            Assert.Equal(wire, again.ToWire());
            if (!m.IsInternational)
            {
                pos = 0;
                Assert.True(SmtpPathParser.TryParseForwardPath("<" + wire + ">", ref pos, utf8: false, out again, out error), $"{wire}: {error}");
                Assert.Equal(m, again);
            }
        }));
        // The generator must mostly make valid mailboxes, else the property proves little.
        Assert.True(parsed > 2000, $"only {parsed} generated mailboxes parsed");
    }

    [Fact]
    public void Quoted_local_parts_decode_to_what_was_quoted()
    {
        Check.One(Properties.Deterministic(2000), Prop.ForAll(QuotedContent.ToArbitrary(), local =>
        {
            var text = "\"" + local.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"@x.example";
            var ok = SmtpPathParser.TryParseMailbox(text, utf8: true, out var m, out var error);
            Assert.Equal(Encoding.UTF8.GetByteCount(local) <= SmtpPathParser.MaxLocalPartOctets || local.StartsWith("IMCEA", StringComparison.OrdinalIgnoreCase), ok);
            if (ok) Assert.Equal(local, m.LocalPart);
            else Assert.Contains("octets", error);
        }));
    }

    private static readonly Gen<char> AtextAscii = Gen.Elements("abcxyzABCXYZ0189!#$%&'*+-/=?^_`{|}~".ToCharArray());

    private static readonly Gen<char> QuotedChar = Gen.Frequency(
        (6, Gen.Choose(' ', '~').Select(c => (char)c)),
        (1, Gen.Elements('é', 'ß', '用', 'Ω', '\u00a0')));

    private static readonly Gen<string> QuotedContent = QuotedChar.ListOf().Select(cs => new string([.. cs]));

    private static readonly Gen<string> DotAtom =
        Gen.Frequency((8, AtextAscii), (1, Gen.Elements('é', '用', 'ü')))
            .NonEmptyListOf()
            .Select(cs => new string([.. cs]))
            .ListOf()
            .Where(atoms => atoms.Count > 0)
            .Select(atoms => string.Join('.', atoms));

    private static readonly Gen<string> LocalPart = Gen.OneOf(
        DotAtom,
        QuotedContent.Select(q => "\"" + q.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\""),
        Gen.Elements("postmaster", "IMCEASMTP-a+40b+2Ecom", "\"\"", "\"a..b\"", "\"\\a\\b\""));

    private static readonly Gen<string> Label = Gen.Frequency(
        (6, Gen.Elements("example", "a", "b-c", "xn--bcher-kva", "123", "A0", "Mail")),
        (2, Gen.Elements("bücher", "münchen", "例子", "ÄÖÜ")));

    private static readonly Gen<string> Domain = Gen.OneOf(
        Label.NonEmptyListOf().Select(ls => string.Join('.', ls)),
        Gen.Choose(0, 255).ArrayOf(4).Select(b => "[" + string.Join('.', b) + "]"),
        Gen.Choose(0, 0xFFFF).ArrayOf(8).Select(w => "[IPv6:" + string.Join(':', w.Select(x => x.ToString("x", System.Globalization.CultureInfo.InvariantCulture))) + "]"),
        Gen.Elements("[IPv6:::1]", "[IPv6:::]", "[IPv6:::ffff:10.0.0.1]", "[ipv6:FE80::1]"));

    private static readonly Gen<string> MailboxText =
        from local in LocalPart
        from domain in Domain
        select local + "@" + domain;
}
