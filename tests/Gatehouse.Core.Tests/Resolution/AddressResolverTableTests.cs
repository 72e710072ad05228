using Gatehouse.Core.Addresses;
using Gatehouse.Core.Resolution;
using Gatehouse.Core.Tests.Addresses;

namespace Gatehouse.Core.Tests.Resolution;

/// <summary>
/// The resolver against <see cref="SampleOrganization"/>, one surface address per line: what it turns
/// out to be, whether mail to it leaves the organization, the final typed address, the directory
/// recipient, and the chain of rules that led there.
/// </summary>
/// <remarks>
/// Inputs: <c>&lt;path&gt;</c> is an RCPT TO forward-path (SMTPUTF8 on), <c>[TYPE:value]</c> a one-off
/// and <c>TYPE:value</c> a typed address, both through <see cref="AddressResolver.Resolve(TypedAddress, ResolverContext)"/>.
/// Expectation: <c>Kind | leaves | final address | alias | rules</c>, "-" for none.
/// </remarks>
public class AddressResolverTableTests
{
    private const string Default = """
        # directory mailboxes: any proxy, SMTP local part and domain in any case, quoted or not
        <John.Doe@contoso.com>                     → Recipient | no | SMTP:John.Doe@contoso.com | jdoe | directory
        <jdoe@contoso.com>                         → Recipient | no | SMTP:jdoe@contoso.com | jdoe | directory
        <JDOE@CONTOSO.COM>                         → Recipient | no | SMTP:JDOE@contoso.com | jdoe | directory
        <"jdoe"@Contoso.Com>                       → Recipient | no | SMTP:jdoe@contoso.com | jdoe | directory
        <jdoe@sales.contoso.com>                   → Recipient | no | SMTP:jdoe@sales.contoso.com | jdoe | directory
        <@relay.example:jdoe@contoso.com>          → Recipient | no | SMTP:jdoe@contoso.com | jdoe | source-route,directory
        <@a.example,@b.example:jdoe@contoso.com>   → Recipient | no | SMTP:jdoe@contoso.com | jdoe | source-route,directory
        # the directory comes first: an address a recipient holds is that recipient, however it looks or wherever it is
        <jdoe%special@contoso.com>                 → Recipient | no | SMTP:jdoe%special@contoso.com | jdoe | directory
        <JDoe@Fabrikam.Example>                    → Recipient | no | SMTP:JDoe@fabrikam.example | jdoe | directory
        <alice.smith@contoso.com>                  → Recipient | no | SMTP:alice.smith@contoso.com | asmith | directory

        # contacts: the final address is the target, resolved here (seed Q152919), of any type
        <partner@contoso.com>                      → Recipient | yes | SMTP:someone@partner.example | partner | directory,contact-target
        <Partner@Contoso.com>                      → Recipient | yes | SMTP:someone@partner.example | partner | directory,contact-target
        <mueller@contoso.com>                      → Recipient | yes | X400:c=DE;a=;p=Partner;o=Berlin;s=Mueller | mueller | directory,contact-target
        <legacy@contoso.com>                       → Recipient | yes | SMTPOUT:user@internal.domain.com | legacy | directory,contact-target
        <loopback@contoso.com>                     → Recipient | no | SMTP:jdoe@contoso.com | jdoe | directory,contact-target,directory
        # a contact's target is not one of its addresses
        <someone@partner.example>                  → Outside | yes | SMTP:someone@partner.example | - | -

        # lists
        <sales@contoso.com>                        → List | no | SMTP:sales@contoso.com | sales | directory
        <SALES@Sales.Contoso.com>                  → List | no | SMTP:SALES@sales.contoso.com | sales | directory

        # postmaster (RFC 5321 4.1.1.3, 4.5.1): the bare form and at each of our domains, in any case
        <Postmaster>                               → Postmaster | no | - | - | -
        <postmaster>                               → Postmaster | no | - | - | -
        <POSTMASTER>                               → Postmaster | no | - | - | -
        <postmaster@contoso.com>                   → Postmaster | no | SMTP:postmaster@contoso.com | - | -
        <PostMaster@SALES.contoso.com>             → Postmaster | no | SMTP:PostMaster@sales.contoso.com | - | -
        <"postmaster"@contoso.com>                 → Postmaster | no | SMTP:postmaster@contoso.com | - | -
        <@relay.example:postmaster@contoso.com>    → Postmaster | no | SMTP:postmaster@contoso.com | - | source-route
        <postmaster@ext.com>                       → Outside | yes | SMTP:postmaster@ext.com | - | -
        <postmaster@sub.contoso.com>               → Outside | yes | SMTP:postmaster@sub.contoso.com | - | -

        # unknown at our domains
        <nobody@contoso.com>                       → UnknownLocal | no | SMTP:nobody@contoso.com | - | -
        <Nobody@Sales.Contoso.Com>                 → UnknownLocal | no | SMTP:Nobody@sales.contoso.com | - | -
        <"john smith"@contoso.com>                 → UnknownLocal | no | SMTP:"john smith"@contoso.com | - | -
        <imceadmin@contoso.com>                    → UnknownLocal | no | SMTP:imceadmin@contoso.com | - | -
        <IMCEA@contoso.com>                        → UnknownLocal | no | SMTP:IMCEA@contoso.com | - | -
        <IMCEA-user@contoso.com>                   → UnknownLocal | no | SMTP:IMCEA-user@contoso.com | - | -
        <@relay.example:nobody@contoso.com>        → UnknownLocal | no | SMTP:nobody@contoso.com | - | source-route

        # outside domains: every look-alike of ours, address literals, and local parts nobody here may interpret
        <user@ext.com>                             → Outside | yes | SMTP:user@ext.com | - | -
        <User@EXT.COM>                             → Outside | yes | SMTP:User@ext.com | - | -
        <jdoe@sub.contoso.com>                     → Outside | yes | SMTP:jdoe@sub.contoso.com | - | -
        <jdoe@contoso.com.evil.example>            → Outside | yes | SMTP:jdoe@contoso.com.evil.example | - | -
        <jdoe@notcontoso.com>                      → Outside | yes | SMTP:jdoe@notcontoso.com | - | -
        <jdoe@contoso.co>                          → Outside | yes | SMTP:jdoe@contoso.co | - | -
        <user@[192.0.2.1]>                         → Outside | yes | SMTP:user@[192.0.2.1] | - | -
        <user@[IPv6:2001:db8::1]>                  → Outside | yes | SMTP:user@[IPv6:2001:db8::1] | - | -
        <user@bücher.example>                      → Outside | yes | SMTP:user@xn--bcher-kva.example | - | -
        <@contoso.com:user@ext.com>                → Outside | yes | SMTP:user@ext.com | - | source-route
        <IMCEASMTP-user+40ext.com@ext.com>         → Outside | yes | SMTP:IMCEASMTP-user+40ext.com@ext.com | - | -
        <IMCEASMTP-user+4@ext.com>                 → Outside | yes | SMTP:IMCEASMTP-user+4@ext.com | - | -
        <user%contoso.com@ext.com>                 → Outside | yes | SMTP:user%contoso.com@ext.com | - | -
        <"jdoe@contoso.com"@ext.com>               → Outside | yes | SMTP:"jdoe@contoso.com"@ext.com | - | -
        <"IMCEA user@domain2.com"@domain2.com>     → Outside | yes | SMTP:"IMCEA user@domain2.com"@domain2.com | - | -

        # seed Q237927: decapsulation happens before anything is decided; an outside address stays outside
        <IMCEASMTP-user+40ext.com@contoso.com>     → Outside | yes | SMTP:user@ext.com | - | decapsulate
        <IMCEASMTP-user+40ext+2Ecom@contoso.com>   → Outside | yes | SMTP:user@ext.com | - | decapsulate
        <imceasmtp-user+40ext+2ecom@contoso.com>   → Outside | yes | SMTP:user@ext.com | - | decapsulate
        <ImCeAsMtP-User+40Ext.Com@SALES.CONTOSO.COM> → Outside | yes | SMTP:User@ext.com | - | decapsulate
        <"IMCEASMTP-user+40ext.com"@contoso.com>   → Outside | yes | SMTP:user@ext.com | - | decapsulate
        <@relay.example:IMCEASMTP-user+40ext.com@contoso.com> → Outside | yes | SMTP:user@ext.com | - | source-route,decapsulate
        <IMCEASMTP-user+40+5B192.0.2.1+5D@contoso.com> → Outside | yes | SMTP:user@[192.0.2.1] | - | decapsulate
        <IMCEASMTP-user+40sub.contoso.com@contoso.com> → Outside | yes | SMTP:user@sub.contoso.com | - | decapsulate
        # ... and one of our own recipients is that recipient
        <IMCEASMTP-jdoe+40contoso+2Ecom@contoso.com>     → Recipient | no | SMTP:jdoe@contoso.com | jdoe | decapsulate,directory
        <imceasmtp-JDOE+40CONTOSO+2ECOM@contoso.com>     → Recipient | no | SMTP:JDOE@contoso.com | jdoe | decapsulate,directory
        <IMCEASMTP-jdoe+40fabrikam.example@contoso.com>  → Recipient | no | SMTP:jdoe@fabrikam.example | jdoe | decapsulate,directory
        <IMCEASMTP-partner+40contoso.com@sales.contoso.com> → Recipient | yes | SMTP:someone@partner.example | partner | decapsulate,directory,contact-target
        <IMCEASMTP-sales+40contoso.com@contoso.com>      → List | no | SMTP:sales@contoso.com | sales | decapsulate,directory
        <IMCEASMTP-nobody+40contoso.com@contoso.com>     → UnknownLocal | no | SMTP:nobody@contoso.com | - | decapsulate
        <IMCEASMTP-postmaster+40contoso.com@contoso.com> → Postmaster | no | SMTP:postmaster@contoso.com | - | decapsulate
        # other types
        <IMCEAEX-_O=CONTOSO_OU=HQ_CN=RECIPIENTS_CN=JDOE@contoso.com>   → Recipient | no | EX:/O=CONTOSO/OU=HQ/CN=RECIPIENTS/CN=JDOE | jdoe | decapsulate,directory
        <imceaex-_o=contoso_ou=hq_cn=recipients_cn=jdoe@contoso.com>   → Recipient | no | EX:/o=contoso/ou=hq/cn=recipients/cn=jdoe | jdoe | decapsulate,directory
        <IMCEAEX-_O=CONTOSO_OU=HQ_CN=RECIPIENTS_CN=NOBODY@contoso.com> → UnknownLocal | no | EX:/O=CONTOSO/OU=HQ/CN=RECIPIENTS/CN=NOBODY | - | decapsulate
        <IMCEAX500-_O=CONTOSO_OU=OLDSITE_CN=RECIPIENTS_CN=JDOE@contoso.com> → Recipient | no | X500:/O=CONTOSO/OU=OLDSITE/CN=RECIPIENTS/CN=JDOE | jdoe | decapsulate,directory
        <IMCEAX400-g=John+3Bs=Doe+3Bo=HQ+3Bp=Contoso+3Ba=+3Bc=US@contoso.com> → Recipient | no | X400:g=John;s=Doe;o=HQ;p=Contoso;a=;c=US | jdoe | decapsulate,directory
        <IMCEAMS-CONTOSO_HQ_ASMITH@contoso.com>    → Recipient | no | MS:CONTOSO/HQ/ASMITH | asmith | decapsulate,directory
        <IMCEASMTPOUT-user+40internal+2Edomain+2Ecom@contoso.com> → OneOff | yes | SMTPOUT:user@internal.domain.com | - | decapsulate
        <IMCEAFAX-1234567890@contoso.com>          → OneOff | yes | FAX:1234567890 | - | decapsulate
        # one level at a time, each level looked at again, and a hidden form of sender routing is still refused
        <IMCEASMTP-IMCEASMTP-user+2B40ext+2B2Ecom+40contoso+2Ecom@contoso.com> → Outside | yes | SMTP:user@ext.com | - | decapsulate,decapsulate
        <IMCEASMTP-IMCEASMTP-jdoe+2B40contoso+2B2Ecom+40contoso+2Ecom@contoso.com> → Recipient | no | SMTP:jdoe@contoso.com | jdoe | decapsulate,decapsulate,directory
        <IMCEASMTP-IMCEASMTP-user+2B40ext+2B2Ecom+40ext+2Ecom@contoso.com> → Outside | yes | SMTP:IMCEASMTP-user+40ext+2Ecom@ext.com | - | decapsulate
        <IMCEASMTP-+22user+40ext.com+22+40contoso.com@contoso.com> → SenderRouted | no | SMTP:user@ext.com | - | decapsulate
        <IMCEASMTP-user+25ext.com+40contoso.com@contoso.com> → SenderRouted | no | SMTP:user@ext.com | - | decapsulate
        <IMCEASMTP-ext.com+21user+40contoso.com@contoso.com> → SenderRouted | no | SMTP:user@ext.com | - | decapsulate

        # malformed encapsulation is refused, never guessed
        <IMCEASMTP-user+4@contoso.com>             → Invalid | no | SMTP:IMCEASMTP-user+4@contoso.com | - | -
        <IMCEASMTP-user+ZZ+40ext.com@contoso.com>  → Invalid | no | SMTP:IMCEASMTP-user+ZZ+40ext.com@contoso.com | - | -
        <IMCEASMTP-user+FF+40ext.com@contoso.com>  → Invalid | no | SMTP:IMCEASMTP-user+FF+40ext.com@contoso.com | - | -
        <IMCEASMTP-user+0D+0A+40ext.com@contoso.com> → Invalid | no | SMTP:IMCEASMTP-user+0D+0A+40ext.com@contoso.com | - | -
        <IMCEASMTP-user+40ext.com+40contoso.com@contoso.com> → Invalid | no | SMTP:IMCEASMTP-user+40ext.com+40contoso.com@contoso.com | - | -
        <IMCEASMTP-user@contoso.com>               → Invalid | no | SMTP:IMCEASMTP-user@contoso.com | - | -
        <IMCEASMTP-@contoso.com>                   → Invalid | no | SMTP:IMCEASMTP-@contoso.com | - | -
        <"IMCEASMTP-user@ext.com"@contoso.com>     → Invalid | no | SMTP:"IMCEASMTP-user@ext.com"@contoso.com | - | -
        <IMCEAEX-O=CONTOSO+40x@contoso.com>        → Invalid | no | SMTP:IMCEAEX-O=CONTOSO+40x@contoso.com | - | -

        # seed Q264330 and its relatives: a quoted address is sender-specified routing, never an outside destination
        <"IMCEA user@domain2.com"@contoso.com>     → SenderRouted | no | SMTP:user@domain2.com | - | -
        <"IMCEA user@domain2.com"@sales.contoso.com> → SenderRouted | no | SMTP:user@domain2.com | - | -
        <"imcea   user@domain2.com"@contoso.com>   → SenderRouted | no | SMTP:user@domain2.com | - | -
        <"user@ext"@contoso.com>                   → SenderRouted | no | SMTP:user@ext | - | -
        <"user@ext.com"@contoso.com>               → SenderRouted | no | SMTP:user@ext.com | - | -
        <"jdoe@contoso.com"@contoso.com>           → SenderRouted | no | SMTP:jdoe@contoso.com | - | -
        <@relay.example:"user@ext.com"@contoso.com> → SenderRouted | no | SMTP:user@ext.com | - | source-route
        <"user@"@contoso.com>                      → Invalid | no | SMTP:"user@"@contoso.com | - | -
        <"@ext.com"@contoso.com>                   → Invalid | no | SMTP:"@ext.com"@contoso.com | - | -

        # percent hack and bang paths, switches off (the default): refused as sender-specified routing
        <user%ext.com@contoso.com>                 → SenderRouted | no | SMTP:user@ext.com | - | -
        <"user%ext.com"@contoso.com>               → SenderRouted | no | SMTP:user@ext.com | - | -
        <jdoe%contoso.com@contoso.com>             → SenderRouted | no | SMTP:jdoe@contoso.com | - | -
        <ext.com!user@contoso.com>                 → SenderRouted | no | SMTP:user@ext.com | - | -
        <contoso.com!jdoe@contoso.com>             → SenderRouted | no | SMTP:jdoe@contoso.com | - | -
        <@contoso.com:user%ext.com@contoso.com>    → SenderRouted | no | SMTP:user@ext.com | - | source-route
        <user%@contoso.com>                        → Invalid | no | SMTP:user%@contoso.com | - | -
        <!user@contoso.com>                        → Invalid | no | SMTP:!user@contoso.com | - | -

        # one-offs (seed Q183801) and typed addresses
        [SMTPOUT:user@internal.domain.com]         → OneOff | yes | SMTPOUT:user@internal.domain.com | - | -
        [smtpout:user@internal.domain.com]         → OneOff | yes | SMTPOUT:user@internal.domain.com | - | -
        SMTPOUT:user@internal.domain.com           → OneOff | yes | SMTPOUT:user@internal.domain.com | - | -
        [FAX:+14255550100]                         → OneOff | yes | FAX:+14255550100 | - | -
        [X400:c=DE;a=;p=Partner;o=Berlin;s=Mueller] → OneOff | yes | X400:c=DE;a=;p=Partner;o=Berlin;s=Mueller | - | -
        [SMTP:user@ext.com]                        → Outside | yes | SMTP:user@ext.com | - | -
        [SMTP:JDOE@contoso.com]                    → Recipient | no | SMTP:JDOE@contoso.com | jdoe | directory
        [SMTP:partner@contoso.com]                 → Recipient | yes | SMTP:someone@partner.example | partner | directory,contact-target
        [SMTP:nobody@contoso.com]                  → UnknownLocal | no | SMTP:nobody@contoso.com | - | -
        [SMTP:postmaster@contoso.com]              → Postmaster | no | SMTP:postmaster@contoso.com | - | -
        [SMTP:IMCEASMTP-user+40ext.com@contoso.com] → Outside | yes | SMTP:user@ext.com | - | decapsulate
        [SMTP:"user@ext.com"@contoso.com]          → SenderRouted | no | SMTP:user@ext.com | - | -
        [SMTP:user%ext.com@contoso.com]            → SenderRouted | no | SMTP:user@ext.com | - | -
        [EX:/O=CONTOSO/OU=HQ/CN=RECIPIENTS/CN=JDOE] → Recipient | no | EX:/O=CONTOSO/OU=HQ/CN=RECIPIENTS/CN=JDOE | jdoe | directory
        [EX:/o=contoso/ou=hq/cn=recipients/cn=jdoe] → Recipient | no | EX:/o=contoso/ou=hq/cn=recipients/cn=jdoe | jdoe | directory
        ex:/O=CONTOSO/OU=HQ/CN=RECIPIENTS/CN=JDOE  → Recipient | no | EX:/O=CONTOSO/OU=HQ/CN=RECIPIENTS/CN=JDOE | jdoe | directory
        # an EX or X500 name nobody holds is ours and unknown, never a one-off that could leave
        [EX:/O=CONTOSO/OU=HQ/CN=RECIPIENTS/CN=NOBODY] → UnknownLocal | no | EX:/O=CONTOSO/OU=HQ/CN=RECIPIENTS/CN=NOBODY | - | -
        [EX:/O=OTHERORG/CN=SOMEONE]                → UnknownLocal | no | EX:/O=OTHERORG/CN=SOMEONE | - | -
        [X500:/O=CONTOSO/OU=HQ/CN=RECIPIENTS/CN=JDOE] → UnknownLocal | no | X500:/O=CONTOSO/OU=HQ/CN=RECIPIENTS/CN=JDOE | - | -
        [X500:/o=contoso/ou=oldsite/cn=recipients/cn=jdoe] → Recipient | no | X500:/o=contoso/ou=oldsite/cn=recipients/cn=jdoe | jdoe | directory
        # X.400: attribute order, case and blank values do not matter
        [X400:g=John;s=Doe;o=HQ;p=Contoso;a=;c=US] → Recipient | no | X400:g=John;s=Doe;o=HQ;p=Contoso;a=;c=US | jdoe | directory
        [X400:C=us;A=;P=CONTOSO;O=hq;S=doe;G=john;] → Recipient | no | X400:C=us;A=;P=CONTOSO;O=hq;S=doe;G=john; | jdoe | directory
        [X400:c=US;a=;p=Contoso;o=HQ;s=Sales]      → List | no | X400:c=US;a=;p=Contoso;o=HQ;s=Sales | sales | directory
        [X400:c=US;a=;p=Contoso;o=HQ;s=Doe]        → OneOff | yes | X400:c=US;a=;p=Contoso;o=HQ;s=Doe | - | -
        [MS:contoso/hq/asmith]                     → Recipient | no | MS:contoso/hq/asmith | asmith | directory
        """;

