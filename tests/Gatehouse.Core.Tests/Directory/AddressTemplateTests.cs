using Gatehouse.Core.Addresses;
using Gatehouse.Core.Directory;

namespace Gatehouse.Core.Tests.Directory;

public class AddressTemplateTests
{
    private static readonly TemplateFacts John = new("jdoe", "John", "Doe", "Q", "John Q. Doe");

    private static AddressTemplate Parse(string text)
    {
        Assert.True(AddressTemplate.TryParse(text, out var t, out var error), error);
        Assert.Equal("", error);
        return t;
    }

    // One line per case, for John Q. Doe (alias jdoe): template → generated address.
    [Theory]
    [InlineData("%g.%s@contoso.com", "John.Doe@contoso.com")]
    [InlineData("%s.%g@contoso.com", "Doe.John@contoso.com")]
    [InlineData("%g%s@contoso.com", "JohnDoe@contoso.com")]
    [InlineData("%g_%s@contoso.com", "John_Doe@contoso.com")]
    [InlineData("%1g%s@contoso.com", "JDoe@contoso.com")]
    [InlineData("%g.%1s@contoso.com", "John.D@contoso.com")]
    [InlineData("%2g%3s@contoso.com", "JoDoe@contoso.com")]
    [InlineData("%10g@contoso.com", "John@contoso.com")]
    [InlineData("%g.%i.%s@contoso.com", "John.Q.Doe@contoso.com")]
    [InlineData("%m@contoso.com", "jdoe@contoso.com")]
    [InlineData("mail.%m@contoso.com", "mail.jdoe@contoso.com")]
    [InlineData("%m-ext@contoso.com", "jdoe-ext@contoso.com")]
    [InlineData("%d@contoso.com", "JohnQ.Doe@contoso.com")]
    [InlineData("%m%%@contoso.com", "jdoe%@contoso.com")]
    [InlineData("%%%m@contoso.com", "%jdoe@contoso.com")]
    [InlineData("%g.%s@Contoso.COM", "John.Doe@contoso.com")]
    [InlineData("%rJj%g.%s@contoso.com", "john.Doe@contoso.com")]
    [InlineData("%g.%rDd%s@contoso.com", "John.doe@contoso.com")]
    [InlineData("%roo%g.%s@contoso.com", "Jhn.De@contoso.com")]
    [InlineData("%r.-%d@contoso.com", "JohnQ-Doe@contoso.com")]
    [InlineData("%r. %d@contoso.com", "JohnQDoe@contoso.com")]
    [InlineData("%r..%d@contoso.com", "JohnQDoe@contoso.com")]
    [InlineData("%rJj%rDd%g.%s@contoso.com", "john.doe@contoso.com")]
    [InlineData("%rJX%rXY%g@contoso.com", "Yohn@contoso.com")]
    [InlineData("%rhH%2g@contoso.com", "Jo@contoso.com")]
    [InlineData("%rJ.%g@contoso.com", "ohn@contoso.com")]
    [InlineData("%g..%s@contoso.com", "John.Doe@contoso.com")]
    [InlineData(".%g.%s.@contoso.com", "John.Doe@contoso.com")]
    public void Placeholders(string template, string expected) =>
        Assert.Equal(expected, Parse(template).Generate(John)?.ToWire());

    // Names as people have them: what a dot-string cannot hold is dropped, a name that leaves nothing yields nothing.
    [Theory]
    [InlineData("Mary Ann", "O'Neil", "MaryAnn.O'Neil")]
    [InlineData("Jean-Luc", "Picard", "Jean-Luc.Picard")]
    [InlineData("J.", "Doe", "J.Doe")]
    [InlineData(".John", "Doe", "John.Doe")]
    [InlineData("John", "Doe, Jr.", "John.DoeJr")]
    [InlineData("\"Johnny\"", "(Doe)", "Johnny.Doe")]
    [InlineData("John", "van der Berg", "John.vanderBerg")]
    [InlineData("John", "Smith<script>", "John.Smithscript")]
    [InlineData("José", "Müller", "Jos.Mller")]
    [InlineData("John", "Doe@evil.example", "John.Doeevil.example")]
    [InlineData("John", "Doe\r\nRCPT", "John.DoeRCPT")]
    [InlineData("Jo hn", "D\"o\\e", "John.Doe")]
    [InlineData("李", "Doe", null)]
    [InlineData("John", "...", null)]
    [InlineData("John", " ", null)]
    [InlineData("John", "", null)]
    [InlineData("John", null, null)]
    [InlineData(null, "Doe", null)]
    public void Names_are_cleaned_and_missing_names_give_nothing(string? given, string? surname, string? expected)
    {
        var facts = new TemplateFacts("x", given, surname, null, null);
        var generated = Parse("%g.%s@contoso.com").Generate(facts);
        Assert.Equal(expected is null ? null : expected + "@contoso.com", generated?.ToWire());
        if (generated is not null)
        {
            // Whatever goes in, what comes out is a plain ASCII dot-string the SMTP parser reads back as itself.
            Assert.True(SmtpPathParser.TryParseMailbox(generated.ToWire(), utf8: false, out var back, out var error), error);
            Assert.Equal(generated, back);
        }
    }

