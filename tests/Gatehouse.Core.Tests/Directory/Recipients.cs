using Gatehouse.Core.Addresses;
using Gatehouse.Core.Directory;

namespace Gatehouse.Core.Tests.Directory;

/// <summary>Short ways to write directory recipients in tests, with proxy addresses as Exchange writes them.</summary>
internal static class Recipients
{
    public static ProxyAddress[] Proxies(params string[] texts) =>
        [.. texts.Select(t => ProxyAddress.TryParse(t, out var p, out var error) ? p : throw new FormatException($"{t}: {error}"))];

    public static MailboxRecipient Box(string alias, params string[] proxies) => new(alias, "Mailbox " + alias, Proxies(proxies), "hq1");

    public static MailboxRecipient Person(string alias, string? given, string? surname, params string[] proxies) =>
        new(alias, $"{given} {surname}".Trim(), Proxies(proxies), "hq1", given, surname);

    public static ContactRecipient Contact(string alias, string target, params string[] proxies) =>
        new(alias, "Contact " + alias, Proxies(proxies), Typed(target), "europe");

    public static DistributionListRecipient List(string alias, string[] members, params string[] proxies) =>
        new(alias, "List " + alias, Proxies(proxies), members);

    public static TypedAddress Typed(string text) =>
        TypedAddress.TryParse(text, out var a, out var error) ? a : throw new FormatException($"{text}: {error}");

    public static AddressTemplate Template(string text) =>
        AddressTemplate.TryParse(text, out var t, out var error) ? t : throw new FormatException($"{text}: {error}");

    /// <summary>Builds a directory that must have no problems at all.</summary>
    public static RecipientDirectory Clean(params DirectoryRecipient[] recipients)
    {
        var directory = RecipientDirectory.Build(recipients, [], out var problems);
        Assert.Empty(problems);
        return directory;
    }
}
