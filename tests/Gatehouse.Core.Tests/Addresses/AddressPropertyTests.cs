using FsCheck;
using FsCheck.Fluent;
using Gatehouse.Core.Addresses;
using Gatehouse.Core.Tests.Support;

namespace Gatehouse.Core.Tests.Addresses;

/// <summary>
/// Properties of typed addresses, IMCEA, one-offs, proxy strings and header addresses: encodings
/// round-trip, what is written is read back the same, and no parser throws on any input.
/// </summary>
public class AddressPropertyTests
{
    private static readonly Gen<char> Printable = Gen.Frequency(
        (8, Gen.Choose(' ', '~').Select(c => (char)c)),
        (2, Gen.Elements('é', 'ß', '用', 'Ω', '\u00a0', 'ı', 'İ')));

    private static readonly Gen<string> Text = Printable.ListOf().Select(cs => new string([.. cs]));

    private static readonly Gen<string> Atext = Gen.Elements("abcxyzABCXYZ0189!#$%&'*+-/=?^_`{|}~".ToCharArray().Select(c => c.ToString()).ToArray())
        .NonEmptyListOf().Select(string.Concat);

    private static readonly Gen<string> Domain = Gen.Frequency(
        (6, Gen.Elements("example", "a", "b-c", "xn--bcher-kva", "123", "Mail", "bücher").NonEmptyListOf().Select(ls => string.Join('.', ls))),
        (1, Gen.Elements("[192.0.2.1]", "[IPv6:2001:db8::1]", "[IPv6:::ffff:10.0.0.1]")));

    private static readonly Gen<string> SmtpValue =
        from local in Gen.OneOf(
            Atext.NonEmptyListOf().Select(atoms => string.Join('.', atoms)),
            Text.Select(q => "\"" + q.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\""))
        from domain in Domain
        select local + "@" + domain;

    private static readonly Gen<string> X400Value =
        from attributes in (
            from name in Gen.Elements("c", "a", "p", "o", "ou1", "ou", "s", "g", "i", "q", "cn", "dda:SMTP")
            from value in Text.Select(v => v.Replace(";", "", StringComparison.Ordinal))
            select name + "=" + value).NonEmptyListOf()
        from trailing in Gen.Elements("", ";")
        select string.Join(';', attributes) + trailing;

    private static readonly Gen<string> DnValue =
        Gen.Elements("O=ORG", "OU=SITE", "CN=RECIPIENTS", "CN=alias", "ou=Exchange Administrative Group (FYDIBOHF23SPDLT)", "cn=Jörg")
            .NonEmptyListOf().Select(rdns => "/" + string.Join('/', rdns));

    private static readonly Gen<string> TypeName = Gen.Frequency(
        (6, Gen.Elements("SMTP", "X400", "EX", "X500", "MS", "CCMAIL", "NOTES", "FAX", "SMTPOUT", "smtpout")),
        (1, from first in Gen.Elements("aZqX".ToCharArray())
            from rest in Gen.Elements("abzAZ09".ToCharArray()).ListOf()
            select first + new string([.. rest.Take(AddressType.MaxLength - 1)])));

    private static readonly Gen<TypedAddress?> Typed =
        from name in TypeName
        let type = AddressType.Parse(name)
        from value in type.IsSmtp ? SmtpValue
            : type == AddressType.X400 ? X400Value
            : type == AddressType.Ex || type == AddressType.X500 ? DnValue
            : Gen.Frequency((3, Text), (1, Gen.Elements("MSNET/MSPO/MYNAME", "Smith, John at PO1", "John Smith/Org@Domain", "+1 (425) 555-0100", "a\ud83d\ude00b")))
        select TypedAddress.TryCreate(type, value, out var a, out _) ? a : null;

    // Fragments on every parser's decision points, so random strings reach deep states.
    private static readonly string[] Tokens =
    [
        "<", ">", "@", "\"", "\\", "[", "]", ":", ";", ",", ".", "(", ")", " ", "\t", "\r\n", "\r\n ", "\n", "\r",
        "IMCEA", "IMCEASMTP-", "imceaex-", "+", "+4", "+40", "+2e", "+zz", "_", "-", "%", "!", "=?utf-8?q?a?=",
        "SMTP:", "smtp:", "Smtp:", "X400:", "[SMTPOUT:", "IPv6:", "postmaster", "a", "Z", "0", "é", "用", "\u0085", "\0",
        "\ud800", "\udc00", "\ud83d\ude00", "c=US", "a= ", "/O=ORG", "example.com", "192.0.2.1",
    ];

