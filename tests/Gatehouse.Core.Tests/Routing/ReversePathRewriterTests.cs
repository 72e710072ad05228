using Gatehouse.Core.Addresses;
using Gatehouse.Core.Configuration;
using Gatehouse.Core.Directory;
using Gatehouse.Core.Resolution;
using Gatehouse.Core.Routing;

namespace Gatehouse.Core.Tests.Routing;

/// <summary>The reverse-path of mail leaving through an internet connector (seed Q183801's SiteDomain).</summary>
public class ReversePathRewriterTests
{
    private static ProxyAddress P(string s) => ProxyAddress.TryParse(s, out var p, out var e) ? p : throw new FormatException(e);

    private static readonly ResolverContext Context = new(
        d => d == "contoso.com",
        RecipientDirectory.Build(
        [
            new MailboxRecipient("jdoe", "John Doe", [P("SMTP:john.doe@contoso.com"), P("smtp:jdoe@contoso.com"), P("EX:/O=CONTOSO/OU=HQ/CN=RECIPIENTS/CN=JDOE"), P("X400:c=US;a= ;p=Contoso;s=Doe")], "hq1"),
        ], [], out _),
        SenderRoutingOptions.Default);

    private static ConnectorConfig Connector(string? siteDomain) =>
        new("net", ConnectorKind.Internet, ["hq1"], [], null, [], new Dictionary<string, AddressType>(), siteDomain, null, null, 1, []);

    [Theory]
    [InlineData("jdoe@contoso.com", "imc1.contoso.com", "john.doe@contoso.com")]
    [InlineData("john.doe@contoso.com", "imc1.contoso.com", "john.doe@contoso.com")]
    [InlineData("IMCEAEX-_O=CONTOSO_OU=HQ_CN=RECIPIENTS_CN=JDOE@contoso.com", "imc1.contoso.com", "john.doe@contoso.com")]
    [InlineData("IMCEAX400-c=US+3Bp=Contoso+3Bs=Doe+3Ba=+20@contoso.com", "imc1.contoso.com", "john.doe@contoso.com")]
    [InlineData("IMCEAEX-_O=CONTOSO_OU=HQ_CN=RECIPIENTS_CN=GONE@contoso.com", "imc1.contoso.com", "IMCEAEX-_O=CONTOSO_OU=HQ_CN=RECIPIENTS_CN=GONE@imc1.contoso.com")]
    [InlineData("IMCEAMS-MSNET_MSPO_MYNAME@contoso.com", "imc1.contoso.com", "IMCEAMS-MSNET_MSPO_MYNAME@imc1.contoso.com")]
    [InlineData("IMCEAMS-MSNET_MSPO_MYNAME@contoso.com", null, "IMCEAMS-MSNET_MSPO_MYNAME@contoso.com")]
    [InlineData("IMCEASMTP-someone+40partner.example@contoso.com", "imc1.contoso.com", "someone@partner.example")]
    [InlineData("outsider@partner.example", "imc1.contoso.com", "outsider@partner.example")]
    [InlineData("IMCEAEX-_O=X@elsewhere.example", "imc1.contoso.com", "IMCEAEX-_O=X@elsewhere.example")]
    public void Sender_leaves_with_an_address_replies_come_back_to(string sender, string? siteDomain, string expected)
    {
        Assert.True(SmtpPathParser.TryParseMailbox(sender, true, out var m, out var e), e);
        var (rp, why) = ReversePathRewriter.ForConnector(m, Connector(siteDomain), Context);
        Assert.Equal(expected, rp!.ToWire());
        Assert.False(string.IsNullOrEmpty(why));
    }

    [Fact]
    public void The_null_sender_stays_null() => Assert.Null(ReversePathRewriter.ForConnector(null, Connector("imc1.contoso.com"), Context).ReversePath);
}
