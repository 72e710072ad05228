using System.Text;
using Gatehouse.Core.Addresses;

namespace Gatehouse.Core.Tests.Addresses;

/// <summary>IMCEA encapsulation (MS-OXCMAIL 2.1.3.1.8, 2.2.3.1.2) against the Knowledge Base vectors and its error cases.</summary>
public class ImceaTests
{
    private static bool Ours(string domain) => domain is "domain" or "domain.com" or "company.com" or "local.example";

    // The three vectors of issue 3, both ways.
    [Theory]
    [InlineData("SMTP", "swadmin@corporate.com", "domain", "IMCEASMTP-swadmin+40corporate+2Ecom@domain")]
    [InlineData("EX", "/O=ORG/OU=SITE/CN=RECIPIENTS/CN=ALIAS", "domain.com", "IMCEAEX-_O=ORG_OU=SITE_CN=RECIPIENTS_CN=ALIAS@domain.com")]
    [InlineData("MS", "MSNET/MSPO/MYNAME", "company.com", "IMCEAMS-MSNET_MSPO_MYNAME@company.com")]
    [InlineData("FAX", "1234567890", "MyDomain.com", "IMCEAFAX-1234567890@mydomain.com")]
    [InlineData("X400", "c=US;a= ;p=Org;o=Site;s=Smith;g=John;", "domain.com", "IMCEAX400-c=US+3Ba=+20+3Bp=Org+3Bo=Site+3Bs=Smith+3Bg=John+3B@domain.com")]
    [InlineData("SMTPOUT", "user@internal.domain.com", "domain.com", "IMCEASMTPOUT-user+40internal+2Edomain+2Ecom@domain.com")]
    public void Knowledge_base_vectors(string type, string value, string domain, string encapsulated)
    {
        var address = TypedAddress.Create(AddressType.Parse(type), value);
        Assert.True(Imcea.TryEncapsulate(address, domain, out var mailbox, out var error), error);
        Assert.Equal(encapsulated, mailbox.ToWire());

        Assert.True(SmtpPathParser.TryParseMailbox(encapsulated, utf8: false, out var parsed, out error), error);
        var result = Imcea.Decapsulate(parsed, d => d == domain.ToLowerInvariant());
        Assert.Equal(ImceaStatus.Decapsulated, result.Status);
        Assert.Equal(address, result.Address);
        Assert.Equal(value, result.Address!.Value);
    }

    [Theory]
    [InlineData("@", "+40")]
    [InlineData(".", "+2E")]
    [InlineData("_", "+5F")]
    [InlineData("+", "+2B")]
    [InlineData(" ", "+20")]
    [InlineData("/", "_")]
    [InlineData("-=", "-=")]
    [InlineData("AZaz09", "AZaz09")]
    [InlineData("é", "+C3+A9")]
    [InlineData("\"", "+22")]
    [InlineData("%!", "+25+21")]
    public void Encoding_table(string value, string encoded) => Assert.Equal(encoded, Imcea.EncodeValue(value));

    [Theory]
    [InlineData("imceasmtp-swadmin+40corporate+2ecom")]
    [InlineData("ImceaSmtp-swadmin+40corporate+2Ecom")]
    [InlineData("IMCEASMTP-swadmin+40corporate.com")]
    [InlineData("IMCEASMTP-swadmin+40CORPORATE+2ECOM")]
    public void Decoding_accepts_any_case_and_unescaped_dots(string local)
    {
        var result = Imcea.Decode(local);
        Assert.Equal(ImceaStatus.Decapsulated, result.Status);
        Assert.Equal(TypedAddress.Create(AddressType.Smtp, "swadmin@corporate.com"), result.Address);
    }