    private static readonly Gen<string> Hostile = Gen.Frequency(
        (4, Gen.Elements(Tokens).ListOf().Select(string.Concat)),
        (1, Gen.Choose(0, 0xFFFF).Select(c => (char)c).ArrayOf().Select(cs => new string(cs))));

    [Fact]
    public void Imcea_encoding_round_trips_arbitrary_octets()
    {
        var octets = Gen.Choose(0, 255).Select(b => (byte)b).ArrayOf();
        Check.One(Properties.Deterministic(2000), Prop.ForAll(octets.ToArbitrary(), bytes =>
        {
            var encoded = Imcea.EncodeValue(bytes);
            Assert.All(encoded, c => Assert.True(char.IsAsciiLetterOrDigit(c) || c is '-' or '=' or '_' or '+', encoded));
            Assert.True(Imcea.TryDecodeValue(encoded, out var back, out var error), error);
            Assert.Equal(bytes, back);
            // Hex digits in lower case decode the same (only the escapes are touched here).
            var lowerHex = System.Text.RegularExpressions.Regex.Replace(encoded, @"\+[0-9A-F]{2}", m => m.Value.ToLowerInvariant());
            Assert.True(Imcea.TryDecodeValue(lowerHex, out back, out _));
            Assert.Equal(bytes, back);
        }));
    }

    [Fact]
    public void Imcea_encapsulation_round_trips_every_type()
    {
        var decapsulated = 0;
        Check.One(Properties.Deterministic(3000), Prop.ForAll(Typed.ToArbitrary(), address =>
        {
            if (address is null) return;
            if (!Imcea.TryEncapsulate(address, "Local.Example", out var mailbox, out var error))
            {
                Assert.Contains("cap", error, StringComparison.Ordinal);
                return;
            }
            // The encapsulated form is a plain ASCII mailbox that the SMTP parser accepts without SMTPUTF8.
            Assert.True(SmtpPathParser.TryParseMailbox(mailbox.ToWire(), utf8: false, out var parsed, out error), $"{mailbox}: {error}");
            Assert.Equal(mailbox, parsed);
            var result = Imcea.Decapsulate(parsed, d => d == "local.example");
            Assert.True(result.Status == ImceaStatus.Decapsulated, $"{address} → {mailbox}: {result.Error}");
            Assert.Equal(address, result.Address);
            Assert.Equal(address.Value, result.Address!.Value);
            Assert.Equal(address.Type, result.Address.Type);
            decapsulated++;
        }));
        Assert.True(decapsulated > 2000, $"only {decapsulated} generated addresses were encapsulated");
    }

    [Fact]
    public void One_offs_and_proxy_strings_format_and_parse_back()
    {
        var seen = 0;
        Check.One(Properties.Deterministic(3000), Prop.ForAll(Typed.ToArbitrary(), Gen.Elements(true, false).ToArbitrary(), (address, primary) =>
        {
            if (address is null) return;
            seen++;
            var oneOff = OneOffAddress.Format(address);
            Assert.True(OneOffAddress.TryParse(oneOff, out var back, out var error), $"{oneOff}: {error}");
            Assert.Equal(address, back);
            Assert.Equal(oneOff, OneOffAddress.Format(back));

            var proxy = new ProxyAddress(address, primary).ToString();
            Assert.True(ProxyAddress.TryParse(proxy, out var p, out error), $"{proxy}: {error}");
            Assert.Equal(new ProxyAddress(address, primary), p);
            Assert.Equal(proxy, p.ToString());

            Assert.True(TypedAddress.TryParse(address.ToString(), out var typed, out error), error);
            Assert.Equal(address, typed);
        }));
        Assert.True(seen > 2000, $"only {seen} generated addresses were valid");
    }

    private static readonly Gen<string> DisplayName = Gen.OneOf(
        Atext.NonEmptyListOf().Select(ws => string.Join(' ', ws)),
        Text.Select(t => "\"" + t.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\""),
        Gen.Elements("Joe Q. Public", "=?utf-8?q?J=C3=B6rg?=", "Who?", "\"\"", "A (comment) B"));

