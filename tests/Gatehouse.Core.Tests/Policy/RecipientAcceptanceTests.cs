using FsCheck;
using FsCheck.Fluent;
using Gatehouse.Core.Addresses;
using Gatehouse.Core.Directory;
using Gatehouse.Core.Policy;
using Gatehouse.Core.Resolution;
using Gatehouse.Core.Tests.Addresses;
using Gatehouse.Core.Tests.Resolution;
using Gatehouse.Core.Tests.Support;
using static Gatehouse.Core.Tests.Directory.Recipients;

namespace Gatehouse.Core.Tests.Policy;

public class RecipientAcceptanceTests
{
    private static readonly RecipientAcceptance Policy = new(["example.com", "Mixed.Example.ORG", "xn--bcher-kva.example"]);

    // One line per case: forward-path as the client writes it, SMTPUTF8, accepted?
    [Theory]
    [InlineData("<Postmaster>", false, true)]
    [InlineData("<postmaster>", false, true)]
    [InlineData("<POSTMASTER>", false, true)]
    [InlineData("<postmaster@example.com>", false, true)]
    [InlineData("<PostMaster@EXAMPLE.COM>", false, true)]
    [InlineData("<anyone@example.com>", false, true)]
    [InlineData("<Anyone@Example.Com>", false, true)]
    [InlineData("<\"quoted user\"@example.com>", false, true)]
    [InlineData("<@relay.example:user@example.com>", false, true)]
    [InlineData("<user@mixed.example.org>", false, true)]
    [InlineData("<user@MIXED.EXAMPLE.ORG>", false, true)]
    [InlineData("<user@bücher.example>", true, true)]
    [InlineData("<user@xn--bcher-kva.example>", false, true)]
    [InlineData("<postmaster@other.example>", false, false)]
    [InlineData("<user@other.example>", false, false)]
    [InlineData("<user@sub.example.com>", false, false)]
    [InlineData("<user@example.com.evil.example>", false, false)]
    [InlineData("<user@notexample.com>", false, false)]
    [InlineData("<user@com>", false, false)]
    [InlineData("<@example.com:user@other.example>", false, false)]
    [InlineData("<\"user@example.com\"@other.example>", false, false)]
    [InlineData("<user%example.com@other.example>", false, false)]
    [InlineData("<user@[127.0.0.1]>", false, false)]
    [InlineData("<postmaster@[127.0.0.1]>", false, false)]
    [InlineData("<user@[IPv6:::1]>", false, false)]
    public void Accepts_only_postmaster_and_accepted_domains(string path, bool utf8, bool accepted)
    {
        var pos = 0;
        Assert.True(SmtpPathParser.TryParseForwardPath(path, ref pos, utf8, out var rcpt, out var error), error);
        var refusal = Policy.Check(rcpt);
        if (accepted)
        {
            Assert.Null(refusal);
        }
        else
        {
            Assert.NotNull(refusal);
            Assert.Equal("550 5.7.1", refusal.ToWire()[..9]);
        }
    }

    [Fact]
    public void A_bare_local_part_other_than_postmaster_is_refused() =>
        Assert.NotNull(Policy.Check(new Mailbox("root", "")));

    [Fact]
    public void With_no_accepted_domains_only_bare_postmaster_is_accepted()
    {
        var none = new RecipientAcceptance([]);
        Assert.Null(none.Check(new Mailbox("postmaster", "")));
        Assert.NotNull(none.Check(new Mailbox("postmaster", "example.com")));
        Assert.NotNull(none.Check(new Mailbox("user", "example.com")));
    }

    // Address literals are never ours, even when a literal was put into the domain list by mistake.
    [Theory]
    [InlineData("[127.0.0.1]")]
    [InlineData("[IPv6:::1]")]
    public void Address_literals_are_never_accepted(string literal)
    {
        var careless = new RecipientAcceptance(["example.com", literal]);
        Assert.NotNull(careless.Check(new Mailbox("user", literal)));
        Assert.NotNull(careless.Check(new Mailbox("postmaster", literal)));
    }

