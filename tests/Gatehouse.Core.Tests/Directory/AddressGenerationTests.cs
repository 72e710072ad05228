using Gatehouse.Core.Addresses;
using Gatehouse.Core.Directory;
using static Gatehouse.Core.Tests.Directory.Recipients;

namespace Gatehouse.Core.Tests.Directory;

/// <summary>Address templates applied by <c>RecipientDirectory.Build</c> (Exchange site addressing).</summary>
public class AddressGenerationTests
{
    private static readonly AddressTemplate GivenDotSurname = Template("%g.%s@contoso.com");

    private static RecipientDirectory Build(IReadOnlyList<AddressTemplate> templates, out IReadOnlyList<DirectoryProblem> problems, params DirectoryRecipient[] recipients) =>
        RecipientDirectory.Build(recipients, templates, out problems);

    private static string Addresses(DirectoryRecipient? r) => string.Join(" ", r!.ProxyAddresses.Select(p => p.ToString()));

    [Fact]
    public void A_mailbox_without_smtp_gets_the_generated_address_as_its_primary()
    {
        var directory = Build([GivenDotSurname], out var problems, Person("jdoe", "John", "Doe", "X400:c=US;s=Doe"));
        Assert.Empty(problems);
        var jdoe = directory.FindAlias("jdoe");
        Assert.Equal("X400:c=US;s=Doe SMTP:John.Doe@contoso.com", Addresses(jdoe));
        Assert.Same(jdoe, directory.Find(Typed("SMTP:john.doe@CONTOSO.com")));
        Assert.Same(jdoe, directory.Find(Typed("X400:c=US;s=Doe")));
        Assert.Equal(Typed("SMTP:John.Doe@contoso.com"), jdoe!.PrimaryAddress(AddressType.Smtp));
        Assert.Same(jdoe, Assert.Single(directory.Recipients));
    }

    [Fact]
    public void A_mailbox_with_an_smtp_primary_elsewhere_gets_a_secondary()
    {
        var directory = Build([GivenDotSurname], out var problems, Person("jdoe", "John", "Doe", "SMTP:jd@fabrikam.example"));
        Assert.Empty(problems);
        Assert.Equal("SMTP:jd@fabrikam.example smtp:John.Doe@contoso.com", Addresses(directory.FindAlias("jdoe")));
    }

    [Fact]
    public void A_mailbox_with_only_secondary_smtp_addresses_gets_a_primary()
    {
        var directory = Build([GivenDotSurname], out _, Person("jdoe", "John", "Doe", "smtp:jd@fabrikam.example"));
        Assert.Equal("smtp:jd@fabrikam.example SMTP:John.Doe@contoso.com", Addresses(directory.FindAlias("jdoe")));
    }

    // docs/configuration.md: only a primary SMTP address at the template's domain is the administrator's choice.
    [Theory]
    [InlineData("SMTP:JD@CONTOSO.COM")]
    [InlineData("SMTP:jd@contoso.com")]
    public void A_mailbox_with_a_primary_at_the_template_domain_gets_nothing(string existing)
    {
        var person = Person("jdoe", "John", "Doe", existing, "smtp:other@fabrikam.example");
        var directory = Build([GivenDotSurname], out var problems, person);
        Assert.Empty(problems);
        Assert.Same(person, directory.FindAlias("jdoe"));
        Assert.Null(directory.Find(Typed("SMTP:John.Doe@contoso.com")));
    }

    [Fact]
    public void A_mailbox_with_only_a_secondary_at_the_template_domain_gets_the_generated_primary()
    {
        var directory = Build([GivenDotSurname], out var problems, Person("jdoe", "John", "Doe", "smtp:jd@contoso.com"));
        Assert.Empty(problems);
        Assert.Equal("smtp:jd@contoso.com SMTP:John.Doe@contoso.com", Addresses(directory.FindAlias("jdoe")));
    }

    // The template gives what the mailbox already holds: no collision with itself, no number, no notice.
    [Fact]
    public void A_secondary_equal_to_the_generated_address_becomes_the_primary()
    {
        var directory = Build([GivenDotSurname], out var problems, Person("jdoe", "John", "Doe", "smtp:john.doe@contoso.com", "X400:c=US;s=Doe"));
        Assert.Empty(problems);
        var jdoe = directory.FindAlias("jdoe")!;
        Assert.Equal("SMTP:john.doe@contoso.com X400:c=US;s=Doe", Addresses(jdoe));
        Assert.Same(jdoe, directory.Find(Typed("SMTP:John.Doe@contoso.com")));
        Assert.Same(jdoe, directory.Find(Typed("X400:c=US;s=Doe")));
    }

