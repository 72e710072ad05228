using Gatehouse.Core.Addresses;
using Gatehouse.Core.Directory;
using static Gatehouse.Core.Tests.Directory.Recipients;

namespace Gatehouse.Core.Tests.Directory;

public class RecipientDirectoryTests
{
    private static readonly MailboxRecipient JDoe = Box("jdoe",
        "SMTP:John.Doe@contoso.com",
        "smtp:jdoe@contoso.com",
        "smtp:jdoe@sales.contoso.com",
        "X400:c=US;a= ;p=Contoso;o=HQ;s=Doe;g=John;",
        "EX:/O=CONTOSO/OU=HQ/CN=RECIPIENTS/CN=JDOE",
        "x500:/O=CONTOSO/OU=OLDSITE/CN=RECIPIENTS/CN=JDOE",
        "MS:CONTOSO/HQ/JDOE",
        "FAX:+1 425 555 0100",
        "SMTPOUT:jdoe@internal.contoso.com");

    private static readonly MailboxRecipient ASmith = Box("asmith", "SMTP:alice.smith@contoso.com", "X400:c=US;a= ;p=Contoso;o=HQ;s=Smith;g=Alice;");

    private static readonly ContactRecipient Partner = Contact("partner", "SMTP:someone@partner.example", "SMTP:partner@contoso.com");

    private static readonly DistributionListRecipient Sales = List("sales", ["jdoe", "ASMITH", "partner"], "SMTP:sales@contoso.com");

    private static readonly RecipientDirectory Org = Clean(JDoe, ASmith, Partner, Sales);

    // One line per address: the address as looked up → the alias of its holder, or "-" for nobody.
    [Theory]
    [InlineData("SMTP:John.Doe@contoso.com", "jdoe")]
    [InlineData("SMTP:john.doe@contoso.com", "jdoe")]
    [InlineData("SMTP:JOHN.DOE@CONTOSO.COM", "jdoe")]
    [InlineData("smtp:\"john.doe\"@Contoso.Com", "jdoe")]
    [InlineData("SMTP:jdoe@contoso.com", "jdoe")]
    [InlineData("SMTP:JDoe@Sales.Contoso.Com", "jdoe")]
    [InlineData("SMTP:jdoe@other.contoso.com", "-")]
    [InlineData("SMTP:jdoe@contoso.com.example", "-")]
    [InlineData("SMTP:jdo@contoso.com", "-")]
    [InlineData("SMTP:\"jdoe \"@contoso.com", "-")]
    [InlineData("X400:c=US;a= ;p=Contoso;o=HQ;s=Doe;g=John;", "jdoe")]
    [InlineData("X400:g=John;s=Doe;o=HQ;p=Contoso;a=;c=US", "jdoe")]
    [InlineData("x400:G=JOHN; S=DOE ;O=hq;P=contoso;A= ;C=us;", "jdoe")]
    [InlineData("X400:c=US;a= ;p=Contoso;o=HQ;s=Doe;g=Jon;", "-")]
    [InlineData("X400:c=US;a= ;p=Contoso;o=HQ;s=Doe;", "-")]
    [InlineData("X400:c=US;a= ;p=Contoso;o=HQ;s=Smith;g=Alice", "asmith")]
    [InlineData("EX:/O=CONTOSO/OU=HQ/CN=RECIPIENTS/CN=JDOE", "jdoe")]
    [InlineData("EX:/o=contoso/ou=hq/cn=recipients/cn=jdoe", "jdoe")]
    [InlineData("EX:  /O=CONTOSO/OU=HQ/CN=RECIPIENTS/CN=JDOE  ", "jdoe")]
    [InlineData("EX:/OU=HQ/O=CONTOSO/CN=RECIPIENTS/CN=JDOE", "-")]
    [InlineData("X500:/O=CONTOSO/OU=HQ/CN=RECIPIENTS/CN=JDOE", "-")]
    [InlineData("X500:/o=contoso/ou=oldsite/cn=recipients/cn=jdoe", "jdoe")]
    [InlineData("EX:/O=CONTOSO/OU=OLDSITE/CN=RECIPIENTS/CN=JDOE", "-")]
    [InlineData("MS:contoso/hq/jdoe", "jdoe")]
    [InlineData("FAX:+1 425 555 0100", "jdoe")]
    [InlineData("SMTPOUT:JDOE@INTERNAL.CONTOSO.COM", "jdoe")]
    [InlineData("SMTP:jdoe@internal.contoso.com", "-")]
    [InlineData("SMTP:partner@contoso.com", "partner")]
    [InlineData("SMTP:someone@partner.example", "-")]
    [InlineData("SMTP:Sales@Contoso.com", "sales")]
    public void Finds_a_recipient_by_any_of_its_proxy_addresses(string address, string holder) =>
        Assert.Equal(holder, Org.Find(Typed(address))?.Alias ?? "-");

