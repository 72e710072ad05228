using Gatehouse.Core.Addresses;

namespace Gatehouse.Core.Tests.Addresses;

/// <summary>The exact addresses quoted in the five Knowledge Base seeds, and what Gatehouse makes of them.</summary>
public class SeedAddressTests
{
    private static bool Ours(string domain) => domain is "local" or "localdomain1.com" or "localdomain.com" or "imc1.domain.com";

    [Fact]
    public void Q152919_the_internal_form_of_a_custom_recipient_is_an_ordinary_mailbox()
    {
        // 'exchangeuser@exchangeserver' is how tracking showed a contact en route to its home site;
        // Gatehouse resolves contacts to their target on any server, but the string itself still parses.
        Assert.True(SmtpPathParser.TryParseMailbox("exchangeuser@exchangeserver", false, out var m, out var error), error);
        Assert.Equal(new Mailbox("exchangeuser", "exchangeserver"), m);
        Assert.Equal(SenderRoutingForm.None, SenderRoutingClassifier.Classify(m).Form);
    }

    [Fact]
    public void Q237927_an_encapsulated_smtp_one_off_is_decapsulated_before_the_relay_decision()
    {
        var pos = 0;
        Assert.True(SmtpPathParser.TryParseForwardPath("<IMCEASMTP-user+40ext.com@local>", ref pos, false, out var m, out var error), error);
        Assert.Equal(ImceaStatus.Decapsulated, Imcea.Decapsulate(m, Ours).Status);
        var r = SenderRoutingClassifier.Classify(m);
        Assert.Equal(SenderRoutingForm.ImceaEncapsulated, r.Form);
        // The hidden destination is outside: the relay check must see ext.com, not "local".
        Assert.Equal("ext.com", r.Hidden!.Mailbox!.Domain);
        Assert.True(r.Honoured);
    }

    [Fact]
    public void Q183801_smtpout_one_offs_and_the_site_domain()
    {
        Assert.True(OneOffAddress.TryParse("[SMTPOUT:user@internal.domain.com]", out var oneOff, out var error), error);
        Assert.Equal("SMTPOUT", oneOff.Type.Name);
        Assert.Equal("user@internal.domain.com", oneOff.Value);
        Assert.False(oneOff.Type.IsSmtp); // an outbound type map, not the parser, decides it travels as SMTP

        // The NDR quoted 'user@domain.com'.
        Assert.True(SmtpPathParser.TryParseMailbox("user@domain.com", false, out _, out error), error);

        // SiteDomain "imc1.domain.com" or "regulardomain.com": where non-SMTP senders are encapsulated.
        foreach (var site in new[] { "imc1.domain.com", "regulardomain.com" })
        {
            Assert.True(Imcea.TryEncapsulate(oneOff, site, out var encapsulated, out error), error);
            Assert.Equal("IMCEASMTPOUT-user+40internal+2Edomain+2Ecom@" + site, encapsulated.ToWire());
            Assert.Equal(oneOff, Imcea.Decapsulate(encapsulated, d => d == site).Address);
        }
    }

    [Fact]
    public void Q264330_the_quoted_imcea_form_hides_an_outside_address_and_is_never_honoured()
    {
        // The seed writes it with a space before '@': that is CFWS in a header, invalid in an envelope path.
        const string AsQuoted = "\"IMCEA user@domain2.com\" @localdomain1.com";
        var pos = 0;
        Assert.False(SmtpPathParser.TryParseForwardPath("<" + AsQuoted + ">", ref pos, false, out _, out _));
        Assert.True(HeaderAddressParser.TryParseMailbox(AsQuoted, false, out var header, out var error), error);

        pos = 0;
        Assert.True(SmtpPathParser.TryParseForwardPath("<\"IMCEA user@domain2.com\"@localdomain1.com>", ref pos, false, out var envelope, out error), error);
        Assert.Equal(envelope, header.Mailbox);
        Assert.Equal("IMCEA user@domain2.com", envelope.LocalPart);
        Assert.Equal(ImceaStatus.NotEncapsulated, Imcea.Decapsulate(envelope, Ours).Status);

        var options = new SenderRoutingOptions { AllowPercentHack = true, SwapBangPath = true };
        var r = SenderRoutingClassifier.Classify(envelope, options);
        Assert.Equal(SenderRoutingForm.QuotedAddress, r.Form);
        Assert.Equal(TypedAddress.Create(AddressType.Smtp, "user@domain2.com"), r.Hidden);
        Assert.False(r.Honoured);
        Assert.True(r.IsSenderSpecifiedRouting);
    }

    [Theory]
    [InlineData("postmaster@Microsoft.com", "microsoft.com")]
    [InlineData("postmaster@Microsoft-Europe.com", "microsoft-europe.com")]
    [InlineData("postmaster@Microsoft-Africa.com", "microsoft-africa.com")]
    public void Q201127_the_organisations_domains_parse_and_compare_case_insensitively(string text, string domain)
    {
        Assert.True(SmtpPathParser.TryParseMailbox(text, false, out var m, out var error), error);
        Assert.Equal(domain, m.Domain);
        Assert.Equal(TypedAddress.Create(AddressType.Smtp, text), TypedAddress.Create(AddressType.Smtp, "POSTMASTER@" + domain.ToUpperInvariant()));
    }
}
