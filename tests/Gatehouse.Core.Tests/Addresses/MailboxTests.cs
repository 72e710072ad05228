using Gatehouse.Core.Addresses;

namespace Gatehouse.Core.Tests.Addresses;

public class MailboxTests
{
    [Theory]
    [InlineData("user", "example.com", "user@example.com")]
    [InlineData("a.b", "x.example", "a.b@x.example")]
    [InlineData("john doe", "x.example", "\"john doe\"@x.example")]
    [InlineData("a..b", "x.example", "\"a..b\"@x.example")]
    [InlineData(".a", "x.example", "\".a\"@x.example")]
    [InlineData("a.", "x.example", "\"a.\"@x.example")]
    [InlineData("a\"b", "x.example", "\"a\\\"b\"@x.example")]
    [InlineData("a\\b", "x.example", "\"a\\\\b\"@x.example")]
    [InlineData("a@b", "x.example", "\"a@b\"@x.example")]
    [InlineData("", "x.example", "\"\"@x.example")]
    [InlineData("usér", "x.example", "usér@x.example")]
    [InlineData("ü ser", "x.example", "\"ü ser\"@x.example")]
    [InlineData("user", "[127.0.0.1]", "user@[127.0.0.1]")]
    [InlineData("Postmaster", "", "Postmaster")]
    public void Writes_the_wire_form_quoting_only_where_needed(string local, string domain, string wire)
    {
        var m = new Mailbox(local, domain);
        Assert.Equal(wire, m.ToWire());
        Assert.Equal(wire, m.ToString());
    }

    [Theory]
    [InlineData("user", false)]
    [InlineData("usér", true)]
    [InlineData("用户", true)]
    public void International_when_the_local_part_is_not_ascii(string local, bool international) =>
        Assert.Equal(international, new Mailbox(local, "xn--bcher-kva.example").IsInternational);

    [Fact]
    public void Mailboxes_compare_by_value_and_local_parts_case_sensitively()
    {
        Assert.Equal(new Mailbox("a", "x.example"), new Mailbox("a", "x.example"));
        Assert.NotEqual(new Mailbox("A", "x.example"), new Mailbox("a", "x.example"));
    }
}
