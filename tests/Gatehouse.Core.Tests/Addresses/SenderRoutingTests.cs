using Gatehouse.Core.Addresses;

namespace Gatehouse.Core.Tests.Addresses;

/// <summary>
/// Every sender-specified routing form, from a golden table: at least every RCPT TO that nmap's
/// smtp-open-relay script tries, plus the forms of seeds Q237927 and Q264330.
/// </summary>
public class SenderRoutingTests
{
    // Our accepted domains for the table; nmap.scanme.org, ext.com and domain2.com are outside.
    private static bool Ours(string domain) => domain is "local.example" or "localdomain1.com" or "[192.0.2.25]";

    // Columns: RCPT TO path → form | hidden destination ('-' none) | honoured by default | honoured with every switch on.
    // "refused" means the SMTP parser rejects the path (so nothing is ever routed);
    // "foreign" means the mailbox is at an outside domain: nothing is hidden, the relay check sees that domain itself.
    private const string Table = """
        # nmap smtp-open-relay, with domain=nmap.scanme.org, srvname=local.example, ip=192.0.2.25
        <relaytest@nmap.scanme.org>                              → foreign
        <relaytest%nmap.scanme.org@[192.0.2.25]>                 → PercentHack       SMTP:relaytest@nmap.scanme.org  no  yes
        <relaytest%nmap.scanme.org@local.example>                → PercentHack       SMTP:relaytest@nmap.scanme.org  no  yes
        <"relaytest@nmap.scanme.org">                            → refused
        <"relaytest%nmap.scanme.org">                            → refused
        <relaytest@nmap.scanme.org@[192.0.2.25]>                 → refused
        <"relaytest@nmap.scanme.org"@[192.0.2.25]>               → QuotedAddress     SMTP:relaytest@nmap.scanme.org  no  no
        <relaytest@nmap.scanme.org@local.example>                → refused
        <@[192.0.2.25]:relaytest@nmap.scanme.org>                → refused
        <@local.example:relaytest@nmap.scanme.org>               → foreign
        <nmap.scanme.org!relaytest>                              → refused
        <nmap.scanme.org!relaytest@[192.0.2.25]>                 → BangPath          SMTP:relaytest@nmap.scanme.org  no  yes
        <nmap.scanme.org!relaytest@local.example>                → BangPath          SMTP:relaytest@nmap.scanme.org  no  yes

        # seed Q237927: an encapsulated SMTP one-off; decapsulated, so the relay check sees ext.com
        <IMCEASMTP-user+40ext.com@local.example>                 → ImceaEncapsulated SMTP:user@ext.com  yes  yes
        <IMCEASMTP-user+40ext+2Ecom@local.example>               → ImceaEncapsulated SMTP:user@ext.com  yes  yes
        <imceasmtp-user+40ext+2ecom@local.example>               → ImceaEncapsulated SMTP:user@ext.com  yes  yes
        <"IMCEASMTP-user+40ext.com"@local.example>               → ImceaEncapsulated SMTP:user@ext.com  yes  yes
        <IMCEASMTP-user+40ext.com@nmap.scanme.org>               → foreign
        <IMCEAEX-_O=ORG_OU=SITE_CN=RECIPIENTS_CN=ALIAS@local.example> → ImceaEncapsulated EX:/O=ORG/OU=SITE/CN=RECIPIENTS/CN=ALIAS  yes  yes
        <IMCEASMTPOUT-user+40internal+2Edomain+2Ecom@local.example> → ImceaEncapsulated SMTPOUT:user@internal.domain.com  yes  yes
        <IMCEASMTP-user+4@local.example>                         → ImceaEncapsulated -  no  no
        <IMCEASMTP-user+ZZ+40ext.com@local.example>              → ImceaEncapsulated -  no  no
        <"IMCEASMTP-user@ext.com"@local.example>                 → ImceaEncapsulated -  no  no
        <IMCEASMTP-user+40ext.com+40local.example@local.example> → ImceaEncapsulated -  no  no

        # seed Q264330: the quoted "IMCEA address" form, with its space
        <"IMCEA user@domain2.com"@localdomain1.com>              → QuotedAddress     SMTP:user@domain2.com  no  no
        <"imcea   user@domain2.com"@localdomain1.com>            → QuotedAddress     SMTP:user@domain2.com  no  no
        <"user@ext.com"@local.example>                           → QuotedAddress     SMTP:user@ext.com  no  no
        <"user@ext.com@other.com"@local.example>                 → QuotedAddress     SMTP:"user@ext.com"@other.com  no  no
        <"user@"@local.example>                                  → QuotedAddress     -  no  no
        <"@ext.com"@local.example>                               → QuotedAddress     -  no  no
        <"user%ext.com"@local.example>                           → PercentHack       SMTP:user@ext.com  no  yes
        <"ext.com!user"@local.example>                           → BangPath          SMTP:user@ext.com  no  yes

        # percent hack and bang paths: rightmost % and leftmost ! win, as Sendmail and Postfix read them
        <user%ext.com@local.example>                             → PercentHack       SMTP:user@ext.com  no  yes
        <user%a.example%ext.com@local.example>                   → PercentHack       SMTP:user%a.example@ext.com  no  yes
        <user%local.example@local.example>                       → PercentHack       SMTP:user@local.example  no  yes
        <user%@local.example>                                    → PercentHack       -  no  no
        <%ext.com@local.example>                                 → PercentHack       -  no  no
        <user%-bad.com@local.example>                            → PercentHack       -  no  no
        <ext.com!user@local.example>                             → BangPath          SMTP:user@ext.com  no  yes
        <a.example!b.example!user@local.example>                 → BangPath          SMTP:b.example!user@a.example  no  yes
        <ext.com!user%other.com@local.example>                   → PercentHack       SMTP:ext.com!user@other.com  no  yes
        <!user@local.example>                                    → BangPath          -  no  no
        <ext.com!@local.example>                                 → BangPath          -  no  no

        # source routes: the route is dropped (RFC 5321 3.6.1); the mailbox is the destination
        <@relay.example:user@local.example>                      → SourceRoute       -  no  no
        <@a.example,@b.example:user@local.example>               → SourceRoute       -  no  no
        <@local.example:user@ext.com>                            → foreign
        <@local.example:user%ext.com@local.example>              → PercentHack       SMTP:user@ext.com  no  yes

        # ordinary addresses stay ordinary
        <user@local.example>                                     → None              -  no  no
        <"john smith"@local.example>                             → None              -  no  no
        <IMCEA@local.example>                                    → None              -  no  no
        <imceadmin@local.example>                                → None              -  no  no
        <first.last+tag@local.example>                           → None              -  no  no
        """;