    [Fact]
    public void A_secondary_equal_to_the_generated_address_stays_secondary_when_a_primary_exists()
    {
        var person = Person("jdoe", "John", "Doe", "SMTP:jd@fabrikam.example", "smtp:john.doe@contoso.com");
        var directory = Build([GivenDotSurname], out var problems, person);
        Assert.Empty(problems);
        Assert.Same(person, directory.FindAlias("jdoe"));
    }

    [Fact]
    public void An_address_at_a_subdomain_does_not_count_as_the_template_domain()
    {
        var directory = Build([GivenDotSurname], out _, Person("jdoe", "John", "Doe", "SMTP:jd@sales.contoso.com"));
        Assert.Equal("SMTP:jd@sales.contoso.com smtp:John.Doe@contoso.com", Addresses(directory.FindAlias("jdoe")));
    }

    [Fact]
    public void Contacts_and_lists_get_no_generated_addresses()
    {
        var contact = Contact("partner", "SMTP:someone@partner.example");
        var list = List("team", []);
        var directory = Build([Template("%m@contoso.com")], out var problems, contact, list);
        Assert.Empty(problems);
        Assert.Same(contact, directory.FindAlias("partner"));
        Assert.Same(list, directory.FindAlias("team"));
        Assert.Null(directory.Find(Typed("SMTP:partner@contoso.com")));
    }

    [Fact]
    public void Each_template_of_another_domain_adds_one_address_and_only_the_first_is_primary()
    {
        var directory = Build([GivenDotSurname, Template("%m@fabrikam.example"), Template("%1g%s@sales.contoso.com")], out var problems, Person("jdoe", "John", "Doe"));
        Assert.Empty(problems);
        Assert.Equal("SMTP:John.Doe@contoso.com smtp:jdoe@fabrikam.example smtp:JDoe@sales.contoso.com", Addresses(directory.FindAlias("jdoe")));
    }

    [Fact]
    public void A_template_that_gives_nothing_is_a_notice_not_an_error()
    {
        var person = Person("cher", "Cher", null);
        var directory = Build([GivenDotSurname], out var problems, person);
        var problem = Assert.Single(problems);
        Assert.False(problem.IsError);
        Assert.Equal("cher", problem.Alias);
        Assert.Contains("%g.%s@contoso.com", problem.Message, StringComparison.Ordinal);
        Assert.Same(person, directory.FindAlias("cher"));
    }

