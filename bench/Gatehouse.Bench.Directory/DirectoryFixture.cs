using Gatehouse.Core.Addresses;
using Gatehouse.Core.Directory;

namespace Gatehouse.Bench.Directory;

/// <summary>A directory of N mailboxes, each with a primary and a secondary SMTP address, as an organization has them.</summary>
public static class DirectoryFixture
{
    public static List<DirectoryRecipient> Recipients(int n)
    {
        var list = new List<DirectoryRecipient>(n);
        for (var i = 0; i < n; i++)
        {
            var alias = "user" + i;
            list.Add(new MailboxRecipient(alias, "User Number " + i,
            [
                new ProxyAddress(TypedAddress.Create(AddressType.Smtp, $"first{i}.last{i}@example.com"), true),
                new ProxyAddress(TypedAddress.Create(AddressType.Smtp, alias + "@example.com"), false),
            ], "gate1"));
        }
        return list;
    }

    public static RecipientDirectory Build(List<DirectoryRecipient> recipients)
    {
        var d = RecipientDirectory.Build(recipients, [], out var problems);
        if (problems.Count > 0) throw new InvalidOperationException(problems[0].Message);
        return d;
    }
}