    public static TheoryData<string, string> Rows() => GoldenTable.Rows(Table);

    [Theory]
    [MemberData(nameof(Rows))]
    public void Forms_from_the_table(string path, string expected)
    {
        var fields = expected.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var pos = 0;
        var parsed = SmtpPathParser.TryParseForwardPath(path, ref pos, utf8: false, out var mailbox, out var route, out var error);
        if (fields[0] == "refused")
        {
            Assert.False(parsed && pos == path.Length, $"{path} should be refused by the SMTP parser");
            return;
        }
        Assert.True(parsed, $"{path}: {error}");
        Assert.Equal(path.Length, pos);
        if (fields[0] == "foreign")
        {
            Assert.False(Ours(mailbox.Domain));
            return;
        }
        Assert.True(Ours(mailbox.Domain), $"{path}: the table's rows with a form must be at our domains");

        var safe = SenderRoutingClassifier.Classify(mailbox, SenderRoutingOptions.Default, route);
        var open = SenderRoutingClassifier.Classify(mailbox, new SenderRoutingOptions { AllowPercentHack = true, SwapBangPath = true }, route);

        Assert.Equal(Enum.Parse<SenderRoutingForm>(fields[0]), safe.Form);
        Assert.Equal(fields[1], safe.Hidden?.ToString() ?? "-");
        Assert.Equal(fields[2] == "yes", safe.Honoured);
        Assert.Equal(safe.Form, open.Form);
        Assert.Equal(safe.Hidden, open.Hidden);
        Assert.Equal(fields[3] == "yes", open.Honoured);
        Assert.NotEqual("", safe.Meaning);
        // A form that cannot be read says why, and nothing unreadable is ever honoured.
        Assert.Equal(safe.Hidden is null && safe.Form is not (SenderRoutingForm.None or SenderRoutingForm.SourceRoute), safe.Error != "");
        Assert.Equal(safe.Form is not (SenderRoutingForm.None or SenderRoutingForm.SourceRoute), safe.IsSenderSpecifiedRouting);
    }

    [Fact]
    public void By_default_nothing_but_imcea_is_honoured()
    {
        Assert.False(SenderRoutingOptions.Default.AllowPercentHack);
        Assert.False(SenderRoutingOptions.Default.SwapBangPath);
        foreach (var row in GoldenTable.Rows(Table))
        {
            var path = (string)row[0];
            var pos = 0;
            if (!SmtpPathParser.TryParseForwardPath(path, ref pos, false, out var m, out var route, out _) || !Ours(m.Domain)) continue;
            var r = SenderRoutingClassifier.Classify(m, null, route);
            Assert.True(!r.Honoured || r.Form == SenderRoutingForm.ImceaEncapsulated, path);
        }
    }

    [Fact]
    public void Header_addresses_classify_like_envelope_addresses()
    {
        Assert.True(HeaderAddressParser.TryParseMailbox("Someone <\"IMCEA user@domain2.com\"@localdomain1.com>", false, out var hm, out var error), error);
        var r = SenderRoutingClassifier.Classify(hm.Mailbox);
        Assert.Equal(SenderRoutingForm.QuotedAddress, r.Form);
        Assert.Equal(TypedAddress.Create(AddressType.Smtp, "user@domain2.com"), r.Hidden);
    }

    [Fact]
    public void The_classifier_never_throws_on_odd_mailboxes()
    {
        foreach (var local in new[] { "", "%", "!", "@", "@@", "%%", "!!", "IMCEA", "IMCEA ", "IMCEA @", "IMCEAX-", "IMCEAX-+", "\0", "\ud800", "a%\ud800", "é%ü!ß@", new string('%', 2000) })
        {
            var r = SenderRoutingClassifier.Classify(new Mailbox(local, "local.example"), new SenderRoutingOptions { AllowPercentHack = true, SwapBangPath = true }, "@x");
            Assert.NotNull(r);
            Assert.True(r.Hidden is not null || !r.Honoured);
        }
    }
}
