using Gatehouse.Core.Addresses;
using Gatehouse.Core.Directory;
using Gatehouse.Core.Resolution;
using static Gatehouse.Core.Tests.Directory.Recipients;

namespace Gatehouse.Core.Tests.Resolution;

public class AddressResolverTests
{
    private static readonly ResolverContext Context = SampleOrganization.Context;

    private static Destination Resolve(string input, ResolverContext? context = null) =>
        AddressResolverTableTests.Resolve(input, context ?? Context);

    // Seed Q152919: the contact's target is known to whoever resolves it, with the trail that led there.
    [Fact]
    public void A_contact_resolves_to_its_target_with_the_directory_step_first()
    {
        var d = Resolve("<partner@contoso.com>");
        Assert.Equal(DestinationKind.Recipient, d.Kind);
        Assert.Equal(Typed("SMTP:someone@partner.example"), d.Address);
        var contact = Assert.IsType<ContactRecipient>(d.Recipient);
        Assert.Equal("partner", contact.Alias);
        Assert.True(d.LeavesOrganization);
        Assert.Collection(d.Chain,
            s => Assert.Equal(("directory", "SMTP:partner@contoso.com", "partner"), (s.Rule, s.From, s.To)),
            s => Assert.Equal(("contact-target", "partner", "SMTP:someone@partner.example"), (s.Rule, s.From, s.To)));
    }

    [Fact]
    public void A_list_is_the_list_to_expand()
    {
        var d = Resolve("<sales@contoso.com>");
        Assert.Equal(DestinationKind.List, d.Kind);
        var list = Assert.IsType<DistributionListRecipient>(d.Recipient);
        Assert.Equal(["jdoe", "asmith", "partner"], SampleOrganization.Directory.Expand(list).Members.Select(m => m.Alias));
        Assert.False(d.LeavesOrganization);
    }