    [Fact]
    public void Missing_initials_or_display_name_give_nothing()
    {
        var bare = new TemplateFacts("jdoe", "John", "Doe", null, null);
        Assert.Null(Parse("%g.%i.%s@contoso.com").Generate(bare));
        Assert.Null(Parse("%d@contoso.com").Generate(bare));
        Assert.Equal("jdoe@contoso.com", Parse("%m@contoso.com").Generate(bare)?.ToWire());
    }

    [Fact]
    public void A_template_without_placeholders_gives_its_text()
    {
        Assert.Equal("info@contoso.com", Parse("info@contoso.com").Generate(John)?.ToWire());
    }

    [Fact]
    public void An_address_longer_than_sixty_four_octets_gives_nothing()
    {
        var longName = new TemplateFacts("x", new string('g', 40), new string('s', 30), null, null);
        Assert.Null(Parse("%g.%s@contoso.com").Generate(longName));
        Assert.Equal(new string('g', 20) + "." + new string('s', 30) + "@contoso.com", Parse("%20g.%s@contoso.com").Generate(longName)?.ToWire());
        var exactly = new TemplateFacts(new string('m', 64), null, null, null, null);
        Assert.Equal(64, Parse("%m@contoso.com").Generate(exactly)!.LocalPart.Length);
    }

    [Fact]
    public void The_template_keeps_its_text_and_a_lower_case_domain()
    {
        var t = Parse("%g.%s@Contoso.COM");
        Assert.Equal("%g.%s@Contoso.COM", t.Text);
        Assert.Equal("contoso.com", t.Domain);
    }

    // One line per case: a template that must be refused → a word its reason must contain.
    [Theory]
    [InlineData("", "local part and a domain")]
    [InlineData("%g.%s", "local part and a domain")]
    [InlineData("@contoso.com", "local part and a domain")]
    [InlineData("%g.%s@", "local part and a domain")]
    [InlineData("%g@contoso..com", "domain")]
    [InlineData("%g@-contoso.com", "domain")]
    [InlineData("%g@contoso.com.", "domain")]
    [InlineData("%g@[192.0.2.1]", "domain")]
    [InlineData("%g@bücher.example", "domain")]
    [InlineData("%g@contoso com", "domain")]
    [InlineData("%x@contoso.com", "%x")]
    [InlineData("%G@contoso.com", "%G")]
    [InlineData("%@contoso.com", "placeholder")]
    [InlineData("%g%@contoso.com", "placeholder")]
    [InlineData("%3@contoso.com", "placeholder")]
    [InlineData("%r@contoso.com", "%r")]
    [InlineData("%rx@contoso.com", "%r")]
    [InlineData("%99999999999g@contoso.com", "length")]
    [InlineData("%0g@contoso.com", "length")]
    [InlineData("%3r.-%d@contoso.com", "length")]
    [InlineData("%2%%g@contoso.com", "length")]
    [InlineData("%g %s@contoso.com", "' '")]
    [InlineData("\"%g\"@contoso.com", "'\"'")]
    [InlineData("%g,%s@contoso.com", "','")]
    [InlineData("%g@%s@contoso.com", "'@'")]
    [InlineData("josé.%s@contoso.com", "'é'")]
    public void Invalid_templates_are_refused_with_a_reason(string text, string reason)
    {
        Assert.False(AddressTemplate.TryParse(text, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    // The replacement characters of %rxy are not literals: %r_. and %r@x are fine even though '@' can't be in a local part.
    [Theory]
    [InlineData("%r _%d@contoso.com", "John_Q._Doe@contoso.com")]
    [InlineData("%r'@%s@contoso.com", "Doe@contoso.com")]
    public void Replacement_characters_are_not_literals(string template, string expected) =>
        Assert.Equal(expected, Parse(template).Generate(John)?.ToWire());

    [Fact]
    public void Generate_never_throws_on_odd_names()
    {
        var templates = new[] { "%g.%s@contoso.com", "%1g%1s@contoso.com", "%r..%d@contoso.com", "%i%m@contoso.com", "%64d@contoso.com" };
        var names = new string?[] { null, "", " ", ".", "..", "%", "\0", "\ud800", "a\u0301", new string('x', 5000), "@", "\"", "\\", "-", "日本" };
        foreach (var text in templates)
        {
            var t = Parse(text);
            foreach (var name in names)
            {
                var m = t.Generate(new TemplateFacts(name ?? "alias", name, name, name, name));
                if (m is not null) Assert.True(SmtpSyntax.IsDotString(m.LocalPart, allowUtf8: false) && m.LocalPart.Length <= SmtpPathParser.MaxLocalPartOctets, m.LocalPart);
            }
        }
    }
}
