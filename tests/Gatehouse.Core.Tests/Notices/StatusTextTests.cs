using Gatehouse.Core.Notices;

namespace Gatehouse.Core.Tests.Notices;

public class StatusTextTests
{
    [Theory]
    [InlineData("5.1.1", "The recipient's mailbox does not exist (no such user).")]
    [InlineData("5.1.2", "The recipient's domain does not exist.")]
    [InlineData("5.1.10", "The recipient's domain does not accept mail (it publishes a null MX record).")]
    [InlineData("5.2.2", "The recipient's mailbox is full.")]
    [InlineData("4.2.2", "The recipient's mailbox is full.")]
    [InlineData("5.3.4", "The message is too big for the receiving mail system.")]
    [InlineData("5.4.4", "There is no route to the recipient: no connector or mail server carries this address.")]
    [InlineData("5.4.6", "The message is in a routing loop: it passed through too many servers.")]
    [InlineData("5.4.7", "The message could not be delivered within the time allowed.")]
    [InlineData("4.4.1", "There was no answer from the receiving server.")]
    [InlineData("4.4.2", "The connection to the receiving server was dropped.")]
    [InlineData("4.4.3", "The name service (DNS) failed to answer for the recipient's domain.")]
    [InlineData("5.6.3", "The message needs a conversion that is not possible (such as 8-bit content to a 7-bit server).")]
    [InlineData("5.6.7", "The receiving server does not accept internationalized (SMTPUTF8) addresses.")]
    [InlineData("5.7.1", "The message was refused by policy: delivery is not authorized.")]
    [InlineData("4.7.4", "The receiving server does not offer the security (TLS) that is required.")]
    [InlineData("5.7.10", "Encryption (TLS) is required but could not be used.")]
    [InlineData("5.7.27", "The sender's domain does not accept mail (null MX), so replies could not reach it.")]
    [InlineData("2.0.0", "The message was delivered.")]
    [InlineData("2.1.5", "The recipient address is valid.")]
    [InlineData("2.6.4", "The message was delivered after a conversion that lost some content.")]
    public void Known_codes_have_their_own_words(string status, string words)
    {
        Assert.Equal(words, StatusText.Describe(status));
    }

    [Theory]
    [InlineData("5.1.99", "The mail system reported an address problem (permanent, status 5.1.99).")]
    [InlineData("4.2.77", "The mail system reported a mailbox problem (temporary, status 4.2.77).")]
    [InlineData("5.7.999", "The mail system reported a security or policy problem (permanent, status 5.7.999).")]
    [InlineData("4.0.5", "The mail system reported an unspecified problem (temporary, status 4.0.5).")]
    [InlineData("5.9.1", "The mail system reported a permanent problem (status 5.9.1).")]
    [InlineData("4.123.4", "The mail system reported a temporary problem (status 4.123.4).")]
    [InlineData("2.4.9", "The message was delivered.")]
    public void Unknown_details_fall_back_to_subject_and_class(string status, string words)
    {
        Assert.Equal(words, StatusText.Describe(status));
    }

    [Theory]
    [InlineData("")]
    [InlineData("550")]
    [InlineData("3.1.1")]
    [InlineData("5.1.1 no such user")]
    [InlineData("5.01.1")]
    public void Text_that_is_not_a_code_says_so(string status)
    {
        Assert.Equal("The delivery status is not known.", StatusText.Describe(status));
    }
}