    // With a directory (SampleOrganization): only what resolves to a recipient, a list or the postmaster is accepted.
    // One line per case: forward-path → the reply, "accept" or the first nine characters of the refusal.
    private static readonly RecipientAcceptance WithDirectory = new(SampleOrganization.AcceptedDomains, SampleOrganization.Directory, SenderRoutingOptions.Default);

    private const string DirectoryTable = """
        # directory recipients of every kind, by any of their addresses
        <jdoe@contoso.com>                               → accept
        <JOHN.DOE@CONTOSO.COM>                           → accept
        <jdoe@sales.contoso.com>                         → accept
        <sales@contoso.com>                              → accept
        <partner@contoso.com>                            → accept
        <mueller@contoso.com>                            → accept
        <legacy@contoso.com>                             → accept
        <@relay.example:jdoe@contoso.com>                → accept
        <IMCEASMTP-jdoe+40contoso.com@contoso.com>       → accept
        <IMCEAEX-_O=CONTOSO_OU=HQ_CN=RECIPIENTS_CN=JDOE@contoso.com> → accept
        <IMCEASMTP-partner+40contoso.com@contoso.com>    → accept
        # the postmaster needs no directory entry
        <Postmaster>                                     → accept
        <postmaster@contoso.com>                         → accept
        <PostMaster@sales.contoso.com>                   → accept
        # unknown here
        <nobody@contoso.com>                             → 550 5.1.1
        <"john smith"@contoso.com>                       → 550 5.1.1
        <IMCEASMTP-nobody+40contoso.com@contoso.com>     → 550 5.1.1
        <IMCEAEX-_O=CONTOSO_CN=NOBODY@contoso.com>       → 550 5.1.1
        # leaving the organization: refused until relay permissions exist (seed Q237927: decapsulated first)
        <user@ext.com>                                   → 550 5.7.1
        <someone@partner.example>                        → 550 5.7.1
        <IMCEASMTP-user+40ext.com@contoso.com>           → 550 5.7.1
        <imceasmtp-user+40ext+2ecom@sales.contoso.com>   → 550 5.7.1
        <IMCEASMTPOUT-user+40internal+2Edomain+2Ecom@contoso.com> → 550 5.7.1
        <IMCEASMTP-IMCEASMTP-user+2B40ext+2B2Ecom+40contoso+2Ecom@contoso.com> → 550 5.7.1
        <user@sub.contoso.com>                           → 550 5.7.1
        <user@[192.0.2.1]>                               → 550 5.7.1
        # sender-specified routing (seed Q264330 and the percent hack and bang paths, switched off)
        <"IMCEA user@domain2.com"@contoso.com>           → 550 5.7.1
        <"user@ext"@contoso.com>                         → 550 5.7.1
        <"jdoe@contoso.com"@contoso.com>                 → 550 5.7.1
        <user%ext.com@contoso.com>                       → 550 5.7.1
        <jdoe%contoso.com@contoso.com>                   → 550 5.7.1
        <ext.com!user@contoso.com>                       → 550 5.7.1
        <IMCEASMTP-user+25ext.com+40contoso.com@contoso.com> → 550 5.7.1
        # unreadable
        <IMCEASMTP-user+4@contoso.com>                   → 550 5.1.3
        <IMCEASMTP-user+ZZ+40ext.com@contoso.com>        → 550 5.1.3
        <"IMCEASMTP-user@ext.com"@contoso.com>           → 550 5.1.3
        <user%@contoso.com>                              → 550 5.1.3
        <"user@"@contoso.com>                            → 550 5.1.3
        """;

    public static TheoryData<string, string> DirectoryRows() => GoldenTable.Rows(DirectoryTable);

    [Theory]
    [MemberData(nameof(DirectoryRows))]
    public void With_a_directory_only_its_recipients_and_the_postmaster_are_accepted(string path, string expected)
    {
        var pos = 0;
        Assert.True(SmtpPathParser.TryParseForwardPath(path, ref pos, utf8: true, out var rcpt, out var error), error);
        var refusal = WithDirectory.Check(rcpt);
        Assert.Equal(expected, refusal is null ? "accept" : refusal.ToWire()[..9]);
        if (refusal is not null) Assert.True(refusal.IsPermanent);
    }

