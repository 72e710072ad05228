using Gatehouse.Core.Addresses;
using Gatehouse.Core.Directory;
using Gatehouse.Server.Configuration;

namespace Gatehouse.Server.Tests.Configuration;

public class DirectoryConfigTests
{
    private const string Org = """
        accepted_domains: [example.com]
        directory:
          address_templates: ["%g.%s@example.com"]
          mailboxes:
            - alias: jdoe
              given_name: John
              surname: Doe
              proxy_addresses: [smtp:jdoe@example.com, "X400:c=US;a= ;p=Ex;o=HQ;s=Doe;g=John"]
            - alias: jdoe2
              given_name: John
              surname: Doe
          contacts:
            - alias: partner
              target: SMTP:pat@partner.example
              proxy_addresses: [SMTP:pat.partner@example.com]
          lists:
            - alias: staff
              members: [jdoe, partner, staff]
              proxy_addresses: [SMTP:staff@example.com]
        sender_routing:
          allow_percent_hack: yes
        """;

    private static ConfigError[] Errors(string yaml) =>
        [.. Assert.Throws<ConfigException>(() => ConfigLoader.Parse(yaml, "org.yaml", Path.GetTempPath())).Errors];

    [Fact]
    public void Directory_is_loaded_with_generated_addresses_and_notices()
    {
        var c = ConfigLoader.Parse(Org, "org.yaml", Path.GetTempPath());
        Assert.Equal(4, c.Directory.Count);
        Assert.True(c.SenderRouting.AllowPercentHack);
        var jdoe = Assert.IsType<MailboxRecipient>(c.Directory.Find(TypedAddress.Create(AddressType.Smtp, "JOHN.DOE@example.com")));
        Assert.Equal("jdoe", jdoe.Alias);
        Assert.Equal("gatehouse", jdoe.HomeServer);
        Assert.Equal("jdoe2", c.Directory.Find(TypedAddress.Create(AddressType.Smtp, "John.Doe2@example.com"))!.Alias);
        Assert.Contains(c.Notices, n => n.Contains("John.Doe2@example.com", StringComparison.Ordinal));
        Assert.Same(jdoe, c.Directory.Find(TypedAddress.Create(AddressType.X400, "g=John;s=Doe;o=HQ;p=Ex;a= ;c=US")));
        Assert.IsType<ContactRecipient>(c.Directory.Find(TypedAddress.Create(AddressType.Smtp, "pat.partner@example.com")));
    }

    [Theory]
    [InlineData("directory:\n  mailboxes:\n    - alias: a\n      proxy_addresses: [Smtp:a@localhost]\n", 4, "directory.mailboxes[0].proxy_addresses", "upper case")]
    [InlineData("directory:\n  mailboxes:\n    - alias: a\n      proxy_addresses: [smtp:a@elsewhere.example]\n", 3, "directory.mailboxes[0]", "accepted_domains")]
    [InlineData("directory:\n  contacts:\n    - alias: c\n      target: SMTP:c@x.example\n      proxy_addresses: [smtp:c@x.example]\n", 3, "directory.contacts[0]", "accepted_domains")]
    [InlineData("directory:\n  mailboxes:\n    - alias: a\n    - alias: A\n", 4, "directory.mailboxes[1]", "more than one")]
    [InlineData("directory:\n  mailboxes:\n    - alias: a\n      proxy_addresses: [smtp:x@localhost]\n    - alias: b\n      proxy_addresses: [smtp:X@localhost]\n", 5, "directory.mailboxes[1]", "already held")]
    [InlineData("directory:\n  lists:\n    - alias: l\n      members: [ghost]\n", 3, "directory.lists[0]", "ghost")]
    [InlineData("directory:\n  contacts:\n    - alias: c\n      target: nonsense\n", 4, "directory.contacts[0].target", "TYPE:value")]
    [InlineData("directory:\n  mailboxes:\n    - alias: a\n      home_server: nowhere\n", 4, "directory.mailboxes[0].home_server", "not one of the servers")]
    [InlineData("directory:\n  address_templates: [\"%q@localhost\"]\n", 2, "directory.address_templates", "unknown placeholder")]
    [InlineData("directory:\n  address_templates: [\"%g@other.example\"]\n", 2, "directory.address_templates", "accepted_domains")]
    [InlineData("sender_routing:\n  swap_bangpath: perhaps\n", 2, "sender_routing.swap_bangpath", "true or false")]
    public void Directory_errors_name_line_and_key(string yaml, int line, string key, string fragment)
    {
        var err = Assert.Single(Errors(yaml));
        Assert.Equal((line, key), (err.Line, err.Key));
        Assert.Contains(fragment, err.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Site_addressing_gives_each_mailbox_the_templates_of_its_site()
    {
        var c = ConfigLoader.Parse("""
            accepted_domains: [example.com, eu.example.com]
            sites:
              - name: hq
              - name: eu
                address_templates: ["%g.%s@eu.example.com"]
            servers:
              - {name: hq1, site: hq, listeners: [{port: 2525}]}
              - {name: eu1, site: eu, listeners: [{port: 2526}]}
            directory:
              address_templates: ["%g.%s@example.com"]
              mailboxes:
                - {alias: ann, given_name: Ann, surname: Lee, home_server: hq1}
                - {alias: bob, given_name: Bob, surname: Ray, home_server: eu1}
            """, "org.yaml", Path.GetTempPath());
        Assert.Equal("ann", c.Directory.Find(TypedAddress.Create(AddressType.Smtp, "ann.lee@example.com"))?.Alias);
        Assert.Equal("bob", c.Directory.Find(TypedAddress.Create(AddressType.Smtp, "bob.ray@eu.example.com"))?.Alias);
        Assert.Null(c.Directory.Find(TypedAddress.Create(AddressType.Smtp, "bob.ray@example.com")));
    }

    [Fact]
    public void A_site_template_outside_the_accepted_domains_is_an_error()
    {
        var err = Assert.Single(Errors("sites:\n  - name: hq\n    address_templates: [\"%m@other.example\"]\nservers:\n  - {name: a, site: hq}\n"));
        Assert.Equal((3, "sites[0].address_templates"), (err.Line, err.Key));
    }
}
