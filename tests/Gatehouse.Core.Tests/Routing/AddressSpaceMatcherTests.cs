using Gatehouse.Core.Addresses;
using Gatehouse.Core.Configuration;
using Gatehouse.Core.Routing;
using Gatehouse.Core.Tests.Addresses;

namespace Gatehouse.Core.Tests.Routing;

/// <summary>Which address spaces cover which addresses, and how specifically (the order the GWART compares them in).</summary>
public class AddressSpaceMatcherTests
{
    // TYPE:pattern | TYPE:address → specificity (-1: does not cover it).
    public static TheoryData<string, string> Matches => GoldenTable.Rows("""
        # SMTP: * covers every domain, address literals included.
        SMTP:*                  | SMTP:user@example.com                          → 0
        SMTP:*                  | SMTP:user@[192.0.2.1]                          → 0
        SMTP:*                  | SMTP:user@[IPv6:2001:db8::1]                   → 0
        # An exact domain: 1000 + its length; the domain only, in any case.
        SMTP:example.com        | SMTP:user@example.com                          → 1011
        SMTP:example.com        | SMTP:User@EXAMPLE.COM                          → 1011
        SMTP:example.com        | SMTP:user@sub.example.com                      → -1
        SMTP:example.com        | SMTP:user@badexample.com                       → -1
        SMTP:example.com        | SMTP:user@example.com.au                       → -1
        SMTP:example.com        | SMTP:user@[192.0.2.1]                          → -1
        # *.domain: 500 + its length; subdomains at any depth, never the domain itself nor a look-alike.
        SMTP:*.example.com      | SMTP:user@sub.example.com                      → 513
        SMTP:*.example.com      | SMTP:user@a.b.example.com                      → 513
        SMTP:*.example.com      | SMTP:user@A.B.EXAMPLE.COM                      → 513
        SMTP:*.example.com      | SMTP:user@example.com                          → -1
        SMTP:*.example.com      | SMTP:user@badexample.com                       → -1
        SMTP:*.b.example.com    | SMTP:user@a.b.example.com                      → 515
        # A space covers its own type only.
        SMTP:*                  | SMTPOUT:user@internal.domain.com               → -1
        SMTP:example.com        | X400:c=US;a= ;p=Example;s=Smith                → -1
        SMTPOUT:*               | SMTP:user@internal.domain.com                  → -1
        # Other types: * (0), a prefix ending in * (its length), or the exact value (1000 + length), case-insensitive.
        SMTPOUT:*               | SMTPOUT:user@internal.domain.com               → 0
        SMTPOUT:user@*          | SMTPOUT:user@internal.domain.com               → 5
        SMTPOUT:USER@INTERNAL*  | SMTPOUT:user@internal.domain.com               → 13
        SMTPOUT:other*          | SMTPOUT:user@internal.domain.com               → -1
        SMTPOUT:user@internal.domain.com | SMTPOUT:USER@internal.domain.com      → 1024
        SMTPOUT:user@internal.domain.com | SMTPOUT:user@internal.domain.co       → -1
        FAX:+1555*              | FAX:+15551234                                  → 5
        FAX:+1555*              | FAX:+4930123                                   → -1
        # X400: every attribute of the pattern must be in the address with the same value; specificity is their count.
        X400:*                  | X400:c=US;a= ;p=Org;o=HQ;s=Smith               → 0
        X400:c=US               | X400:c=US;a= ;p=Org;o=HQ;s=Smith               → 1
        X400:c=US;p=Org         | X400:c=US;a= ;p=Org;o=HQ;s=Smith               → 2
        X400:p=org;c=us         | X400:C=US;a= ;P=ORG;o=HQ;s=Smith               → 2
        X400:c=US;a= ;p=Org     | X400:c=US;a= ;p=Org;o=HQ;s=Smith               → 3
        X400:c=US;a=;p=Org;     | X400:c=US;a= ;p=Org;o=HQ;s=Smith               → 3
        X400:c=US;p=Other       | X400:c=US;a= ;p=Org;o=HQ;s=Smith               → -1
        X400:c=US;a=ATTMAIL;p=Org | X400:c=US;a= ;p=Org;s=Smith                  → -1
        X400:c=US;o=HQ;s=Jones  | X400:c=US;a= ;p=Org;o=HQ;s=Smith               → -1
        X400:c=US;ou=Sales      | X400:c=US;p=Org;ou=HQ;ou=Sales;s=Smith         → 2
        X400:c=US;ou=Finance    | X400:c=US;p=Org;ou=HQ;ou=Sales;s=Smith         → -1
        """);

    [Theory]
    [MemberData(nameof(Matches))]
    public void Match(string input, string expected)
    {
        var (space, address) = Parse(input);
        Assert.Equal(int.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), AddressSpaceMatcher.Match(space, address));
    }

    [Fact]
    public void The_most_specific_space_orders_first_whatever_the_lengths()
    {
        var address = Org.Address("SMTP:user@a.b.example.com");
        string[] patterns = ["*", "*.com", "*.example.com", "*.b.example.com", "a.b.example.com"];
        var ordered = patterns.OrderByDescending(p => AddressSpaceMatcher.Match(Org.Space("SMTP", p), address)).ToArray();
        Assert.Equal(["a.b.example.com", "*.b.example.com", "*.example.com", "*.com", "*"], ordered);
        // An exact domain beats any wildcard, even a very long one.
        var longWildcard = "*." + string.Join('.', Enumerable.Repeat("label", 40)) + ".com";
        var deep = Org.Address("SMTP:user@x." + longWildcard[2..]);
        Assert.True(AddressSpaceMatcher.Match(Org.Space("SMTP", "x." + longWildcard[2..]), deep) > AddressSpaceMatcher.Match(Org.Space("SMTP", longWildcard), deep));
    }

    // TYPE:pattern → valid, or the start of the error.
    public static TheoryData<string, string> Patterns => GoldenTable.Rows("""
        SMTP:*                     → valid
        SMTP:example.com           → valid
        SMTP:*.example.com         → valid
        SMTP:                      → empty pattern
        SMTP:exa mple.com          → an SMTP address space is a domain
        SMTP:*.                    → an SMTP address space is a domain
        SMTP:*example.com          → an SMTP address space is a domain
        SMTP:user@example.com      → an SMTP address space is a domain
        SMTP:[192.0.2.1]           → an SMTP address space is a domain
        X400:c=US;p=Org            → valid
        X400:*                     → valid
        X400:junk                  → an X400 address space is attributes
        SMTPOUT:*                  → valid
        SMTPOUT:user@*             → valid
        FAX:+1555*                 → valid
        """);

    [Theory]
    [MemberData(nameof(Patterns))]
    public void Pattern_validation(string input, string expected)
    {
        var colon = input.IndexOf(':', StringComparison.Ordinal);
        var ok = AddressSpaceMatcher.IsValidPattern(AddressType.Parse(input[..colon]), input[(colon + 1)..], out var error);
        if (expected == "valid") Assert.True(ok, error);
        else
        {
            Assert.False(ok);
            Assert.StartsWith(expected, error, StringComparison.Ordinal);
        }
    }

    private static (AddressSpace, TypedAddress) Parse(string input)
    {
        var bar = input.IndexOf('|', StringComparison.Ordinal);
        var spaceText = input[..bar].Trim();
        var colon = spaceText.IndexOf(':', StringComparison.Ordinal);
        var space = Org.Space(spaceText[..colon], spaceText[(colon + 1)..]);
        return (space, Org.Address(input[(bar + 1)..].Trim()));
    }
}