    [Fact]
    public void Unknown_recipients_are_refused_only_when_the_directory_has_recipients()
    {
        var empty = new RecipientAcceptance(SampleOrganization.AcceptedDomains, RecipientDirectory.Empty, SenderRoutingOptions.Default);
        Assert.Null(empty.Check(new Mailbox("nobody", "contoso.com")));
        Assert.Null(empty.Check(new Mailbox("jdoe", "sales.contoso.com")));
        Assert.Equal("550 5.1.1", WithDirectory.Check(new Mailbox("nobody", "contoso.com"))!.ToWire()[..9]);

        // One recipient is enough to switch the directory on.
        var one = new RecipientAcceptance(SampleOrganization.AcceptedDomains, Clean(Box("only", "SMTP:only@contoso.com")), SenderRoutingOptions.Default);
        Assert.Null(one.Check(new Mailbox("only", "contoso.com")));
        Assert.Equal("550 5.1.1", one.Check(new Mailbox("nobody", "contoso.com"))!.ToWire()[..9]);
    }

    // An empty directory accepts any local part at our domains, but nothing that hides another destination
    // and no unknown EX name (that is not "a local part at an accepted domain").
    [Theory]
    [InlineData("<IMCEASMTP-anyone+40contoso.com@contoso.com>", "accept")]
    [InlineData("<IMCEASMTP-user+40ext.com@contoso.com>", "550 5.7.1")]
    [InlineData("<\"IMCEA user@domain2.com\"@contoso.com>", "550 5.7.1")]
    [InlineData("<user%ext.com@contoso.com>", "550 5.7.1")]
    [InlineData("<IMCEAEX-_O=CONTOSO_CN=ANYONE@contoso.com>", "550 5.1.1")]
    [InlineData("<IMCEASMTP-user+4@contoso.com>", "550 5.1.3")]
    public void An_empty_directory_still_refuses_what_is_not_a_plain_local_name(string path, string expected)
    {
        var empty = new RecipientAcceptance(SampleOrganization.AcceptedDomains);
        var pos = 0;
        Assert.True(SmtpPathParser.TryParseForwardPath(path, ref pos, utf8: false, out var rcpt, out var error), error);
        var refusal = empty.Check(rcpt);
        Assert.Equal(expected, refusal is null ? "accept" : refusal.ToWire()[..9]);
    }

    [Fact]
    public void Percent_hack_switched_on_accepts_what_it_hides_only_when_that_is_ours()
    {
        var open = new RecipientAcceptance(SampleOrganization.AcceptedDomains, SampleOrganization.Directory, new SenderRoutingOptions { AllowPercentHack = true, SwapBangPath = true });
        Assert.Null(open.Check(new Mailbox("jdoe%contoso.com", "contoso.com")));
        Assert.Null(open.Check(new Mailbox("contoso.com!jdoe", "contoso.com")));
        Assert.Equal("550 5.7.1", open.Check(new Mailbox("user%ext.com", "contoso.com"))!.ToWire()[..9]);
        Assert.Equal("550 5.7.1", open.Check(new Mailbox("ext.com!user", "contoso.com"))!.ToWire()[..9]);
        Assert.Equal("550 5.1.1", open.Check(new Mailbox("nobody%contoso.com", "contoso.com"))!.ToWire()[..9]);
        Assert.Equal("550 5.7.1", open.Check(new Mailbox("user@ext.com", "contoso.com"))!.ToWire()[..9]);
    }

    [Theory]
    [InlineData(DestinationKind.Recipient, null)]
    [InlineData(DestinationKind.List, null)]
    [InlineData(DestinationKind.Postmaster, null)]
    [InlineData(DestinationKind.UnknownLocal, "550 5.1.1")]
    [InlineData(DestinationKind.Outside, "550 5.7.1")]
    [InlineData(DestinationKind.OneOff, "550 5.7.1")]
    [InlineData(DestinationKind.SenderRouted, "550 5.7.1")]
    [InlineData(DestinationKind.Invalid, "550 5.1.3")]
    public void Every_kind_of_destination_has_one_answer(DestinationKind kind, string? expected)
    {
        var d = new Destination(kind, TypedAddress.Create(AddressType.Smtp, "someone@contoso.com"), null, [], "why");
        Assert.Equal(expected, WithDirectory.Decide(d)?.ToWire()[..9]);
    }

