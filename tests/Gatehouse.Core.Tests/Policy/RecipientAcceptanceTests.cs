using Gatehouse.Core.Addresses;
using Gatehouse.Core.Policy;

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
}