    [Fact]
    public void Every_proxy_address_of_every_recipient_finds_that_recipient()
    {
        foreach (var r in Org.Recipients)
        {
            foreach (var p in r.ProxyAddresses) Assert.Same(r, Org.Find(p.Address));
        }
        Assert.Equal(4, Org.Count);
    }

    [Theory]
    [InlineData("jdoe")]
    [InlineData("JDOE")]
    [InlineData("JDoe")]
    public void Aliases_are_found_in_any_case(string alias) => Assert.Same(JDoe, Org.FindAlias(alias));

    [Theory]
    [InlineData("")]
    [InlineData("jdoe ")]
    [InlineData("j.doe")]
    [InlineData("John.Doe@contoso.com")]
    public void Unknown_aliases_are_null(string alias) => Assert.Null(Org.FindAlias(alias));

    [Fact]
    public void The_empty_directory_holds_nothing()
    {
        Assert.Equal(0, RecipientDirectory.Empty.Count);
        Assert.Empty(RecipientDirectory.Empty.Recipients);
        Assert.Null(RecipientDirectory.Empty.Find(Typed("SMTP:postmaster@contoso.com")));
        Assert.Null(RecipientDirectory.Empty.FindAlias("postmaster"));
    }

    [Fact]
    public void The_kind_names_each_sort_of_recipient()
    {
        Assert.Equal("mailbox", JDoe.Kind);
        Assert.Equal("contact", Partner.Kind);
        Assert.Equal("list", Sales.Kind);
    }

    // Exchange's rule: the upper-case prefix is the reply address of its type; without one, the first of the type stands in.
    [Theory]
    [InlineData("SMTP", "SMTP:John.Doe@contoso.com")]
    [InlineData("X400", "X400:c=US;a= ;p=Contoso;o=HQ;s=Doe;g=John;")]
    [InlineData("X500", "X500:/O=CONTOSO/OU=OLDSITE/CN=RECIPIENTS/CN=JDOE")]
    [InlineData("SMTPOUT", "SMTPOUT:jdoe@internal.contoso.com")]
    [InlineData("NOTES", "-")]
    public void Primary_address_per_type(string type, string expected) =>
        Assert.Equal(expected, JDoe.PrimaryAddress(AddressType.Parse(type))?.ToString() ?? "-");

    [Fact]
    public void The_primary_wins_wherever_it_is_listed()
    {
        var box = Box("m", "smtp:first@contoso.com", "smtp:second@contoso.com", "SMTP:Reply@contoso.com", "smtp:last@contoso.com");
        Assert.Equal(Typed("SMTP:Reply@contoso.com"), box.PrimaryAddress(AddressType.Smtp));
        Assert.Equal("Reply@contoso.com", box.PrimaryAddress(AddressType.Smtp)!.Value);
    }

    [Fact]
    public void Without_a_primary_the_first_secondary_of_the_type_stands_in()
    {
        var box = Box("m", "x400:c=US;s=M", "smtp:first@contoso.com", "smtp:second@contoso.com");
        Assert.Equal(Typed("SMTP:first@contoso.com"), box.PrimaryAddress(AddressType.Smtp));
        Assert.Null(Box("n").PrimaryAddress(AddressType.Smtp));
    }

    [Fact]
    public void A_primary_of_another_type_does_not_count()
    {
        var box = Box("m", "X400:c=US;s=M", "smtp:only@contoso.com");
        Assert.Equal(Typed("SMTP:only@contoso.com"), box.PrimaryAddress(AddressType.Smtp));
    }

    private static IReadOnlyList<DirectoryProblem> Problems(params DirectoryRecipient[] recipients)
    {
        RecipientDirectory.Build(recipients, [], out var problems);
        return problems;
    }

    [Fact]
    public void A_duplicate_alias_is_an_error_and_the_first_recipient_keeps_it()
    {
        var first = Box("jdoe", "SMTP:first@contoso.com");
        var second = Box("JDOE", "SMTP:second@contoso.com");
        var directory = RecipientDirectory.Build([first, second], [], out var problems);
        var problem = Assert.Single(problems);
        Assert.True(problem.IsError);
        Assert.Equal("JDOE", problem.Alias);
        Assert.Contains("more than one recipient", problem.Message, StringComparison.Ordinal);
        Assert.Same(first, directory.FindAlias("jdoe"));
        Assert.Equal(1, directory.Count);
        // The refused recipient's addresses are not half-indexed.
        Assert.Null(directory.Find(Typed("SMTP:second@contoso.com")));
    }