    // The reason goes to an untrusted client on one reply line: printable ASCII, and short enough for RFC 5321 4.5.3.1.5.
    [Theory]
    [InlineData("<IMCEAX400-+C3+A9@contoso.com>")]
    [InlineData("<IMCEAX400-+C3+A9+E7+94+A8+F0+9F+98+80x@contoso.com>")]
    public void The_5_1_3_reply_is_one_short_printable_ascii_line(string path)
    {
        var pos = 0;
        Assert.True(SmtpPathParser.TryParseForwardPath(path, ref pos, utf8: false, out var rcpt, out var error), error);
        var wire = WithDirectory.Check(rcpt)!.ToWire();
        Assert.StartsWith("550 5.1.3 ", wire, StringComparison.Ordinal);
        Assert.EndsWith("\r\n", wire, StringComparison.Ordinal);
        Assert.All(wire[..^2], c => Assert.InRange(c, ' ', '~'));
    }

    [Fact]
    public void A_long_reason_is_cut_to_fit_a_reply_line()
    {
        var segment = new string('x', 900);
        var rcpt = new Mailbox("IMCEAX400-" + segment, "contoso.com");
        var reply = WithDirectory.Check(rcpt)!;
        Assert.Equal("550 5.1.3", reply.ToWire()[..9]);
        Assert.True(reply.ToWire().Length <= 512, $"{reply.ToWire().Length} octets");
    }

    private static readonly string[] Tokens =
    [
        "jdoe", "partner", "sales", "postmaster", "nobody", "IMCEASMTP-", "IMCEAEX-", "IMCEASMTPOUT-", "imceasmtp-", "IMCEA ",
        "+40", "+2E", "+25", "+21", "+22", "+4", "_O=CONTOSO", "_CN=JDOE", "%", "!", "@", ".", "\"", "contoso.com", "ext.com", "domain2.com",
    ];

    private static readonly Gen<Mailbox> Mailboxes =
        from local in Gen.Elements(Tokens).NonEmptyListOf().Select(string.Concat)
        from domain in Gen.Elements("contoso.com", "sales.contoso.com", "ext.com", "sub.contoso.com", "[192.0.2.1]", "")
        select new Mailbox(local, domain);

    // The relay invariant at the policy: nothing accepted ever leaves the organization, except through a contact
    // (whose target the administrator put in the directory).
    [Fact]
    public void Nothing_accepted_leaves_the_organization_except_through_a_contact()
    {
        var policies = new[]
        {
            (Policy: WithDirectory, Context: SampleOrganization.Context),
            (Policy: new RecipientAcceptance(SampleOrganization.AcceptedDomains, SampleOrganization.Directory, SampleOrganization.Open.SenderRouting), Context: SampleOrganization.Open),
            (Policy: new RecipientAcceptance(SampleOrganization.AcceptedDomains), Context: SampleOrganization.Context with { Directory = RecipientDirectory.Empty }),
        };
        Check.One(Properties.Deterministic(3000), Prop.ForAll(Mailboxes.ToArbitrary(), mailbox =>
        {
            foreach (var (policy, context) in policies)
            {
                var reply = policy.Check(mailbox);
                var d = AddressResolver.Resolve(mailbox, context);
                Assert.Equal(reply?.ToWire(), policy.Decide(d)?.ToWire());
                if (reply is not null)
                {
                    Assert.Equal(550, reply.Code);
                    continue;
                }
                Assert.True(d.Kind is DestinationKind.Recipient or DestinationKind.List or DestinationKind.Postmaster or DestinationKind.UnknownLocal, d.Kind.ToString());
                Assert.True(!d.LeavesOrganization || d.Recipient is ContactRecipient, $"{mailbox} accepted but leaves: {d.Reason}");
                if (d.Kind == DestinationKind.UnknownLocal) Assert.Equal(0, context.Directory.Count);
            }
        }));
    }
}