    // The explicit holder is listed after the mailbox whose template would take its address: explicit still wins.
    [Fact]
    public void An_explicit_address_wins_over_a_generated_one_and_the_loser_gets_a_number()
    {
        var generated = Person("jdoe", "John", "Doe");
        var holder = Contact("john", "SMTP:john@partner.example", "SMTP:john.doe@contoso.com");
        var directory = Build([GivenDotSurname], out var problems, generated, holder);
        Assert.Same(holder, directory.Find(Typed("SMTP:John.Doe@contoso.com")));
        Assert.Equal("SMTP:John.Doe2@contoso.com", Addresses(directory.FindAlias("jdoe")));
        Assert.Same(directory.FindAlias("jdoe"), directory.Find(Typed("SMTP:john.doe2@contoso.com")));
        var notice = Assert.Single(problems);
        Assert.False(notice.IsError);
        Assert.Equal("jdoe", notice.Alias);
        Assert.Contains("John.Doe2@contoso.com", notice.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Generated_collisions_are_numbered_in_order()
    {
        var directory = Build([GivenDotSurname], out var problems,
            Person("jdoe1", "John", "Doe"), Person("jdoe2", "JOHN", "DOE"), Person("jdoe3", "john", "doe"));
        Assert.Equal("SMTP:John.Doe@contoso.com", Addresses(directory.FindAlias("jdoe1")));
        Assert.Equal("SMTP:JOHN.DOE2@contoso.com", Addresses(directory.FindAlias("jdoe2")));
        Assert.Equal("SMTP:john.doe3@contoso.com", Addresses(directory.FindAlias("jdoe3")));
        Assert.Equal(2, problems.Count);
        Assert.All(problems, p => Assert.False(p.IsError));
    }

    [Fact]
    public void A_numbered_suffix_skips_numbers_already_taken()
    {
        var directory = Build([GivenDotSurname], out _,
            Box("x", "smtp:john.doe@contoso.com", "smtp:john.doe2@contoso.com", "smtp:john.doe3@contoso.com"),
            Person("jdoe", "John", "Doe"));
        Assert.Equal("SMTP:John.Doe4@contoso.com", Addresses(directory.FindAlias("jdoe")));
    }

    // Numbering must not push a 64-octet local part over RFC 5321's limit: the name is shortened instead.
    [Fact]
    public void A_numbered_suffix_keeps_the_local_part_within_sixty_four_octets()
    {
        var alias = new string('m', 64);
        var directory = Build([Template("%m@contoso.com")], out var problems,
            Box("holder", $"SMTP:{alias}@contoso.com"),
            Box(alias));
        Assert.DoesNotContain(problems, p => p.IsError);
        var generated = directory.FindAlias(alias)!.PrimaryAddress(AddressType.Smtp)!;
        Assert.Equal(new string('m', 63) + "2@contoso.com", generated.Value);
        Assert.True(SmtpPathParser.TryParseMailbox(generated.Value, utf8: false, out var parsed, out var error), error);
        Assert.Same(directory.FindAlias(alias), directory.Find(TypedAddress.FromMailbox(parsed)));
    }

    [Fact]
    public void When_every_numbered_variant_is_taken_it_is_an_error()
    {
        var taken = Enumerable.Range(1, 999).Select(n => (DirectoryRecipient)Box("h" + n, $"SMTP:john.doe{(n == 1 ? "" : n.ToString(System.Globalization.CultureInfo.InvariantCulture))}@contoso.com"));
        var directory = Build([GivenDotSurname], out var problems, [.. taken, Person("jdoe", "John", "Doe")]);
        var problem = Assert.Single(problems);
        Assert.True(problem.IsError);
        Assert.Equal("jdoe", problem.Alias);
        Assert.Empty(directory.FindAlias("jdoe")!.ProxyAddresses);
    }

    [Fact]
    public void A_generated_mailbox_is_the_same_record_by_alias_by_address_and_in_lists()
    {
        var directory = Build([GivenDotSurname], out var problems, Person("jdoe", "John", "Doe", "EX:/O=CONTOSO/CN=JDOE"), List("team", ["jdoe"]));
        Assert.Empty(problems);
        var jdoe = directory.FindAlias("jdoe");
        Assert.Same(jdoe, directory.Find(Typed("EX:/O=CONTOSO/CN=JDOE")));
        Assert.Same(jdoe, directory.Find(Typed("SMTP:John.Doe@contoso.com")));
        Assert.Same(jdoe, Assert.Single(directory.Expand((DistributionListRecipient)directory.FindAlias("team")!).Members));
    }

    // A refused configuration still has to be consistent: a clash keeps the first holder even when the
    // second recipient is later rewritten with a generated address.
    [Fact]
    public void An_address_clash_keeps_the_first_holder_when_the_second_gets_a_generated_address()
    {
        var first = Box("first", "SMTP:shared@fabrikam.example");
        var second = Person("second", "Sam", "Second", "smtp:shared@fabrikam.example");
        var directory = Build([GivenDotSurname], out var problems, first, second);
        Assert.Single(problems, p => p.IsError);
        Assert.Same(first, directory.Find(Typed("SMTP:shared@fabrikam.example")));
        Assert.Equal("second", directory.Find(Typed("SMTP:sam.second@contoso.com"))?.Alias);
    }

    [Fact]
    public void A_duplicate_alias_gets_no_generated_address()
    {
        var directory = Build([GivenDotSurname], out var problems, Person("jdoe", "John", "Doe"), Person("JDOE", "Jane", "Doe"));
        Assert.Single(problems, p => p.IsError);
        Assert.Null(directory.Find(Typed("SMTP:jane.doe@contoso.com")));
        Assert.NotNull(directory.Find(Typed("SMTP:john.doe@contoso.com")));
    }
}