    [Theory]
    [InlineData("SMTP:John.Doe@contoso.com")]
    [InlineData("smtp:JOHN.DOE@CONTOSO.COM")]
    [InlineData("X400:g=John;s=Doe;c=US;a=;p=Contoso;o=HQ")]
    [InlineData("ex:/o=contoso/ou=hq/cn=recipients/cn=jdoe")]
    public void An_address_held_by_two_recipients_is_an_error_and_stays_with_the_first(string clash)
    {
        var other = Box("other", clash);
        var directory = RecipientDirectory.Build([JDoe, other], [], out var problems);
        var problem = Assert.Single(problems);
        Assert.True(problem.IsError);
        Assert.Equal("other", problem.Alias);
        Assert.Contains("already held by 'jdoe'", problem.Message, StringComparison.Ordinal);
        Assert.Same(JDoe, directory.Find(Proxies(clash)[0].Address));
    }

    [Fact]
    public void One_recipient_listing_an_address_twice_is_not_a_clash()
    {
        var box = Box("m", "SMTP:m@contoso.com", "smtp:M@Contoso.com");
        var directory = RecipientDirectory.Build([box], [], out var problems);
        Assert.Empty(problems);
        Assert.Same(box, directory.Find(Typed("SMTP:m@contoso.com")));
    }

    [Fact]
    public void Two_primaries_of_one_type_are_an_error()
    {
        var problems = Problems(Box("m", "SMTP:a@contoso.com", "SMTP:b@contoso.com", "smtp:c@contoso.com"));
        var problem = Assert.Single(problems);
        Assert.True(problem.IsError);
        Assert.Equal("m", problem.Alias);
        Assert.Contains("2 primary SMTP addresses", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void One_primary_per_type_is_fine_however_many_types()
    {
        Assert.Empty(Problems(Box("m", "SMTP:a@contoso.com", "X400:c=US;s=M", "EX:/O=X/CN=M", "x400:c=US;s=N", "smtp:b@contoso.com")));
        Assert.Empty(Problems(Box("n", "smtp:a@contoso.com", "smtp:b@contoso.com")));
    }

    [Fact]
    public void Two_primaries_of_several_types_are_each_reported()
    {
        var problems = Problems(Box("m", "SMTP:a@contoso.com", "SMTP:b@contoso.com", "EX:/O=X/CN=A", "EX:/O=X/CN=B"));
        Assert.Equal(2, problems.Count);
        Assert.All(problems, p => Assert.True(p.IsError));
    }

    [Fact]
    public void An_unknown_list_member_is_an_error()
    {
        var problems = Problems(Box("jdoe"), List("team", ["JDoe", "ghost"]));
        var problem = Assert.Single(problems);
        Assert.True(problem.IsError);
        Assert.Equal("team", problem.Alias);
        Assert.Contains("'ghost'", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_accept_from_is_an_error()
    {
        var list = new DistributionListRecipient("team", "Team", Proxies("SMTP:team@contoso.com"), ["jdoe"], null, ["JDOE", "nobody"]);
        var problems = Problems(Box("jdoe"), list);
        var problem = Assert.Single(problems);
        Assert.True(problem.IsError);
        Assert.Equal("team", problem.Alias);
        Assert.Contains("accept_from 'nobody'", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Members_may_be_listed_before_they_are_defined()
    {
        Assert.Empty(Problems(List("outer", ["inner", "late"]), List("inner", ["late"]), Box("late")));
    }

    [Fact]
    public void Build_reports_every_problem_not_just_the_first()
    {
        var problems = Problems(
            Box("a", "SMTP:x@contoso.com"),
            Box("A"),
            Box("b", "SMTP:x@contoso.com", "SMTP:y@contoso.com"),
            List("l", ["nobody"]));
        Assert.Equal(4, problems.Count);
        Assert.All(problems, p => Assert.True(p.IsError));
    }

    [Fact]
    public void Contacts_keep_targets_of_any_type()
    {
        var targets = new[]
        {
            "SMTP:someone@partner.example",
            "X400:c=DE;a= ;p=Partner;o=Berlin;s=Mueller;",
            "SMTPOUT:user@internal.domain.com",
            "MS:PARTNER/PO/SOMEONE",
            "EX:/O=PARTNER/OU=SITE/CN=RECIPIENTS/CN=SOMEONE",
            "FAX:+49 30 1234567",
        };
        var contacts = targets.Select((t, i) => Contact("c" + i, t, $"SMTP:c{i}@contoso.com")).ToArray();
        var directory = Clean(contacts);
        for (var i = 0; i < targets.Length; i++)
        {
            var found = Assert.IsType<ContactRecipient>(directory.Find(Typed($"SMTP:C{i}@CONTOSO.COM")));
            Assert.Equal(Typed(targets[i]), found.Target);
            Assert.Equal("europe", found.HomeSite);
        }
        // A contact's target is where its mail goes, not one of its addresses: it finds nobody.
        Assert.All(targets, t => Assert.Null(directory.Find(Typed(t))));
    }
}