    private static readonly Gen<string> HeaderMailboxText = Gen.OneOf(
        SmtpValue,
        from name in DisplayName from addr in SmtpValue select name + " <" + addr + ">",
        from name in DisplayName from addr in SmtpValue select name + "<@route.example:" + addr + "> (comment)");

    private static readonly Gen<string> HeaderListText =
        Gen.OneOf(
            HeaderMailboxText,
            from name in DisplayName from members in HeaderMailboxText.ListOf() select name + ": " + string.Join(", ", members) + ";")
        .NonEmptyListOf().Select(items => string.Join(", ", items));

    [Fact]
    public void Header_address_lists_format_and_parse_back()
    {
        var parsed = 0;
        Check.One(Properties.Deterministic(2000), Prop.ForAll(HeaderListText.ToArbitrary(), text =>
        {
            if (!HeaderAddressParser.TryParseAddressList(text, utf8: true, out var list, out _)) return;
            parsed++;
            var formatted = HeaderAddress.FormatList(list);
            Assert.True(HeaderAddressParser.TryParseAddressList(formatted, utf8: true, out var again, out var error), $"{text} → {formatted}: {error}");
            Assert.Equal(list, again);
            Assert.Equal(formatted, HeaderAddress.FormatList(again));
        }));
        Assert.True(parsed > 1000, $"only {parsed} generated lists parsed");
    }

    [Fact]
    public void No_parser_throws_on_random_input()
    {
        Check.One(Properties.Deterministic(4000), Prop.ForAll(Hostile.ToArbitrary(), Gen.Elements(true, false).ToArbitrary(), (s, utf8) =>
        {
            foreach (var text in new[] { s, "<" + s + ">", s + "@local.example", "[" + s + "]", "SMTP:" + s, "IMCEASMTP-" + s })
            {
                Refusal(HeaderAddressParser.TryParseAddressList(text, utf8, out var list, out var error), error);
                if (list.Count > 0) _ = HeaderAddress.FormatList(list);
                Refusal(HeaderAddressParser.TryParseMailboxList(text, utf8, out _, out error), error);
                Refusal(HeaderAddressParser.TryParseMailbox(text, utf8, out _, out error), error);
                Refusal(OneOffAddress.TryParse(text, out _, out error), error);
                Refusal(ProxyAddress.TryParse(text, out _, out error), error);
                Refusal(TypedAddress.TryParse(text, out _, out error), error);
                Refusal(AddressType.TryParse(text, out _, out error), error);
                Refusal(Imcea.TryDecodeValue(text, out _, out error), error);
                var decoded = Imcea.Decode(text);
                Assert.Equal(decoded.Status == ImceaStatus.Malformed, decoded.Error != "");
                Assert.Equal(decoded.Status == ImceaStatus.Decapsulated, decoded.Address is not null);
                foreach (var options in new[] { SenderRoutingOptions.Default, new SenderRoutingOptions { AllowPercentHack = true, SwapBangPath = true } })
                {
                    var r = SenderRoutingClassifier.Classify(new Mailbox(text, "local.example"), options, text);
                    Assert.True(r.Hidden is not null || !r.Honoured);
                }
            }
        }));

        static void Refusal(bool ok, string error) => Assert.True(ok || error.Length > 0, "a refusal must say why");
    }

    [Fact]
    public void Typed_address_equality_agrees_with_hash_and_key()
    {
        Check.One(Properties.Deterministic(1000), Prop.ForAll(Typed.ToArbitrary(), Gen.Elements(0, 1, 2).ToArbitrary(), (address, variant) =>
        {
            if (address is null) return;
            // Changing the case of an SMTP/EX/other value never changes which address it is (X400 names and values too).
            var changed = variant switch
            {
                0 => address.Value.ToUpperInvariant(),
                1 => address.Value.ToLowerInvariant(),
                _ => address.Value,
            };
            // Case mappings that do not survive a round trip (İ → i → I) are outside the rule.
            if (changed.ToUpperInvariant() != address.Value.ToUpperInvariant()) return;
            if (!TypedAddress.TryCreate(address.Type, changed, out var other, out _)) return;
            if (address.Type.IsSmtp && other.Mailbox!.Domain != address.Mailbox!.Domain) return; // IDNA of a re-cased U-label
            Assert.Equal(address, other);
            Assert.Equal(address.GetHashCode(), other.GetHashCode());
        }));
    }
}