    // With Postfix's allow_percent_hack and swap_bangpath on: the hidden address replaces the surface one and is resolved in its place.
    private const string Open = """
        <user%ext.com@contoso.com>                 → Outside | yes | SMTP:user@ext.com | - | percent-hack
        <"user%ext.com"@contoso.com>               → Outside | yes | SMTP:user@ext.com | - | percent-hack
        <"user%[192.0.2.1]"@contoso.com>           → Outside | yes | SMTP:user@[192.0.2.1] | - | percent-hack
        <user%a.example%ext.com@contoso.com>       → Outside | yes | SMTP:user%a.example@ext.com | - | percent-hack
        <jdoe%contoso.com@contoso.com>             → Recipient | no | SMTP:jdoe@contoso.com | jdoe | percent-hack,directory
        <jdoe%special@contoso.com>                 → Recipient | no | SMTP:jdoe%special@contoso.com | jdoe | directory
        <partner%contoso.com@contoso.com>          → Recipient | yes | SMTP:someone@partner.example | partner | percent-hack,directory,contact-target
        <jdoe%sales.contoso.com%contoso.com@contoso.com> → Recipient | no | SMTP:jdoe@sales.contoso.com | jdoe | percent-hack,percent-hack,directory
        <nobody%contoso.com@contoso.com>           → UnknownLocal | no | SMTP:nobody@contoso.com | - | percent-hack
        <postmaster%contoso.com@contoso.com>       → Postmaster | no | SMTP:postmaster@contoso.com | - | percent-hack
        <ext.com!user@contoso.com>                 → Outside | yes | SMTP:user@ext.com | - | bang-path
        <contoso.com!jdoe@sales.contoso.com>       → Recipient | no | SMTP:jdoe@contoso.com | jdoe | bang-path,directory
        <ext.com!user%contoso.com@contoso.com>     → Outside | yes | SMTP:user@ext.com | - | percent-hack,bang-path
        <IMCEASMTP-user+25ext.com+40contoso.com@contoso.com> → Outside | yes | SMTP:user@ext.com | - | decapsulate,percent-hack
        [SMTP:user%ext.com@contoso.com]            → Outside | yes | SMTP:user@ext.com | - | percent-hack
        # the rewrites are bounded (MaxRewrites = 4): four are followed, a fifth is refused
        <u%contoso.com%contoso.com%contoso.com%contoso.com@contoso.com> → UnknownLocal | no | SMTP:u@contoso.com | - | percent-hack,percent-hack,percent-hack,percent-hack
        <u%contoso.com%contoso.com%contoso.com%contoso.com%contoso.com@contoso.com> → Invalid | no | SMTP:u%contoso.com@contoso.com | - | percent-hack,percent-hack,percent-hack,percent-hack
        # never switched on: quoted addresses, and an unreadable hidden address
        <"user@ext.com"@contoso.com>               → SenderRouted | no | SMTP:user@ext.com | - | -
        <"IMCEA user@domain2.com"@contoso.com>     → SenderRouted | no | SMTP:user@domain2.com | - | -
        <user%@contoso.com>                        → Invalid | no | SMTP:user%@contoso.com | - | -
        <ext.com!@contoso.com>                     → Invalid | no | SMTP:ext.com!@contoso.com | - | -
        # other domains' local parts are theirs
        <user%ext.com@ext.com>                     → Outside | yes | SMTP:user%ext.com@ext.com | - | -
        <contoso.com!jdoe@ext.com>                 → Outside | yes | SMTP:contoso.com!jdoe@ext.com | - | -
        """;