    [Fact]
    public void The_source_route_is_recorded_and_ignored()
    {
        var d = Resolve("<@a.example,@b.example:jdoe@contoso.com>");
        var step = d.Chain[0];
        Assert.Equal("source-route", step.Rule);
        Assert.Equal("<@a.example,@b.example:jdoe@contoso.com>", step.From);
        Assert.Equal("jdoe@contoso.com", step.To);
        Assert.Contains("3.6.1", step.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Seed_Q237927_an_encapsulated_outside_address_leaves_the_organization()
    {
        var d = Resolve("<IMCEASMTP-user+40ext.com@contoso.com>");
        Assert.Equal(DestinationKind.Outside, d.Kind);
        Assert.True(d.LeavesOrganization);
        Assert.Equal(Typed("SMTP:user@ext.com"), d.Address);
        var step = Assert.Single(d.Chain);
        Assert.Equal(("decapsulate", "SMTP:IMCEASMTP-user+40ext.com@contoso.com", "SMTP:user@ext.com"), (step.Rule, step.From, step.To));
    }

    [Fact]
    public void Seed_Q264330_the_quoted_imcea_form_is_sender_routed_and_never_outside()
    {
        foreach (var context in new[] { Context, SampleOrganization.Open })
        {
            var d = Resolve("<\"IMCEA user@domain2.com\"@contoso.com>", context);
            Assert.Equal(DestinationKind.SenderRouted, d.Kind);
            Assert.False(d.LeavesOrganization);
            Assert.Null(d.Recipient);
            Assert.Equal(Typed("SMTP:user@domain2.com"), d.Address);
            Assert.Empty(d.Chain);
            Assert.Contains("user@domain2.com", d.Reason, StringComparison.Ordinal);
        }
    }

    // Seed Q183801: a non-SMTP one-off is handed to routing as its own type, never as "no proxy for recipient".
    [Fact]
    public void Seed_Q183801_an_smtpout_one_off_is_a_one_off_of_its_type()
    {
        Assert.True(OneOffAddress.TryParse("[SMTPOUT:user@internal.domain.com]", out var oneOff, out var error), error);
        var d = AddressResolver.Resolve(oneOff, Context);
        Assert.Equal(DestinationKind.OneOff, d.Kind);
        Assert.Equal(AddressType.Parse("SMTPOUT"), d.Address!.Type);
        Assert.Equal("user@internal.domain.com", d.Address.Value);
        Assert.True(d.LeavesOrganization);
        Assert.Contains("SMTPOUT", d.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Bare_postmaster_goes_to_the_directory_postmaster_when_there_is_one()
    {
        var pm = Box("postmaster", "SMTP:admin@contoso.com");
        var context = Context with { Directory = Clean(pm) };
        var bare = AddressResolver.Resolve(new Mailbox("Postmaster", ""), context);
        Assert.Equal(DestinationKind.Recipient, bare.Kind);
        Assert.Same(pm, bare.Recipient);
        Assert.Equal(Typed("SMTP:admin@contoso.com"), bare.Address);

        var atDomain = Resolve("<POSTMASTER@contoso.com>", context);
        Assert.Equal(DestinationKind.Recipient, atDomain.Kind);
        Assert.Same(pm, atDomain.Recipient);
        Assert.Equal(Typed("SMTP:postmaster@contoso.com"), atDomain.Address);

        // Outside domains' postmasters are theirs.
        Assert.Equal(DestinationKind.Outside, Resolve("<postmaster@ext.com>", context).Kind);
    }

    [Fact]
    public void A_postmaster_list_is_a_list()
    {
        var context = Context with { Directory = Clean(Box("admin"), List("Postmaster", ["admin"])) };
        var bare = AddressResolver.Resolve(new Mailbox("postmaster", ""), context);
        Assert.Equal(DestinationKind.List, bare.Kind);
        Assert.Null(bare.Address);
        Assert.Equal("directory", Assert.Single(bare.Chain).Rule);
    }

    [Theory]
    [InlineData("root")]
    [InlineData("")]
    [InlineData("postmaster2")]
    [InlineData("IMCEASMTP-user+40ext.com")]
    public void Only_postmaster_may_be_given_without_a_domain(string local)
    {
        var d = AddressResolver.Resolve(new Mailbox(local, ""), Context);
        Assert.Equal(DestinationKind.Invalid, d.Kind);
        Assert.Contains("4.1.1.3", d.Reason, StringComparison.Ordinal);
        Assert.False(d.LeavesOrganization);
    }

    // What does "user@contoso.com." mean? The SMTP parser refuses it outright (RFC 5321 has no trailing
    // dot in a Domain), so it never reaches the resolver from the wire.
    [Theory]
    [InlineData("<user@contoso.com.>")]
    [InlineData("<jdoe@contoso.com.>")]
    [InlineData("<postmaster@contoso.com.>")]
    [InlineData("<IMCEASMTP-user+40ext.com@contoso.com.>")]
    [InlineData("<user@.contoso.com>")]
    [InlineData("<user@contoso..com>")]
    [InlineData("<@contoso.com.:user@contoso.com>")]
    public void Trailing_dots_and_empty_labels_are_refused_by_the_parser(string path)
    {
        var pos = 0;
        Assert.False(SmtpPathParser.TryParseForwardPath(path, ref pos, utf8: true, out _, out _, out var error));
        Assert.Contains("domain", error, StringComparison.Ordinal);
        Assert.False(SmtpPathParser.TryParseMailbox(path[1..^1], utf8: true, out _, out _));
        Assert.False(TypedAddress.TryParse("SMTP:" + path[1..^1], out _, out _));
    }

    // A mailbox built by hand, bypassing the parser's canonical form (lower-case domain, no trailing dot),
    // is never taken for ours: not a recipient, not our postmaster, not decapsulated. It is outside,
    // so the relay check is what decides.
    [Theory]
    [InlineData("jdoe", "contoso.com.")]
    [InlineData("postmaster", "contoso.com.")]
    [InlineData("nobody", "contoso.com.")]
    [InlineData("IMCEASMTP-jdoe+40contoso.com", "contoso.com.")]
    [InlineData("user%ext.com", "contoso.com.")]
    [InlineData("jdoe", "CONTOSO.COM")]
    [InlineData("postmaster", "Contoso.Com")]
    [InlineData("jdoe", " contoso.com")]
    public void A_non_canonical_domain_is_never_ours(string local, string domain)
    {
        var d = AddressResolver.Resolve(new Mailbox(local, domain), Context);
        Assert.Equal(DestinationKind.Outside, d.Kind);
        Assert.True(d.LeavesOrganization);
        Assert.Null(d.Recipient);
        Assert.Empty(d.Chain);
    }

    // The domain is canonical as soon as the parser has read it, in whatever case it was written.
    [Theory]
    [InlineData("<jdoe@CONTOSO.COM>")]
    [InlineData("<jdoe@Contoso.Com>")]
    [InlineData("<JDOE@SALES.CONTOSO.COM>")]
    public void Any_case_on_the_wire_is_ours(string path) =>
        Assert.Equal("jdoe", Resolve(path).Recipient?.Alias);

    private static Mailbox Nest(Mailbox start, int levels)
    {
        var m = start;
        for (var i = 0; i < levels; i++)
        {
            Assert.True(Imcea.TryEncapsulate(TypedAddress.FromMailbox(m), "contoso.com", out m, out var error), error);
        }
        return m;
    }

    [Fact]
    public void Nested_encapsulation_is_followed_up_to_max_rewrites()
    {
        var nested = Nest(new Mailbox("user", "ext.com"), 4);
        var d = AddressResolver.Resolve(nested, Context);
        Assert.Equal(DestinationKind.Outside, d.Kind);
        Assert.Equal(Typed("SMTP:user@ext.com"), d.Address);
        Assert.Equal(4, d.Chain.Count);
        Assert.All(d.Chain, s => Assert.Equal("decapsulate", s.Rule));
    }

    [Fact]
    public void Nested_encapsulation_beyond_max_rewrites_is_invalid()
    {
        var nested = Nest(new Mailbox("jdoe", "contoso.com"), 5);
        var d = AddressResolver.Resolve(nested, Context);
        Assert.Equal(DestinationKind.Invalid, d.Kind);
        Assert.False(d.LeavesOrganization);
        Assert.Null(d.Recipient);
        Assert.Equal(4, d.Chain.Count);
        Assert.Contains("rewrites", d.Reason, StringComparison.Ordinal);
        // The address it stopped at is the last one it read, still at our domain.
        Assert.Equal("contoso.com", d.Address!.Mailbox!.Domain);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    public void Max_rewrites_is_the_number_of_rewrites_followed(int max)
    {
        var context = Context with { MaxRewrites = max };
        Assert.Equal(DestinationKind.Recipient, AddressResolver.Resolve(Nest(new Mailbox("jdoe", "contoso.com"), max), context).Kind);
        Assert.Equal(DestinationKind.Invalid, AddressResolver.Resolve(Nest(new Mailbox("jdoe", "contoso.com"), max + 1), context).Kind);
    }

    // Encapsulation grows the address, so the IMCEA length cap bounds the nesting; with no rewrite bound at all,
    // resolution still ends, at the innermost address.
    [Fact]
    public void The_deepest_nesting_that_fits_terminates_even_without_a_rewrite_bound()
    {
        var m = new Mailbox("u", "ext.com");
        var depth = 0;
        while (Imcea.TryEncapsulate(TypedAddress.FromMailbox(m), "contoso.com", out var outer, out _))
        {
            m = outer;
            depth++;
        }
        Assert.True(depth >= 3, $"only {depth} levels fit");
        var d = AddressResolver.Resolve(m, Context with { MaxRewrites = int.MaxValue });
        Assert.Equal(DestinationKind.Outside, d.Kind);
        Assert.Equal(depth, d.Chain.Count);
    }

    [Fact]
    public void Without_a_directory_nothing_is_a_recipient()
    {
        var context = Context with { Directory = RecipientDirectory.Empty };
        Assert.Equal(DestinationKind.UnknownLocal, Resolve("<jdoe@contoso.com>", context).Kind);
        Assert.Equal(DestinationKind.Postmaster, Resolve("<postmaster@contoso.com>", context).Kind);
        Assert.Equal(DestinationKind.Postmaster, Resolve("<postmaster>", context).Kind);
        Assert.Equal(DestinationKind.Outside, Resolve("<IMCEASMTP-user+40ext.com@contoso.com>", context).Kind);
        Assert.Equal(DestinationKind.UnknownLocal, Resolve("[EX:/O=CONTOSO/OU=HQ/CN=RECIPIENTS/CN=JDOE]", context).Kind);
    }

    [Fact]
    public void With_no_accepted_domain_every_smtp_address_is_outside_unless_the_directory_holds_it()
    {
        var context = Context with { IsAcceptedDomain = _ => false };
        Assert.Equal(DestinationKind.Outside, Resolve("<nobody@contoso.com>", context).Kind);
        Assert.Equal(DestinationKind.Outside, Resolve("<postmaster@contoso.com>", context).Kind);
        Assert.Equal(DestinationKind.Outside, Resolve("<IMCEASMTP-jdoe+40contoso.com@contoso.com>", context).Kind);
        Assert.Equal(DestinationKind.Recipient, Resolve("<jdoe@contoso.com>", context).Kind);
        Assert.Equal(DestinationKind.Postmaster, Resolve("<postmaster>", context).Kind);
    }

    [Fact]
    public void Resolving_twice_gives_the_same_answer()
    {
        var first = Resolve("<IMCEASMTP-partner+40contoso.com@sales.contoso.com>");
        var second = Resolve("<IMCEASMTP-partner+40contoso.com@sales.contoso.com>");
        Assert.Equal(first.Kind, second.Kind);
        Assert.Equal(first.Address, second.Address);
        Assert.Same(first.Recipient, second.Recipient);
        Assert.Equal(first.Chain, second.Chain);
    }

    [Theory]
    [InlineData("<postmaster@[192.0.2.1]>", DestinationKind.Postmaster)]
    [InlineData("<PostMaster@[IPv6:2001:db8::1]>", DestinationKind.Postmaster)]
    [InlineData("<jdoe@[192.0.2.1]>", DestinationKind.UnknownLocal)]
    [InlineData("<jdoe%contoso.com@[192.0.2.1]>", DestinationKind.UnknownLocal)]
    [InlineData("<\"x@outside.example\"@[192.0.2.1]>", DestinationKind.UnknownLocal)]
    [InlineData("<IMCEASMTP-x+40outside+2Eexample@[192.0.2.1]>", DestinationKind.UnknownLocal)]
    [InlineData("<postmaster@[192.0.2.2]>", DestinationKind.Outside)]
    public void An_address_literal_of_this_server_holds_only_its_postmaster(string input, DestinationKind kind)
    {
        var ours = SampleOrganization.Open with { IsOwnAddressLiteral = l => l is "[192.0.2.1]" or "[IPv6:2001:db8::1]" };

        var d = Resolve(input, ours);

        Assert.Equal(kind, d.Kind);
        Assert.Equal(kind == DestinationKind.Outside, d.LeavesOrganization);
    }
}
