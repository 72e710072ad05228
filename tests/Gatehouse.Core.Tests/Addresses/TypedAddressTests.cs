using Gatehouse.Core.Addresses;

namespace Gatehouse.Core.Tests.Addresses;

/// <summary>Address types, typed addresses and their per-type comparison rules, proxy strings, one-offs.</summary>
public class TypedAddressTests
{
    [Theory]
    [InlineData("SMTP", "SMTP")]
    [InlineData("smtp", "SMTP")]
    [InlineData("X400", "X400")]
    [InlineData("ex", "EX")]
    [InlineData("X500", "X500")]
    [InlineData("MS", "MS")]
    [InlineData("ccMail", "CCMAIL")]
    [InlineData("NOTES", "NOTES")]
    [InlineData("fax", "FAX")]
    [InlineData("SMTPOUT", "SMTPOUT")]
    [InlineData("Gw2", "GW2")]
    public void Type_names_are_case_insensitive_and_upper_case(string text, string name)
    {
        Assert.True(AddressType.TryParse(text, out var type, out var error), error);
        Assert.Equal(name, type.Name);
        Assert.Equal(AddressType.Parse(name), type);
    }

    [Fact]
    public void Well_known_types_are_shared_instances()
    {
        Assert.Same(AddressType.Smtp, AddressType.Parse("smtp"));
        Assert.Same(AddressType.X400, AddressType.Parse("x400"));
        Assert.True(AddressType.Parse("Smtp").IsSmtp);
        Assert.False(AddressType.Parse("SMTPOUT").IsSmtp);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("SMTP-OUT", "'-'")]
    [InlineData("SMTP:", "':'")]
    [InlineData("X 400", "letters and digits")]
    [InlineData("X_400", "letters and digits")]
    [InlineData("400", "begin with a letter")]
    [InlineData("ÉX", "begin with a letter")]
    [InlineData("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456", "32")]
    public void Bad_type_names_are_refused_with_a_reason(string text, string reason)
    {
        Assert.False(AddressType.TryParse(text, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => AddressType.Parse(text));
    }

    // type | a | b | equal?
    [Theory]
    [InlineData("SMTP", "user@example.com", "USER@EXAMPLE.COM", true)]
    [InlineData("SMTP", "\"user\"@example.com", "user@Example.Com", true)]
    [InlineData("SMTP", "user@example.com", "user2@example.com", false)]
    [InlineData("SMTP", "user@bücher.example", "USER@xn--bcher-kva.example", true)]
    [InlineData("X400", "c=US;a= ;p=Org;o=Site;s=Smith;g=John", "g=john;s=SMITH;o=site;p=org;a= ;c=us;", true)]
    [InlineData("X400", "c=US;a= ;p=Org", "C=US; A=;P=Org", true)]
    [InlineData("X400", "c=US;a= ;p=Org;o=Site;s=Smith;g=John", "c=US;a= ;p=Org;o=Site;s=Smith;g=Jon", false)]
    [InlineData("X400", "c=US;ou1=A;ou2=B", "ou2=B;c=US;ou1=A", true)]
    [InlineData("X400", "c=US;ou=A;ou=B", "c=US;ou=B;ou=A", false)]
    [InlineData("EX", "/O=ORG/OU=SITE/CN=RECIPIENTS/CN=ALIAS", "/o=org/ou=site/cn=Recipients/cn=alias", true)]
    [InlineData("EX", "/O=ORG/OU=SITE/CN=RECIPIENTS/CN=ALIAS", "/O=ORG/CN=RECIPIENTS/OU=SITE/CN=ALIAS", false)]
    [InlineData("X500", "/o=Org/ou=Site/cn=Recipients/cn=alias", "/O=ORG/OU=SITE/CN=RECIPIENTS/CN=ALIAS", true)]
    [InlineData("MS", "MSNET/MSPO/MYNAME", "msnet/mspo/myname", true)]
    [InlineData("CCMAIL", "Smith, John at PO1", "SMITH, JOHN AT po1", true)]
    [InlineData("NOTES", "John Smith/Org@Domain", "john smith/org@domain", true)]
    [InlineData("FAX", "+1 (425) 555-0100", "  +1 (425) 555-0100 ", true)]
    [InlineData("SMTPOUT", "user@internal.domain.com", "USER@internal.domain.com", true)]
    public void Each_type_has_its_comparison_rule(string type, string a, string b, bool equal)
    {
        var t = AddressType.Parse(type);
        var x = TypedAddress.Create(t, a);
        var y = TypedAddress.Create(t, b);
        Assert.Equal(equal, x.Equals(y));
        Assert.Equal(equal, x == y);
        if (equal) Assert.Equal(x.GetHashCode(), y.GetHashCode());
    }

    [Fact]
    public void The_same_value_under_two_types_is_two_addresses()
    {
        Assert.NotEqual(TypedAddress.Create(AddressType.Smtp, "user@x.com"), TypedAddress.Create(AddressType.Parse("SMTPOUT"), "user@x.com"));
    }

    [Fact]
    public void Smtp_value_is_canonical_but_keeps_the_local_part_case()
    {
        var a = TypedAddress.Create(AddressType.Smtp, " \"John.Smith\"@Example.COM ");
        Assert.Equal("John.Smith@example.com", a.Value);
        Assert.Equal(new Mailbox("John.Smith", "example.com"), a.Mailbox);
        Assert.Equal("SMTP:John.Smith@example.com", a.ToString());
        Assert.Equal(a, TypedAddress.FromMailbox(new Mailbox("john.smith", "example.com")));
        Assert.Null(TypedAddress.Create(AddressType.Fax, "123").Mailbox);
    }

    [Theory]
    [InlineData("SMTP", "", "empty")]
    [InlineData("SMTP", "no-at-sign", "domain")]
    [InlineData("SMTP", "a@b@c.com", "unexpected")]
    [InlineData("X400", "c=US;oops", "no '='")]
    [InlineData("X400", "c=US;;a= ", "no '='")]
    [InlineData("X400", "=US", "attribute name")]
    [InlineData("EX", "O=ORG/CN=X", "'/'")]
    [InlineData("FAX", "   ", "empty")]
    [InlineData("FAX", "123\r\nRCPT TO:<x@y>", "control")]
    [InlineData("NOTES", "a\u0000b", "control")]
    public void Bad_values_are_refused_with_a_reason(string type, string value, string reason)
    {
        Assert.False(TypedAddress.TryCreate(AddressType.Parse(type), value, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Unpaired_surrogates_are_refused()
    {
        // Not an [InlineData]: the test runner would replace a lone surrogate before it reached the test.
        Assert.False(TypedAddress.TryCreate(AddressType.Ms, "a\ud800b", out _, out var error));
        Assert.Contains("surrogate", error, StringComparison.Ordinal);
        Assert.False(TypedAddress.TryCreate(AddressType.Ms, "a\udc00", out _, out _));
        Assert.True(TypedAddress.TryCreate(AddressType.Ms, "a\ud83d\ude00", out _, out error), error);
    }

    [Fact]
    public void Values_are_capped_at_the_imcea_limit()
    {
        Assert.True(TypedAddress.TryCreate(AddressType.Fax, new string('1', TypedAddress.MaxValueOctets), out _, out _));
        Assert.False(TypedAddress.TryCreate(AddressType.Fax, new string('1', TypedAddress.MaxValueOctets + 1), out _, out var error));
        Assert.Contains("1024", error, StringComparison.Ordinal);
        Assert.False(TypedAddress.TryCreate(AddressType.Fax, new string('é', TypedAddress.MaxValueOctets / 2 + 1), out _, out _));
    }

    [Theory]
    [InlineData("SMTP:user@example.com", "SMTP", "user@example.com")]
    [InlineData("smtpout:user@internal.domain.com", "SMTPOUT", "user@internal.domain.com")]
    [InlineData("X400:c=US;a= ;p=Org;o=Site;s=Smith;g=John;", "X400", "c=US;a= ;p=Org;o=Site;s=Smith;g=John;")]
    [InlineData("EX:/O=ORG/OU=SITE/CN=RECIPIENTS/CN=ALIAS", "EX", "/O=ORG/OU=SITE/CN=RECIPIENTS/CN=ALIAS")]
    [InlineData("FAX:+1:425", "FAX", "+1:425")]
    public void Typed_address_strings_parse(string text, string type, string value)
    {
        Assert.True(TypedAddress.TryParse(text, out var a, out var error), error);
        Assert.Equal(type, a.Type.Name);
        Assert.Equal(value, a.Value);
        Assert.True(TypedAddress.TryParse(a.ToString(), out var again, out _));
        Assert.Equal(a, again);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("user@example.com")]
    [InlineData(":user@example.com")]
    [InlineData("SMTP-OUT:user@example.com")]
    [InlineData("SMTP:")]
    public void Bad_typed_address_strings_are_refused(string? text)
    {
        Assert.False(TypedAddress.TryParse(text, out _, out var error));
        Assert.NotEqual("", error);
    }

    // Exchange writes a recipient's addresses this way: upper-case prefix = primary of that type.
    [Theory]
    [InlineData("SMTP:user@x.com", "SMTP", "user@x.com", true)]
    [InlineData("smtp:alias@x.com", "SMTP", "alias@x.com", false)]
    [InlineData("X400:c=US;a= ;p=Org;o=Site;s=Smith;g=John;", "X400", "c=US;a= ;p=Org;o=Site;s=Smith;g=John;", true)]
    [InlineData("x400:c=US;a= ;p=Org;o=Site;s=Smith;g=J;", "X400", "c=US;a= ;p=Org;o=Site;s=Smith;g=J;", false)]
    [InlineData("X500:/o=Org/ou=Site/cn=Recipients/cn=jsmith", "X500", "/o=Org/ou=Site/cn=Recipients/cn=jsmith", true)]
    [InlineData("EX:/O=ORG/OU=SITE/CN=RECIPIENTS/CN=ALIAS", "EX", "/O=ORG/OU=SITE/CN=RECIPIENTS/CN=ALIAS", true)]
    [InlineData("MS:MSNET/MSPO/MYNAME", "MS", "MSNET/MSPO/MYNAME", true)]
    [InlineData("ccmail:Smith, John at PO1", "CCMAIL", "Smith, John at PO1", false)]
    [InlineData("NOTES:John Smith/Org@Domain", "NOTES", "John Smith/Org@Domain", true)]
    [InlineData("FAX:4255550100", "FAX", "4255550100", true)]
    [InlineData("SMTPOUT:user@internal.domain.com", "SMTPOUT", "user@internal.domain.com", true)]
    public void Proxy_addresses_carry_primary_or_secondary_in_the_prefix_case(string text, string type, string value, bool primary)
    {
        Assert.True(ProxyAddress.TryParse(text, out var proxy, out var error), error);
        Assert.Equal(type, proxy.Address.Type.Name);
        Assert.Equal(value, proxy.Address.Value);
        Assert.Equal(primary, proxy.IsPrimary);
        Assert.Equal(text, proxy.ToString());
    }

    [Fact]
    public void Primary_and_secondary_of_the_same_address_are_the_same_typed_address()
    {
        Assert.True(ProxyAddress.TryParse("SMTP:User@X.com", out var a, out _));
        Assert.True(ProxyAddress.TryParse("smtp:user@x.com", out var b, out _));
        Assert.Equal(a.Address, b.Address);
        Assert.NotEqual(a, b);
    }

    [Theory]
    [InlineData("Smtp:user@x.com", "upper case")]
    [InlineData("sMTP:user@x.com", "upper case")]
    [InlineData("user@x.com", "TYPE:value")]
    [InlineData("SMTP:not an address", "")]
    [InlineData("", "empty")]
    [InlineData(null, "empty")]
    public void Bad_proxy_addresses_are_refused(string? text, string reason)
    {
        Assert.False(ProxyAddress.TryParse(text, out _, out var error));
        Assert.NotEqual("", error);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[SMTPOUT:user@internal.domain.com]", "SMTPOUT", "user@internal.domain.com", "[SMTPOUT:user@internal.domain.com]")]
    [InlineData("[smtp:User@Example.COM]", "SMTP", "User@example.com", "[SMTP:User@example.com]")]
    [InlineData(" [FAX:4255550100] ", "FAX", "4255550100", "[FAX:4255550100]")]
    [InlineData("[SMTP:user@[192.0.2.1]]", "SMTP", "user@[192.0.2.1]", "[SMTP:user@[192.0.2.1]]")]
    [InlineData("[X400:c=US;a= ;p=Org;o=Site;s=Smith;g=John;]", "X400", "c=US;a= ;p=Org;o=Site;s=Smith;g=John;", "[X400:c=US;a= ;p=Org;o=Site;s=Smith;g=John;]")]
    [InlineData("[EX:/O=ORG/OU=SITE/CN=RECIPIENTS/CN=ALIAS]", "EX", "/O=ORG/OU=SITE/CN=RECIPIENTS/CN=ALIAS", "[EX:/O=ORG/OU=SITE/CN=RECIPIENTS/CN=ALIAS]")]
    [InlineData("[NOTES:John Smith/Org@Domain]", "NOTES", "John Smith/Org@Domain", "[NOTES:John Smith/Org@Domain]")]
    [InlineData("[FAX:+1:425:555]", "FAX", "+1:425:555", "[FAX:+1:425:555]")]
    public void One_off_addresses_parse_and_format(string text, string type, string value, string formatted)
    {
        Assert.True(OneOffAddress.TryParse(text, out var a, out var error), error);
        Assert.Equal(type, a.Type.Name);
        Assert.Equal(value, a.Value);
        Assert.Equal(formatted, OneOffAddress.Format(a));
    }

    [Theory]
    [InlineData(null, "[TYPE:value]")]
    [InlineData("", "[TYPE:value]")]
    [InlineData("SMTPOUT:user@x.com", "[TYPE:value]")]
    [InlineData("[SMTPOUT:user@x.com", "[TYPE:value]")]
    [InlineData("[SMTPOUT user@x.com]", "':'")]
    [InlineData("[:user@x.com]", "empty")]
    [InlineData("[SMTP-OUT:user@x.com]", "'-'")]
    [InlineData("[SMTP:]", "empty")]
    [InlineData("[SMTP:not an address]", "")]
    [InlineData("[EX:no-slash]", "'/'")]
    public void Bad_one_offs_are_refused(string? text, string reason)
    {
        Assert.False(OneOffAddress.TryParse(text, out _, out var error));
        Assert.NotEqual("", error);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }
}