    public static TheoryData<string, string> DefaultRows() => GoldenTable.Rows(Default);

    public static TheoryData<string, string> OpenRows() => GoldenTable.Rows(Open);

    [Theory]
    [MemberData(nameof(DefaultRows))]
    public void Default_switches(string input, string expected) => Check(input, expected, SampleOrganization.Context);

    [Theory]
    [MemberData(nameof(OpenRows))]
    public void Percent_hack_and_bang_paths_switched_on(string input, string expected) => Check(input, expected, SampleOrganization.Open);

    internal static Destination Resolve(string input, ResolverContext context)
    {
        if (input.StartsWith('<'))
        {
            var pos = 0;
            Assert.True(SmtpPathParser.TryParseForwardPath(input, ref pos, utf8: true, out var mailbox, out var route, out var error), $"{input}: {error}");
            Assert.Equal(input.Length, pos);
            return AddressResolver.Resolve(mailbox, context, route);
        }
        if (input.StartsWith('['))
        {
            Assert.True(OneOffAddress.TryParse(input, out var oneOff, out var error), $"{input}: {error}");
            return AddressResolver.Resolve(oneOff, context);
        }
        Assert.True(TypedAddress.TryParse(input, out var typed, out var why), $"{input}: {why}");
        return AddressResolver.Resolve(typed, context);
    }

    private static void Check(string input, string expected, ResolverContext context)
    {
        var fields = expected.Split('|', StringSplitOptions.TrimEntries);
        Assert.Equal(5, fields.Length);
        var d = Resolve(input, context);
        var rules = d.Chain.Count == 0 ? "-" : string.Join(",", d.Chain.Select(s => s.Rule));
        var actual = $"{d.Kind} | {(d.LeavesOrganization ? "yes" : "no")} | {d.Address?.ToString() ?? "-"} | {d.Recipient?.Alias ?? "-"} | {rules}";
        Assert.Equal(string.Join(" | ", fields), actual);
        Assert.Equal(Enum.Parse<DestinationKind>(fields[0]), d.Kind);

        Assert.NotEqual("", d.Reason);
        Assert.Equal(d.Kind is DestinationKind.Recipient or DestinationKind.List, d.Recipient is not null);
        // Each rewrite starts where the one before it ended, so the trace reads as one chain.
        for (var i = 1; i < d.Chain.Count; i++)
        {
            if (d.Chain[i - 1].Rule != "source-route") Assert.Equal(d.Chain[i - 1].To, d.Chain[i].From);
        }
        Assert.All(d.Chain, s => Assert.NotEqual("", s.Detail));
    }
}