    [Theory]
    [InlineData("IMCEASMTP-user+4", "two hex digits")]
    [InlineData("IMCEASMTP-user+", "two hex digits")]
    [InlineData("IMCEASMTP-user+4G+40x.com", "two hex digits")]
    [InlineData("IMCEASMTP-user+G0x.com", "two hex digits")]
    [InlineData("IMCEASMTP-user+40ext+2", "two hex digits")]
    [InlineData("IMCEASMTP-user@ext.com", "+HH")]
    [InlineData("IMCEASMTP-user ext+40x.com", "+HH")]
    [InlineData("IMCEASMTP-user+FF+40x.com", "UTF-8")]
    [InlineData("IMCEASMTP-user+C3+40x.com", "UTF-8")]
    [InlineData("IMCEASMTP-", "empty")]
    [InlineData("IMCEASMTP-user", "domain")]
    [InlineData("IMCEASMTP-a+40b+40c.com", "")]
    [InlineData("IMCEAFAX-123+0D+0ARCPT", "control")]
    [InlineData("IMCEAEX-O=ORG", "'/'")]
    public void Malformed_encodings_are_errors_not_guesses(string local, string reason)
    {
        var result = Imcea.Decode(local);
        Assert.Equal(ImceaStatus.Malformed, result.Status);
        Assert.Null(result.Address);
        Assert.NotEqual("", result.Error);
        Assert.Contains(reason, result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("user")]
    [InlineData("imcea")]
    [InlineData("IMCEA")]
    [InlineData("IMCEA-user")]
    [InlineData("IMCEASMTP")]
    [InlineData("IMCEA user@domain2.com")]
    [InlineData("IMCEAS MTP-user")]
    [InlineData("IMCEA4SMTP-user")]
    [InlineData("xIMCEASMTP-user+40x.com")]
    public void Not_encapsulated_unless_prefix_type_and_hyphen_match(string local)
    {
        Assert.False(Imcea.IsEncapsulated(local));
        Assert.Equal(ImceaStatus.NotEncapsulated, Imcea.Decode(local).Status);
    }

    [Fact]
    public void Only_our_domains_are_decapsulated()
    {
        var foreign = new Mailbox("IMCEASMTP-user+40ext.com", "elsewhere.example");
        Assert.Equal(ImceaStatus.ForeignDomain, Imcea.Decapsulate(foreign, Ours).Status);
        var ours = new Mailbox("IMCEASMTP-user+40ext.com", "local.example");
        Assert.Equal(ImceaStatus.Decapsulated, Imcea.Decapsulate(ours, Ours).Status);
        Assert.Equal(ImceaStatus.NotEncapsulated, Imcea.Decapsulate(new Mailbox("user", "local.example"), Ours).Status);
    }

    [Fact]
    public void Quoted_and_unquoted_forms_of_the_same_local_part_decode_alike()
    {
        Assert.True(SmtpPathParser.TryParseMailbox("\"IMCEASMTP-user+40ext+2Ecom\"@local.example", false, out var quoted, out _));
        Assert.Equal(TypedAddress.Create(AddressType.Smtp, "user@ext.com"), Imcea.Decapsulate(quoted, Ours).Address);
    }

    [Fact]
    public void Decapsulation_is_one_level()
    {
        // An encapsulated address inside an encapsulated address: the resolver, which bounds its rewrites, looks again.
        var inner = TypedAddress.Create(AddressType.Smtp, "user@ext.com");
        Assert.True(Imcea.TryEncapsulate(inner, "local.example", out var once, out _));
        Assert.True(Imcea.TryEncapsulate(TypedAddress.FromMailbox(once), "local.example", out var twice, out _));
        var first = Imcea.Decapsulate(twice, Ours);
        Assert.Equal(once, first.Address!.Mailbox);
        Assert.Equal(inner, Imcea.Decapsulate(first.Address.Mailbox!, Ours).Address);
    }

    [Fact]
    public void Quoted_local_parts_and_non_ascii_round_trip()
    {
        foreach (var text in new[] { "\"john doe\"@x.com", "\"a\\\"b\"@x.com", "jörg@bücher.example", "用户@例子.example", "user@[IPv6:2001:db8::1]" })
        {
            var a = TypedAddress.Create(AddressType.Smtp, text);
            Assert.True(Imcea.TryEncapsulate(a, "local.example", out var m, out var error), error);
            Assert.True(Ascii.IsValid(m.LocalPart));
            Assert.True(SmtpSyntax.IsDotString(m.LocalPart, allowUtf8: false), m.LocalPart);
            var back = Imcea.Decapsulate(m, Ours);
            Assert.Equal(ImceaStatus.Decapsulated, back.Status);
            Assert.Equal(a.Value, back.Address!.Value);
        }
    }

    [Fact]
    public void Non_ascii_literals_stand_for_their_utf8()
    {
        // An SMTPUTF8 sender may write the non-ASCII characters unescaped.
        var result = Imcea.Decode("IMCEASMTP-jörg+40x.com");
        Assert.Equal(ImceaStatus.Decapsulated, result.Status);
        Assert.Equal("jörg@x.com", result.Address!.Value);
    }

    [Fact]
    public void Encapsulation_respects_the_local_part_cap()
    {
        var ok = TypedAddress.Create(AddressType.Fax, new string('1', SmtpPathParser.MaxImceaLocalPartOctets - "IMCEAFAX-".Length));
        Assert.True(Imcea.TryEncapsulate(ok, "local.example", out var m, out _));
        Assert.Equal(SmtpPathParser.MaxImceaLocalPartOctets, m.LocalPart.Length);
        Assert.True(SmtpPathParser.TryParseMailbox(m.ToWire(), false, out _, out var error), error);

        var tooLong = TypedAddress.Create(AddressType.Fax, new string('1', SmtpPathParser.MaxImceaLocalPartOctets - "IMCEAFAX-".Length + 1));
        Assert.False(Imcea.TryEncapsulate(tooLong, "local.example", out _, out error));
        Assert.Contains("cap", error, StringComparison.Ordinal);

        var escaped = TypedAddress.Create(AddressType.Fax, new string('.', 400));
        Assert.False(Imcea.TryEncapsulate(escaped, "local.example", out _, out _));
    }

    [Theory]
    [InlineData("")]
    [InlineData("-bad.example")]
    [InlineData("a..b")]
    public void Encapsulation_needs_a_valid_domain(string domain) =>
        Assert.False(Imcea.TryEncapsulate(TypedAddress.Create(AddressType.Fax, "1"), domain, out _, out _));

    [Fact]
    public void Lower_case_hex_decodes_to_the_same_octets()
    {
        var octets = Encoding.UTF8.GetBytes("a.b@c_d/é");
        var upper = Imcea.EncodeValue(octets);
        Assert.True(Imcea.TryDecodeValue(upper.ToLowerInvariant(), out var back, out var error), error);
        // Lower-casing also lower-cases the copied letters; compare case-insensitively where letters were copied.
        Assert.Equal(Encoding.UTF8.GetString(octets).ToLowerInvariant(), Encoding.UTF8.GetString(back));
    }
}
